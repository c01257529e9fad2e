import * as ipaddr from 'ipaddr.js';
import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import { isInternetAddress, isPrivateAddress } from '../ip/ip-address';
import {
  describeInterfaceOwner,
  isNatGatewayOwner,
  isNetworkLoadBalancerInterface,
  isTransitGatewayInterface,
  usesFullEphemeralRange,
} from '../network/interface-owner';
import type {
  IpPermission,
  NetworkAclEntry,
  NetworkInterface,
  NetworkSnapshot,
  Route,
  SecurityGroupRule,
  UserIdGroupPair,
} from '../network/snapshot';
import { atDestinationPort, atHighestDestinationPort, interiorDestinationPorts, keyPorts, servicePortSide } from './flow-ports';
import type { BlockingControl, FlowVerdict } from './verdict';

/*
 * THE REFERENCE EVALUATOR: a deliberately simple oracle for property tests and the evaluation
 * benchmark. It reads the raw snapshot on every call — linear scans, CIDRs parsed each time with
 * ipaddr.js, no indexes, no caches — and states the semantics of DESIGN.md as directly as
 * possible. It shares nothing with the indexed evaluator except the shared port-collapse rule,
 * the internet/private address ranges and what an interface's owner is (a load balancer, a NAT
 * gateway: their description, type or requester). Never use it in the product: it is slow on purpose of
 * being obviously right.
 */

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
type Tri = 'allow' | 'deny' | 'uncertain';

function addr(text: string | undefined | null): Addr | null {
  if (!text) return null;
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : null;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
}

/** A VPC or subnet CIDR block holds addresses only while its association is `associated` (no state: a hand-written snapshot). */
function associated(state: { State?: string } | undefined): boolean {
  return !state?.State || state.State === 'associated';
}

function same(a: Addr, b: Addr): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

function inCidr(a: Addr, cidr: string | undefined): boolean {
  if (!cidr) return false;
  const [base, bits] = cidr.split('/');
  const network = addr(base);
  if (!network || network.kind() !== a.kind()) return false;
  return (a as ipaddr.IPv4).match(network as ipaddr.IPv4, Number(bits));
}

function protocolNumber(p: string | number | undefined): number {
  const names: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, all: -1 };
  const text = String(p).toLowerCase();
  return text in names ? names[text] : Number(text);
}

function eniVpc(s: NetworkSnapshot, eni: NetworkInterface): string | undefined {
  return eni.VpcId ?? s.Subnets?.find((x) => x.SubnetId === eni.SubnetId)?.VpcId;
}

function uniqueEnis(s: NetworkSnapshot): NetworkInterface[] {
  const seen = new Set<string>();
  return (s.NetworkInterfaces ?? []).filter((e) => !seen.has(e.NetworkInterfaceId) && seen.add(e.NetworkInterfaceId));
}

function privateAddressMatch(eni: NetworkInterface, a: Addr): boolean {
  const exact = [
    eni.PrivateIpAddress,
    ...(eni.PrivateIpAddresses ?? []).map((x) => x.PrivateIpAddress),
    ...(eni.Ipv6Addresses ?? []).map((x) => x.Ipv6Address),
  ];
  if (
    exact.some((t) => {
      const b = addr(t);
      return b !== null && same(a, b);
    })
  )
    return true;
  const prefixes = [...(eni.Ipv4Prefixes ?? []).map((x) => x.Ipv4Prefix), ...(eni.Ipv6Prefixes ?? []).map((x) => x.Ipv6Prefix)];
  return prefixes.some((c) => inCidr(a, c));
}

function anyAddressMatch(eni: NetworkInterface, a: Addr): boolean {
  if (privateAddressMatch(eni, a)) return true;
  const publics = [eni.Association?.PublicIp, ...(eni.PrivateIpAddresses ?? []).map((x) => x.Association?.PublicIp)];
  return publics.some((t) => {
    const b = addr(t);
    return b !== null && same(a, b);
  });
}

function groupKnown(s: NetworkSnapshot, groupId: string): boolean {
  return (s.SecurityGroups ?? []).some((g) => g.GroupId === groupId) || (s.SecurityGroupRules ?? []).some((r) => r.GroupId === groupId);
}

function permissionsOf(s: NetworkSnapshot, groupId: string, direction: Direction): IpPermission[] {
  const group = [...(s.SecurityGroups ?? [])].reverse().find((g) => g.GroupId === groupId);
  if (group && (group.IpPermissions?.length ?? 0) + (group.IpPermissionsEgress?.length ?? 0) > 0) {
    return (direction === 'ingress' ? group.IpPermissions : group.IpPermissionsEgress) ?? [];
  }
  return (s.SecurityGroupRules ?? [])
    .filter((r: SecurityGroupRule) => r.GroupId === groupId && Boolean(r.IsEgress) === (direction === 'egress'))
    .map((r) => ({
      IpProtocol: r.IpProtocol,
      FromPort: r.FromPort,
      ToPort: r.ToPort,
      IpRanges: r.CidrIpv4 ? [{ CidrIp: r.CidrIpv4 }] : [],
      Ipv6Ranges: r.CidrIpv6 ? [{ CidrIpv6: r.CidrIpv6 }] : [],
      PrefixListIds: r.PrefixListId ? [{ PrefixListId: r.PrefixListId }] : [],
      UserIdGroupPairs: r.ReferencedGroupInfo?.GroupId
        ? [
            {
              GroupId: r.ReferencedGroupInfo.GroupId,
              UserId: r.ReferencedGroupInfo.UserId,
              VpcPeeringConnectionId: r.ReferencedGroupInfo.VpcPeeringConnectionId,
            },
          ]
        : [],
    }));
}

function vpcsInReach(s: NetworkSnapshot, vpcId: string | null): string[] | null {
  if (vpcId === null) return null;
  const out = [vpcId];
  for (const p of s.VpcPeeringConnections ?? []) {
    if (p.Status?.Code !== 'active') continue;
    const [ra, rb] = [p.RequesterVpcInfo?.Region, p.AccepterVpcInfo?.Region];
    if (ra && rb && ra !== rb) continue;
    if (p.RequesterVpcInfo?.VpcId === vpcId && p.AccepterVpcInfo?.VpcId) out.push(p.AccepterVpcInfo.VpcId);
    if (p.AccepterVpcInfo?.VpcId === vpcId && p.RequesterVpcInfo?.VpcId) out.push(p.RequesterVpcInfo.VpcId);
  }
  return out;
}

function vpcHolds(s: NetworkSnapshot, vpcId: string, a: Addr): boolean {
  const vpc = s.Vpcs?.find((v) => v.VpcId === vpcId);
  const blocks = vpc
    ? [
        vpc.CidrBlock,
        ...(vpc.CidrBlockAssociationSet ?? []).filter((x) => associated(x.CidrBlockState)).map((x) => x.CidrBlock),
        ...(vpc.Ipv6CidrBlockAssociationSet ?? []).filter((x) => associated(x.Ipv6CidrBlockState)).map((x) => x.Ipv6CidrBlock),
      ]
    : [];
  if (blocks.some((c) => inCidr(a, c))) return true;
  return (s.Subnets ?? []).some((x) => (x.VpcId ?? '') === vpcId && subnetBlocks(x).some((c) => inCidr(a, c)));
}

function subnetBlocks(x: NonNullable<NetworkSnapshot['Subnets']>[number]): (string | undefined)[] {
  return [
    x.CidrBlock,
    ...(x.Ipv6CidrBlockAssociationSet ?? []).filter((b) => associated(b.Ipv6CidrBlockState)).map((b) => b.Ipv6CidrBlock),
  ];
}

function accountsOf(s: NetworkSnapshot): string[] {
  return [...(s.NetworkInterfaces ?? []).map((e) => e.OwnerId), ...(s.SecurityGroups ?? []).map((g) => g.OwnerId)].filter(
    (o): o is string => Boolean(o),
  );
}

function peeringHolds(s: NetworkSnapshot, vpcId: string, a: Addr): boolean {
  for (const p of s.VpcPeeringConnections ?? []) {
    if (p.Status?.Code !== 'active' || !p.RequesterVpcInfo?.VpcId || !p.AccepterVpcInfo?.VpcId) continue;
    for (const info of [p.RequesterVpcInfo, p.AccepterVpcInfo]) {
      if (info.VpcId !== vpcId) continue;
      const blocks = [
        info.CidrBlock,
        ...(info.CidrBlockSet ?? []).map((c) => c.CidrBlock),
        ...(info.Ipv6CidrBlockSet ?? []).map((c) => c.Ipv6CidrBlock),
      ];
      if (blocks.some((c) => inCidr(a, c))) return true;
    }
  }
  return false;
}

/** Can the snapshot list every interface that could hold `a` in `vpcId`? 'uncertain' when not. */
function coverage(s: NetworkSnapshot, vpcId: string, a: Addr): Tri {
  const described = (s.Vpcs ?? []).some((v) => v.VpcId === vpcId) || (s.Subnets ?? []).some((x) => (x.VpcId ?? '') === vpcId);
  if (!described) return peeringHolds(s, vpcId, a) ? 'uncertain' : 'deny';
  if (!vpcHolds(s, vpcId, a)) return 'deny';
  const subnet = (s.Subnets ?? []).find((x) => (x.VpcId ?? '') === vpcId && subnetBlocks(x).some((c) => inCidr(a, c)));
  if (!subnet) return 'uncertain';
  const owner = subnet.OwnerId ?? s.Vpcs?.find((v) => v.VpcId === subnet.VpcId)?.OwnerId;
  const accounts = accountsOf(s);
  return owner && accounts.length > 0 && !accounts.includes(owner) ? 'uncertain' : 'deny';
}

/** Internet space that no VPC the snapshot knows holds (described, by a subnet, or through an active peering). */
function internetPeer(s: NetworkSnapshot, a: Addr): boolean {
  if (!isInternetAddress(a.toString())) return false;
  const vpcIds = new Set([
    ...(s.Vpcs ?? []).map((v) => v.VpcId),
    ...(s.Subnets ?? []).map((x) => x.VpcId ?? ''),
    ...(s.VpcPeeringConnections ?? []).flatMap((p) => [p.RequesterVpcInfo?.VpcId ?? '', p.AccepterVpcInfo?.VpcId ?? '']),
  ]);
  return ![...vpcIds].some((vpcId) => vpcHolds(s, vpcId, a) || peeringHolds(s, vpcId, a));
}

/** Groups not listed on an interface that can carry some: whatever they are, they are unknown. */
function groupsUnlisted(eni: NetworkInterface): boolean {
  return (
    eni.Groups === undefined &&
    !isNatGatewayOwner(describeInterfaceOwner(eni)) &&
    !['nat_gateway', 'natGateway', 'transit_gateway', 'gateway_load_balancer', 'gateway_load_balancer_endpoint'].includes(
      eni.InterfaceType ?? '',
    )
  );
}

function carries(e: NetworkInterface, groupId: string): boolean {
  return (e.Groups ?? []).some((g) => g.GroupId === groupId);
}

function groupRefMatch(
  s: NetworkSnapshot,
  groupId: string,
  a: Addr,
  vpcId: string | null,
  subnetId: string | null,
  direction: Direction,
): Tri {
  const reach = vpcsInReach(s, vpcId);
  const owners = uniqueEnis(s).filter((e) => {
    const v = eniVpc(s, e) ?? '';
    return (reach === null || reach.includes(v)) && privateAddressMatch(e, a);
  });
  if (owners.length > 0) {
    if (owners.some((e) => carries(e, groupId))) return 'allow';
    return owners.some(groupsUnlisted) ? 'uncertain' : 'deny';
  }
  if (internetPeer(s, a)) return 'deny';
  if (direction === 'ingress' && vpcId !== null && reach !== null) {
    const across = throughTransitGateway(s, groupId, a, vpcId, subnetId, reach);
    if (across !== null) return across;
  }
  if (!groupKnown(s, groupId)) return 'uncertain';
  if (reach === null) return 'uncertain';
  return reach.some((v) => coverage(s, v, a) === 'uncertain') ? 'uncertain' : 'deny';
}

/**
 * A stale reference: `listed` when DescribeStaleSecurityGroups lists the rule (group, direction,
 * referenced group); `ended` when its peering connection is deleted, rejected, failed or expired by
 * the pair's PeeringStatus or the listed connection's state and neither says otherwise.
 */
function staleness(s: NetworkSnapshot, groupId: string, direction: Direction, pair: UserIdGroupPair): 'listed' | 'ended' | null {
  for (const g of s.StaleSecurityGroupSet ?? []) {
    if (g.GroupId !== groupId) continue;
    const perms = direction === 'ingress' ? g.StaleIpPermissions : g.StaleIpPermissionsEgress;
    if ((perms ?? []).some((p) => (p.UserIdGroupPairs ?? []).some((x) => x.GroupId === pair.GroupId))) return 'listed';
  }
  const listed = (s.VpcPeeringConnections ?? []).find(
    (p) => pair.VpcPeeringConnectionId && p.VpcPeeringConnectionId === pair.VpcPeeringConnectionId,
  )?.Status?.Code;
  const states = [listed, pair.PeeringStatus].filter((x): x is string => Boolean(x));
  const ended = ['deleted', 'rejected', 'failed', 'expired'];
  return states.length > 0 && states.every((x) => ended.includes(x)) ? 'ended' : null;
}

/** The table the subnet uses: its explicit association in effect, else its VPC's main table (the last listed wins, as EC2 has one of each). */
function subnetRouteTable(s: NetworkSnapshot, subnetId: string): string | undefined {
  const inEffect = (state: { State?: string } | undefined) => !state?.State || state.State === 'associated';
  let explicit: string | undefined;
  let main: string | undefined;
  let vpcId: string | undefined;
  for (const x of s.Subnets ?? []) if (x.SubnetId === subnetId) vpcId = x.VpcId;
  for (const t of s.RouteTables ?? []) {
    for (const assoc of t.Associations ?? []) {
      if (!inEffect(assoc.AssociationState)) continue;
      if (assoc.SubnetId === subnetId) explicit = t.RouteTableId;
      if (assoc.Main && t.VpcId && t.VpcId === vpcId) main = t.RouteTableId;
    }
  }
  return explicit ?? main;
}

/** The most specific route of the table for `a` (a CIDR block beats a prefix list at equal length). */
function routeFor(s: NetworkSnapshot, tableId: string, a: Addr): Route | null {
  const table = [...(s.RouteTables ?? [])].reverse().find((t) => t.RouteTableId === tableId);
  let best: { route: Route; bits: number; list: boolean } | null = null;
  for (const route of table?.Routes ?? []) {
    const cidr = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock;
    const cidrs = cidr ? [cidr] : (s.PrefixListEntries?.[route.DestinationPrefixListId ?? ''] ?? []).map((e) => e.Cidr);
    const bits = Math.max(-1, ...cidrs.filter((c) => inCidr(a, c)).map((c) => Number(c!.split('/')[1])));
    if (bits < 0) continue;
    const list = !cidr;
    if (!best || bits > best.bits || (bits === best.bits && best.list && !list)) best = { route, bits, list };
  }
  return best?.route ?? null;
}

/** Attachments `available` or `modifying` carry traffic (no state: a hand-written snapshot). */
function attachmentState(x: { State?: string }): 'available' | 'modifying' | null {
  const state = x.State ?? 'available';
  return state === 'available' || state === 'modifying' ? state : null;
}

function refused(s: NetworkSnapshot, member: string, account: string | undefined): boolean {
  return (s.NotRead ?? []).some((n) => n.Member === member && (!n.AccountId || !account || n.AccountId === account));
}

/**
 * An inbound rule's reference to a group carried in a VPC the rule's subnet routes to through a
 * transit gateway: the gateway and both VPCs' attachments must allow (a refusal by any decides,
 * else anything unshown leaves it open); null when no such route or carrier.
 */
function throughTransitGateway(
  s: NetworkSnapshot,
  groupId: string,
  a: Addr,
  vpcId: string,
  subnetId: string | null,
  reach: string[],
): Tri | null {
  const tgwTables = (s.RouteTables ?? []).filter((t) => t.VpcId === vpcId && (t.Routes ?? []).some((r) => r.TransitGatewayId));
  if (tgwTables.length === 0) return null;
  const own = subnetId ? subnetRouteTable(s, subnetId) : undefined;
  const routesToGateway = (id: string) =>
    (s.RouteTables ?? []).some((t) => t.RouteTableId === id && t.VpcId && (t.Routes ?? []).some((r) => r.TransitGatewayId));
  const tables = own === undefined ? tgwTables.map((t) => t.RouteTableId) : routesToGateway(own) ? [own] : [];
  // The VPCs the group's members are in, in the order of their first member; the first outside reach holding the peer.
  const memberVpcs = [
    ...new Set(
      uniqueEnis(s)
        .filter((e) => carries(e, groupId))
        .map((e) => eniVpc(s, e) ?? ''),
    ),
  ].filter(Boolean);
  const peerVpc = memberVpcs.find(
    (v) => !reach.includes(v) && uniqueEnis(s).some((e) => eniVpc(s, e) === v && carries(e, groupId) && privateAddressMatch(e, a)),
  );
  if (!peerVpc) return null;
  for (const tableId of tables) {
    const route = routeFor(s, tableId, a);
    const toGateway = route?.TransitGatewayId && route.GatewayId !== 'local' && !route.VpcPeeringConnectionId;
    if (!route || !toGateway || (route.State ?? 'active') !== 'active') continue;
    const gatewayId = route.TransitGatewayId!;
    const verdicts: Tri[] = [];
    const gateway = [...(s.TransitGateways ?? [])].reverse().find((g) => g.TransitGatewayId === gatewayId);
    const gatewayState = gateway?.State ?? 'available';
    if (!gateway || gatewayState === 'modifying' || (gatewayState === 'available' && !gateway.Options?.SecurityGroupReferencingSupport))
      verdicts.push('uncertain');
    else verdicts.push(gatewayState === 'available' && gateway.Options?.SecurityGroupReferencingSupport === 'enable' ? 'allow' : 'deny');
    for (const v of [vpcId, peerVpc]) {
      const live = (s.TransitGatewayVpcAttachments ?? []).filter(
        (x) => x.TransitGatewayId === gatewayId && x.VpcId === v && attachmentState(x) !== null,
      );
      const vpcOwner = s.Vpcs?.find((x) => x.VpcId === v)?.OwnerId;
      const accounts = accountsOf(s);
      const readIn = (owner: string | undefined) =>
        (owner === undefined || accounts.length === 0 || accounts.includes(owner)) && !refused(s, 'TransitGatewayVpcAttachments', owner);
      const described = (s.Vpcs ?? []).some((x) => x.VpcId === v) || (s.Subnets ?? []).some((x) => (x.VpcId ?? '') === v);
      const listed =
        s.TransitGatewayVpcAttachments !== undefined &&
        ((described && readIn(vpcOwner)) || (gateway?.OwnerId !== undefined && readIn(gateway.OwnerId)));
      if (live.some((x) => attachmentState(x) === 'available' && x.Options?.SecurityGroupReferencingSupport === 'enable'))
        verdicts.push('allow');
      else if (live.some((x) => attachmentState(x) === 'modifying' || !x.Options?.SecurityGroupReferencingSupport))
        verdicts.push('uncertain');
      else verdicts.push(live.length > 0 || listed ? 'deny' : 'uncertain');
    }
    return verdicts.includes('deny') ? 'deny' : verdicts.includes('uncertain') ? 'uncertain' : 'allow';
  }
  return null;
}

/**
 * Oracle: the transit gateway the subnet's route table sends `a` to (an active route) when one of
 * its live VPC attachments lists the subnet; then its NACL judges nothing the gateway delivers, and
 * what goes to the gateway by the inbound rules (source) as well as the outbound ones.
 */
function gatewayAttachedInSubnet(s: NetworkSnapshot, subnetId: string, a: Addr): string | null {
  if (!s.RouteTables) return null;
  const tableId = subnetRouteTable(s, subnetId);
  const route = tableId ? routeFor(s, tableId, a) : null;
  const gatewayId = route?.TransitGatewayId;
  if (!gatewayId || route.GatewayId === 'local' || (route.State ?? 'active') !== 'active') return null;
  const attached = (s.TransitGatewayVpcAttachments ?? []).some(
    (x) => x.TransitGatewayId === gatewayId && attachmentState(x) !== null && (x.SubnetIds ?? []).includes(subnetId),
  );
  return attached ? gatewayId : null;
}

/**
 * Oracle: which attachment interface of the gateway in the subnet's VPC delivers what `a` sends:
 * the attachment's subnet in `a`'s Availability Zone (the gateway keeps traffic in the zone it
 * comes from, unless in appliance mode), any of its subnets when that zone has none or is unknown.
 */
function gatewayDelivery(s: NetworkSnapshot, gatewayId: string, subnetId: string, a: Addr): 'own-subnet' | 'other-subnet' | 'either' {
  const zone = (id: string | undefined): string | null => {
    const x = (s.Subnets ?? []).find((y) => y.SubnetId === id);
    return x?.AvailabilityZoneId ?? x?.AvailabilityZone ?? null;
  };
  const vpcId = (s.Subnets ?? []).find((x) => x.SubnetId === subnetId)?.VpcId;
  const attachments = (s.TransitGatewayVpcAttachments ?? []).filter(
    (x) => x.TransitGatewayId === gatewayId && x.VpcId === vpcId && attachmentState(x) !== null && (x.SubnetIds ?? []).includes(subnetId),
  );
  const all = [...new Set(attachments.flatMap((x) => x.SubnetIds ?? []))];
  const zones = [
    ...new Set(
      uniqueEnis(s)
        .filter((e) => privateAddressMatch(e, a))
        .map((e) => zone(e.SubnetId)),
    ),
  ];
  let through = all;
  if (zones.length === 1 && zones[0] !== null && !attachments.some((x) => x.Options?.ApplianceModeSupport === 'enable')) {
    const same = all.filter((id) => zone(id) === zones[0]);
    const unknown = all.filter((id) => zone(id) === null);
    if (same.length) through = same;
    else if (unknown.length && !unknown.includes(subnetId)) through = unknown;
  }
  if (through.every((id) => id === subnetId)) return 'own-subnet';
  return through.includes(subnetId) ? 'either' : 'other-subnet';
}

/** ICMP types whose only code is 0 (echo, timestamp, information, address mask and replies; ICMPv6 echo). */
function onlyCodeZero(protocol: number, type: number): boolean {
  return protocol === 1 ? [0, 8, 13, 14, 15, 16, 17, 18].includes(type) : [128, 129].includes(type);
}

/** Does an ICMP rule's type and code (-1 or absent: any) take every packet of `icmpType` (null: type unknown)? */
function icmpRuleMatch(protocol: number, ruleType: number | undefined, ruleCode: number | undefined, icmpType: number | null): Tri {
  if (ruleType === undefined || ruleType === -1) return 'allow';
  if (icmpType === null) return 'uncertain';
  if (ruleType !== icmpType) return 'deny';
  if (ruleCode === undefined || ruleCode === -1 || (ruleCode === 0 && onlyCodeZero(protocol, icmpType))) return 'allow';
  return 'uncertain';
}

/**
 * Oracle: the first by name of the Network Load Balancers (`elb:net/NAME`; interface type
 * `network_load_balancer` or an `ELB net/…` description) carrying `groupId` in the VPCs in reach
 * (any VPC when unknown). An inbound TCP or UDP rule referencing the group admits what such a load
 * balancer forwards, which keeps the client's address with client IP preservation.
 */
function loadBalancerCarrying(s: NetworkSnapshot, groupId: string, reach: string[] | null): string | null {
  const names = uniqueEnis(s)
    .filter((e) => isNetworkLoadBalancerInterface(e) && carries(e, groupId) && (reach === null || reach.includes(eniVpc(s, e) ?? '')))
    .map((e) => describeInterfaceOwner(e) ?? e.NetworkInterfaceId)
    .sort();
  return names[0] ?? null;
}

/** Oracle: do any of the groups allow the flow? `icmpType`: the ICMP type a question names (flows: null). */
export function referenceEvaluateSecurityGroups(
  s: NetworkSnapshot,
  groupIds: readonly string[],
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: string,
  vpcId: string | null,
  icmpType: number | null = null,
  subnetId: string | null = null,
): Tri {
  return referenceGroups(s, groupIds, direction, protocol, port, peer, vpcId, icmpType, subnetId, true).tri;
}

/**
 * The groups' answer, and the load balancer whose forwarding alone left it open (see
 * `loadBalancerCarrying`); with `forwarded` false, as if nothing came through a load balancer.
 */
function referenceGroups(
  s: NetworkSnapshot,
  groupIds: readonly string[],
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: string,
  vpcId: string | null,
  icmpType: number | null,
  subnetId: string | null,
  forwarded: boolean,
): { tri: Tri; loadBalancer: string | null } {
  const a = addr(peer);
  if (!a) return { tri: 'uncertain', loadBalancer: null };
  const tri = (result: Tri): { tri: Tri; loadBalancer: string | null } => ({ tri: result, loadBalancer: null });
  let result: Tri = 'deny';
  let loadBalancer: string | null = null;
  for (const groupId of groupIds) {
    if (!groupKnown(s, groupId)) {
      result = 'uncertain';
      continue;
    }
    for (const perm of permissionsOf(s, groupId, direction)) {
      const rp = protocolNumber(perm.IpProtocol);
      if (rp !== -1 && rp !== protocol) continue;
      let portOk: Tri = 'allow';
      if (rp === 1 || rp === 58) {
        portOk = icmpRuleMatch(rp, perm.FromPort, perm.ToPort, icmpType);
      } else if (rp === 6 || rp === 17) {
        const lo = perm.FromPort === undefined || perm.FromPort === -1 ? 0 : perm.FromPort;
        const hi = perm.ToPort === undefined || perm.ToPort === -1 ? 65535 : perm.ToPort;
        if (port === null) portOk = lo === 0 && hi === 65535 ? 'allow' : 'uncertain';
        else if (port < lo || port > hi) portOk = 'deny';
      }
      if (portOk === 'deny') continue;
      const peers: Tri[] = [
        ...(perm.IpRanges ?? []).map((r) => (inCidr(a, r.CidrIp) ? 'allow' : 'deny') as Tri),
        ...(perm.Ipv6Ranges ?? []).map((r) => (inCidr(a, r.CidrIpv6) ? 'allow' : 'deny') as Tri),
        ...(perm.PrefixListIds ?? []).map((r): Tri => {
          const entries = s.PrefixListEntries?.[r.PrefixListId ?? ''];
          if (!entries) return 'uncertain';
          return entries.some((e) => inCidr(a, e.Cidr)) ? 'allow' : 'deny';
        }),
        ...(perm.UserIdGroupPairs ?? [])
          .filter((g) => g.GroupId)
          .map((g): Tri => {
            const stale = staleness(s, groupId, direction, g);
            if (stale === 'listed') return 'deny';
            const match = groupRefMatch(s, g.GroupId!, a, vpcId, subnetId, direction);
            if (stale !== null) return match === 'allow' ? 'uncertain' : 'deny';
            // Not the peer's group, but perhaps what a Network Load Balancer carrying it forwarded from the peer.
            if (match === 'deny' && forwarded && direction === 'ingress' && (protocol === 6 || protocol === 17) && portOk === 'allow') {
              const name = loadBalancerCarrying(s, g.GroupId!, vpcsInReach(s, vpcId));
              if (name !== null && (loadBalancer === null || name < loadBalancer)) loadBalancer = name;
            }
            return match;
          }),
      ];
      for (const p of peers) {
        if (p === 'deny') continue;
        if (p === 'allow' && portOk === 'allow') return tri('allow');
        result = 'uncertain';
      }
    }
  }
  if (result === 'deny' && loadBalancer !== null) return { tri: 'uncertain', loadBalancer };
  return tri(result);
}

/** Oracle: the first matching entry in ascending rule number, else the implicit deny. `icmpType` as for groups. */
export function referenceEvaluateNetworkAcl(
  s: NetworkSnapshot,
  aclId: string,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: string,
  icmpType: number | null = null,
): { allowed: boolean | 'uncertain'; ruleNumber: number } {
  const acl = [...(s.NetworkAcls ?? [])].reverse().find((x) => x.NetworkAclId === aclId);
  const a = addr(peer);
  if (!acl || !a) return { allowed: 'uncertain', ruleNumber: -1 };
  const entries = (acl.Entries ?? [])
    .filter((e: NetworkAclEntry) => Boolean(e.Egress) === (direction === 'egress'))
    .sort((x, y) => x.RuleNumber - y.RuleNumber);
  for (const e of entries) {
    const p = protocolNumber(e.Protocol);
    if (p !== -1 && p !== protocol) continue;
    if (!inCidr(a, e.CidrBlock ?? e.Ipv6CidrBlock)) continue;
    if (p === 1 || p === 58) {
      const match = icmpRuleMatch(p, e.IcmpTypeCode?.Type, e.IcmpTypeCode?.Code, icmpType);
      if (match === 'deny') continue;
      if (match === 'uncertain') return { allowed: 'uncertain', ruleNumber: e.RuleNumber };
    }
    if ((p === 6 || p === 17) && e.PortRange) {
      const lo = e.PortRange.From ?? 0;
      const hi = e.PortRange.To ?? 65535;
      if (port === null) {
        if (!(lo === 0 && hi === 65535)) return { allowed: 'uncertain', ruleNumber: e.RuleNumber };
      } else if (port < lo || port > hi) continue;
    }
    return { allowed: e.RuleAction === 'allow', ruleNumber: e.RuleNumber };
  }
  return { allowed: false, ruleNumber: a.kind() === 'ipv4' ? 32767 : 32768 };
}

function aclOfSubnet(s: NetworkSnapshot, subnetId: string): string | undefined {
  let explicit: string | undefined;
  for (const acl of s.NetworkAcls ?? []) if ((acl.Associations ?? []).some((x) => x.SubnetId === subnetId)) explicit = acl.NetworkAclId;
  if (explicit) return explicit;
  const vpcId = s.Subnets?.find((x) => x.SubnetId === subnetId)?.VpcId;
  let fallback: string | undefined;
  for (const acl of s.NetworkAcls ?? []) if (vpcId && acl.IsDefault && acl.VpcId === vpcId) fallback = acl.NetworkAclId;
  return fallback;
}

/** The accepted reverse flows of `flow` at its interface (addresses and key ports swapped), answering within the window of the protocols tracked by address only. */
function reverseAccepted(flow: FlowAggregate, accepted: readonly FlowAggregate[]): FlowAggregate[] {
  // GRE, ESP and the like are tracked by addresses and protocol only: a response comes within 600 s.
  const portless = ![1, 6, 17, 58].includes(flow.protocol);
  return reverseAcceptedEver(flow, accepted).filter(
    (f) => !portless || (flow.lastSeen >= f.firstSeen && flow.firstSeen <= f.lastSeen + 600),
  );
}

/** The accepted reverse flows of `flow` at its interface, at any time. */
function reverseAcceptedEver(flow: FlowAggregate, accepted: readonly FlowAggregate[]): FlowAggregate[] {
  const [sp, dp] = keyPorts(flow);
  return accepted.filter((f) => {
    if (f.action !== 'ACCEPT' || f.interfaceId !== flow.interfaceId || f.protocol !== flow.protocol) return false;
    const fs = addr(f.srcaddr),
      fd = addr(f.dstaddr),
      rs = addr(flow.srcaddr),
      rd = addr(flow.dstaddr);
    if (!fs || !fd || !rs || !rd || !same(fs, rd) || !same(fd, rs)) return false;
    const [fsp, fdp] = keyPorts(f);
    return fsp === dp && fdp === sp;
  });
}

const UNFILTERED = [
  '169.254.169.254',
  'fd00:ec2::254',
  '169.254.169.253',
  'fd00:ec2::253',
  '169.254.169.123',
  'fd00:ec2::123',
  '169.254.169.250',
  '169.254.169.251',
  '169.254.170.2',
];

/** The address `offset` above the network address of `cidr` (null for a host block). */
function plus(cidr: string | undefined, offset: number): Addr | null {
  if (!cidr || !ipaddr.isValidCIDR(cidr)) return null;
  const [base, bits] = ipaddr.parseCIDR(cidr);
  const bytes = (
    base.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr)
  ).toByteArray();
  if (bits === (base.kind() === 'ipv4' ? 32 : 128)) return null;
  let carry = offset;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = bytes[i] + carry;
    bytes[i] = sum & 255;
    carry = sum >> 8;
  }
  return ipaddr.fromByteArray(bytes);
}

/** Traffic security groups and NACLs never filter: link-local services, DHCP, the resolver, the subnet router. */
function unfiltered(s: NetworkSnapshot, eni: NetworkInterface, flow: FlowAggregate, a: Addr): boolean {
  if (UNFILTERED.some((t) => same(a, addr(t)!))) return true;
  const ports = [flow.srcport, flow.dstport].join(',');
  if (flow.protocol === 17 && ['67,68', '68,67', '546,547', '547,546'].includes(ports)) return true;
  const vpcId = eniVpc(s, eni);
  const vpc = s.Vpcs?.find((v) => v.VpcId === vpcId);
  // The Amazon DNS server: base + 2 of the primary IPv4 block only.
  const primary = vpc
    ? (vpc.CidrBlock ?? (vpc.CidrBlockAssociationSet ?? []).find((x) => associated(x.CidrBlockState))?.CidrBlock)
    : undefined;
  const resolver = plus(primary, 2);
  if (resolver !== null && same(a, resolver)) return true;
  const subnet = s.Subnets?.find((x) => x.SubnetId === eni.SubnetId);
  return (
    subnet !== undefined &&
    subnetBlocks(subnet).some((c) => {
      const r = plus(c, 1);
      return r !== null && same(a, r);
    })
  );
}

/** Oracle: does the flow go to a port ≥ 1024 of a load balancer's or NAT gateway's interface (the capturing one inbound, the peer's outbound)? */
function toFullRangeClient(
  s: NetworkSnapshot,
  eni: NetworkInterface,
  vpcId: string | null,
  flow: FlowAggregate,
  direction: Direction,
  peer: Addr,
): boolean {
  if (flow.dstport === null || flow.dstport < 1024) return false;
  if (direction === 'ingress') return usesFullEphemeralRange(describeInterfaceOwner(eni));
  const reach = vpcsInReach(s, vpcId);
  return uniqueEnis(s).some(
    (e) =>
      (reach === null || reach.includes(eniVpc(s, e) ?? '')) &&
      privateAddressMatch(e, peer) &&
      usesFullEphemeralRange(describeInterfaceOwner(e)),
  );
}

/** Oracle: does the packet go to a port of 1024–65535 at the address of a NAT gateway's interface? */
function toNatGatewayAddress(eni: NetworkInterface, flow: FlowAggregate, dst: Addr | null): boolean {
  return (
    flow.dstport !== null &&
    flow.dstport >= 1024 &&
    isNatGatewayOwner(describeInterfaceOwner(eni)) &&
    dst !== null &&
    anyAddressMatch(eni, dst)
  );
}

/** Oracle: is `port` at least 1024 and opened inbound to no peer by any of the groups (all described)? */
function servesNobody(s: NetworkSnapshot, groups: readonly string[], protocol: number, port: number | null): boolean {
  if (port === null || port < 1024 || groups.length === 0 || !groups.every((g) => groupKnown(s, g))) return false;
  return !groups.some((g) =>
    permissionsOf(s, g, 'ingress').some((perm) => {
      const rp = protocolNumber(perm.IpProtocol);
      if (rp !== -1 && rp !== protocol) return false;
      const peers =
        (perm.IpRanges?.length ?? 0) +
        (perm.Ipv6Ranges?.length ?? 0) +
        (perm.PrefixListIds?.length ?? 0) +
        (perm.UserIdGroupPairs ?? []).filter((g) => g.GroupId).length;
      if (peers === 0) return false;
      if (rp !== 6 && rp !== 17) return true;
      const lo = perm.FromPort === undefined || perm.FromPort === -1 ? 0 : perm.FromPort;
      const hi = perm.ToPort === undefined || perm.ToPort === -1 ? 65535 : perm.ToPort;
      return port >= lo && port <= hi;
    }),
  );
}

/**
 * Oracle for `explainFlow`: same verdict, direction, returnTraffic and blockedBy (reason wording is
 * not compared). A collapsed range of destination ports is judged at both its ends, and a REJECT
 * that both pass at every port between them where any port range of the snapshot starts or ends.
 */
export function referenceExplainFlow(s: NetworkSnapshot, flow: FlowAggregate, accepted: readonly FlowAggregate[] = []): FlowVerdict {
  const atLowest = referenceExplainOne(s, flow, accepted);
  const highest = atHighestDestinationPort(flow);
  if (atLowest.verdict === 'blocked' || highest === null) return atLowest;
  const atHighest = referenceExplainOne(s, highest, accepted);
  if (atHighest.verdict === 'blocked') return atHighest;
  if (flow.action !== 'REJECT') return atLowest;
  for (const port of interiorDestinationPorts(flow, snapshotPortRanges(s))) {
    const between = referenceExplainOne(s, atDestinationPort(flow, port), accepted);
    if (between.verdict === 'blocked') return between;
  }
  return atLowest;
}

/** Every port range the snapshot's NACL entries and security group rules name. */
function snapshotPortRanges(s: NetworkSnapshot): { fromPort: number; toPort: number }[] {
  const ranges: { fromPort: number; toPort: number }[] = [];
  const add = (from: number | undefined, to: number | undefined) => {
    if (from !== undefined && to !== undefined) ranges.push({ fromPort: from, toPort: to });
  };
  for (const acl of s.NetworkAcls ?? []) for (const e of acl.Entries ?? []) add(e.PortRange?.From, e.PortRange?.To);
  for (const group of s.SecurityGroups ?? []) {
    for (const perm of [...(group.IpPermissions ?? []), ...(group.IpPermissionsEgress ?? [])]) add(perm.FromPort, perm.ToPort);
  }
  for (const rule of s.SecurityGroupRules ?? []) add(rule.FromPort, rule.ToPort);
  return ranges;
}

function referenceExplainOne(s: NetworkSnapshot, flow: FlowAggregate, accepted: readonly FlowAggregate[]): FlowVerdict {
  const eni = uniqueEnis(s).find((e) => e.NetworkInterfaceId === flow.interfaceId);
  const src = addr(flow.srcaddr);
  const dst = addr(flow.dstaddr);
  let inferred: Direction | null = flow.flowDirection;
  if (!inferred && eni) {
    if (dst && anyAddressMatch(eni, dst)) inferred = 'ingress';
    else if (src && anyAddressMatch(eni, src)) inferred = 'egress';
  }
  const direction: Direction =
    inferred ?? (src && dst && isPrivateAddress(flow.srcaddr) && !isPrivateAddress(flow.dstaddr) ? 'egress' : 'ingress');
  const peer = direction === 'ingress' ? flow.srcaddr : flow.dstaddr;
  const peerAddr = direction === 'ingress' ? src : dst;
  const vpcId = eni ? (eniVpc(s, eni) ?? null) : null;
  const subnetId = eni?.SubnetId ?? null;
  const groups = [...new Set((eni?.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => Boolean(g)))];
  let returnTraffic = false;
  // Return traffic only if a rule the snapshot cannot decide let the other side open the connection.
  let returnUndecided = false;
  if (eni && peerAddr) {
    const flags = flow.tcpFlags;
    const side = servicePortSide(flow);
    // Whether the flags and the reverse ACCEPT left it open, for the service port and the peer's kind to decide.
    let open = false;
    if (flow.protocol === 6 && flags !== null && flags & 16) returnTraffic = true;
    else if (flow.protocol === 6 && flags !== null && flags & 2) returnTraffic = false;
    else if (reverseAccepted(flow, accepted).length > 0) {
      const flagged = reverseAccepted(flow, accepted)
        .map((f) => f.tcpFlags)
        .filter((f): f is number => f !== null);
      const flags = flagged.length ? flagged.reduce((x, y) => x | y, 0) : null;
      const inbound =
        direction === 'egress' && groups.length > 0
          ? referenceEvaluateSecurityGroups(s, groups, 'ingress', flow.protocol, flow.srcport, peer, vpcId, null, subnetId)
          : 'deny';
      const outbound =
        direction === 'egress' && groups.length > 0
          ? referenceEvaluateSecurityGroups(s, groups, 'egress', flow.protocol, flow.dstport, peer, vpcId, null, subnetId)
          : 'deny';
      if (flow.protocol === 6 && flags !== null && flags & 16) returnTraffic = false;
      else if (flow.protocol === 6 && flags !== null && flags & 2) returnTraffic = true;
      else if (inbound === 'allow') returnTraffic = true;
      else if (outbound === 'allow' && inbound === 'deny') returnTraffic = false;
      else if (side !== 'dst') returnTraffic = true;
      else if (direction === 'ingress' && servesNobody(s, groups, flow.protocol, flow.dstport)) returnTraffic = true;
      else if (direction === 'ingress' && groups.length === 0 && toNatGatewayAddress(eni, flow, dst)) returnTraffic = true;
      else {
        returnUndecided = inbound === 'uncertain';
        open = true;
      }
    } else open = true;
    if (
      open &&
      (side === 'src' ||
        (side === 'dst' &&
          flow.protocol === 6 &&
          groups.length > 0 &&
          (toFullRangeClient(s, eni, vpcId, flow, direction, peerAddr) ||
            (direction === 'ingress' && servesNobody(s, groups, flow.protocol, flow.dstport))) &&
          referenceEvaluateSecurityGroups(
            s,
            groups,
            direction === 'ingress' ? 'egress' : 'ingress',
            6,
            flow.dstport,
            peer,
            vpcId,
            null,
            subnetId,
          ) === 'deny')) &&
      flow.srcport !== null &&
      groups.length > 0
    ) {
      const opposite: Direction = direction === 'ingress' ? 'egress' : 'ingress';
      const opened = referenceEvaluateSecurityGroups(s, groups, opposite, flow.protocol, flow.srcport, peer, vpcId, null, subnetId);
      // The groups serve the destination port (this way, not the source port; the other way, it too): a request.
      const admits = (way: Direction, port: number | null) =>
        referenceEvaluateSecurityGroups(s, groups, way, flow.protocol, port, peer, vpcId, null, subnetId) === 'allow';
      const servesDst =
        side === 'src' && admits(direction, flow.dstport) && !admits(direction, flow.srcport) && admits(opposite, flow.dstport);
      returnTraffic = opened === 'allow' && !servesDst;
      returnUndecided = !returnTraffic && (returnUndecided || opened === 'uncertain');
    } else if (open && groups.length === 0 && side === 'src' && direction === 'ingress' && toNatGatewayAddress(eni, flow, dst)) {
      // A NAT gateway accepts no connection from outside: inbound to its address answers its own.
      returnTraffic = true;
    }
  }
  // Replies with no request among the interface's ACCEPT flows, ever: from the internet its groups
  // see a new connection; from elsewhere they are kept as replies, which the groups pass only while
  // they track the connection, so groups that refuse them as new leave the verdict open.
  const untracked =
    returnTraffic &&
    direction === 'ingress' &&
    groups.length > 0 &&
    peerAddr !== null &&
    accepted.some((f) => f.action === 'ACCEPT' && f.interfaceId === flow.interfaceId) &&
    reverseAcceptedEver(flow, accepted).length === 0;
  if (untracked && internetPeer(s, peerAddr)) returnTraffic = false;
  let base = { direction, returnTraffic };
  if (flow.rejectReason === 'BPA') return { ...base, verdict: 'blocked', blockedBy: [{ control: 'block-public-access', direction }] };
  // Any other reject-reason names a refusal that is not the groups' or the NACL's.
  if (flow.action === 'REJECT' && flow.rejectReason !== null && flow.rejectReason !== '-')
    return { ...base, verdict: 'unknown', blockedBy: [], reason: 'refused outside groups and NACLs' };
  if (!eni || !src || !dst || !peerAddr || !inferred) return { ...base, verdict: 'unknown', blockedBy: [], reason: 'undecidable' };
  if (unfiltered(s, eni, flow, peerAddr)) return { ...base, verdict: 'unknown', blockedBy: [], reason: 'not filtered' };

  let nacl: BlockingControl | null = null;
  let naclOwn: BlockingControl | null = null;
  let uncertain = false;
  // Whether the NACL lets the packets through both ways it judges them (or sees none of them).
  let naclPasses = true;
  const subnet = s.Subnets?.find((x) => x.SubnetId === subnetId);
  if (!subnetId) return { ...base, verdict: 'unknown', blockedBy: [], reason: 'no subnet' };
  const viaGateway = gatewayAttachedInSubnet(s, subnetId, peerAddr);
  const delivery = viaGateway && direction === 'ingress' ? gatewayDelivery(s, viaGateway, subnetId, peerAddr) : null;
  // At a transit gateway's own interface, what an instance of its subnet sends it meets the inbound rules.
  const intoGateway = direction === 'ingress' && isTransitGatewayInterface(eni);
  const inside = subnet !== undefined && subnetBlocks(subnet).some((c) => inCidr(peerAddr, c)) && !intoGateway;
  if (!inside && delivery !== 'own-subnet') {
    const aclId = aclOfSubnet(s, subnetId);
    if (!aclId) {
      uncertain = true;
      naclPasses = false;
    } else {
      const r = referenceEvaluateNetworkAcl(s, aclId, direction, flow.protocol, flow.dstport, peer);
      if (r.allowed !== true) naclPasses = false;
      // Perhaps delivered through this subnet's own attachment interface, where no rule sees it: a deny is not sure.
      if (r.allowed === false && delivery === 'either') uncertain = true;
      else if (r.allowed === false) nacl = { control: 'network-acl', direction, networkAclId: aclId, ruleNumber: r.ruleNumber };
      if (r.allowed === 'uncertain') uncertain = true;
      // Sent to a transit gateway attached in the same subnet: the inbound rules judge the source too.
      if (viaGateway && direction === 'egress') {
        const own = referenceEvaluateNetworkAcl(s, aclId, 'ingress', flow.protocol, flow.dstport, flow.srcaddr);
        if (own.allowed !== true) naclPasses = false;
        if (own.allowed === false)
          naclOwn = { control: 'network-acl', direction: 'ingress', networkAclId: aclId, ruleNumber: own.ruleNumber };
        if (own.allowed === 'uncertain') uncertain = true;
      }
    }
  }
  // Refused packets without ports (ICMP, GRE, ESP) an accepted flow the other way made replies:
  // where the NACL passes them, the groups tracked nothing they answer and refused them as new.
  if (
    returnTraffic &&
    naclPasses &&
    flow.action === 'REJECT' &&
    flow.protocol !== 6 &&
    flow.protocol !== 17 &&
    (flow.icmpType ?? null) === null &&
    reverseAccepted(flow, accepted).length > 0
  ) {
    returnTraffic = false;
    base = { direction, returnTraffic };
  }
  let sg: BlockingControl | null = null;
  // The load balancer the groups admit the packets through only: bypassed (a REJECT nothing else explains), or perhaps not.
  let bypassed: string | null = null;
  let through: string | null = null;
  if (!returnTraffic && groupsUnlisted(eni)) uncertain = true;
  else if (!returnTraffic && groups.length > 0) {
    const judged = referenceGroups(s, groups, direction, flow.protocol, flow.dstport, peer, vpcId, null, subnetId, true);
    let r = judged.tri;
    if (judged.loadBalancer !== null) {
      // Forwarded, the groups would have admitted it: refused where the NACL let it in, it came directly.
      if (flow.action === 'REJECT' && direction === 'ingress' && naclPasses) {
        r = 'deny';
        bypassed = judged.loadBalancer;
      } else through = judged.loadBalancer;
    }
    if (r === 'deny' && !returnUndecided) sg = { control: 'security-group', direction, groupIds: groups };
    if (r === 'uncertain' || (r === 'deny' && returnUndecided)) uncertain = true;
  } else if (
    untracked &&
    referenceEvaluateSecurityGroups(s, groups, direction, flow.protocol, flow.dstport, peer, vpcId, null, subnetId) !== 'allow'
  )
    uncertain = true;
  const ordered: (BlockingControl | null)[] = direction === 'ingress' ? [nacl, sg] : [sg, nacl, naclOwn];
  const blockedBy = ordered.filter((c): c is BlockingControl => c !== null);
  if (blockedBy.length)
    return { ...base, verdict: 'blocked', blockedBy, reason: 'blocked', ...(sg && bypassed ? { bypassedLoadBalancer: bypassed } : {}) };
  if (uncertain)
    return { ...base, verdict: 'unknown', blockedBy: [], reason: 'undecidable', ...(through ? { throughLoadBalancer: through } : {}) };
  return { ...base, verdict: 'allowed', blockedBy: [] };
}
