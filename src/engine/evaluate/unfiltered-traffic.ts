import type { FlowAggregate } from '../flow-log/flow-record';
import { type IpAddress, parseIp } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { PROTOCOL_UDP } from '../network/protocol';

/**
 * Link-local services of the VPC that security groups and network ACLs never filter (and flow
 * logs do not record): instance metadata, Amazon DNS, Amazon Time Sync, Windows licence
 * activation (KMS), the ECS task metadata endpoint — IPv4 and their IPv6 (Nitro) addresses.
 */
const UNFILTERED_SERVICES: ReadonlyMap<string, string> = new Map(
  (
    [
      ['169.254.169.254', 'instance metadata'],
      ['fd00:ec2::254', 'instance metadata'],
      ['169.254.169.253', 'Amazon DNS'],
      ['fd00:ec2::253', 'Amazon DNS'],
      ['169.254.169.123', 'Amazon Time Sync'],
      ['fd00:ec2::123', 'Amazon Time Sync'],
      ['169.254.169.250', 'Windows licence activation'],
      ['169.254.169.251', 'Windows licence activation'],
      ['169.254.170.2', 'ECS task metadata'],
    ] as const
  ).map(([address, name]) => [parseIp(address)!.key, name]),
);

/** DHCP (67/68) and DHCPv6 (546/547): the client and server ports come as a pair. */
const DHCP_PORT_PAIRS = [
  [67, 68],
  [546, 547],
] as const;

function isDhcp(flow: FlowAggregate): boolean {
  if (flow.protocol !== PROTOCOL_UDP || flow.srcport === null || flow.dstport === null) return false;
  const ports = [flow.srcport, flow.dstport].sort((a, b) => a - b);
  return DHCP_PORT_PAIRS.some(([a, b]) => ports[0] === a && ports[1] === b);
}

function offsetOf(peer: IpAddress, base4: number, base6: bigint, family: 4 | 6): number | null {
  if (peer.family !== family) return null;
  if (family === 4) return peer.v4 - base4;
  const diff = peer.v6 - base6;
  return diff >= 0n && diff < 16n ? Number(diff) : null;
}

/**
 * Why the flow is traffic that security groups and network ACLs do not filter, or null. Such
 * traffic is never logged; a REJECT record of it cannot be a rule's doing, so explaining it by a
 * rule (and suggesting a rule change) would be wrong. Covers the link-local services above, DHCP,
 * the Route 53 Resolver at the base of the VPC's primary IPv4 block plus two (base plus two of a
 * secondary block is only reserved: a REJECT of traffic to it is a rule's), and the VPC router at
 * the base of the interface's subnet plus one.
 */
export function unfilteredTrafficReason(model: NetworkModel, flow: FlowAggregate, peer: IpAddress): string | null {
  const service = UNFILTERED_SERVICES.get(peer.key);
  const what = service ?? (isDhcp(flow) ? 'DHCP' : null) ?? resolverOrRouter(model, flow.interfaceId, peer);
  return what
    ? `traffic with ${peer.key} (${what}) is not filtered by security groups or network ACLs, and flow logs do not record it`
    : null;
}

function resolverOrRouter(model: NetworkModel, eniId: string, peer: IpAddress): string | null {
  const vpcId = model.interfaceVpcId(eniId);
  const primary = vpcId ? model.vpcPrimaryIpv4Block(vpcId) : undefined;
  if (primary && offsetOf(peer, primary.base4, primary.base6, 4) === 2) return 'Route 53 Resolver';
  const subnetId = model.interface(eniId)?.SubnetId;
  if (subnetId && model.subnetCidrBlocks(subnetId).some((cidr) => offsetOf(peer, cidr.base4, cidr.base6, cidr.family) === 1)) {
    return 'the VPC router';
  }
  return null;
}
