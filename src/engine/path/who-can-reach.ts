import { type NetworkAclBlockSegment, networkAclBlockSegments } from '../evaluate/network-acl-evaluator';
import { loadBalancersCarrying, staleReferenceMatches, staleRuleOf } from '../evaluate/security-group-evaluator';
import { referenceThroughTransitGateway } from '../evaluate/transit-gateway-reference';
import { transitGatewayDelivery, transitGatewayInSubnet } from '../evaluate/transit-gateway-subnet';
import { type Cidr, cidrCovers, type IpAddress, parseCidr, parseIp } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { icmpTypeCodeCovers } from '../network/icmp-type';
import { isIcmp, PROTOCOL_ICMP, PROTOCOL_ICMPV6, PROTOCOL_TCP, PROTOCOL_UDP, rulesHavePorts } from '../network/protocol';
import { candidateRules } from '../network/security-group-rules';
import type { IpPermission, NetworkInterface } from '../network/snapshot';
import { transitGatewayRequestHops } from './analyze-path';
import { chooseAddresses, hasFamily, type PathEndpoint, resolveEndpoint } from './path-endpoint';
import type { PathHop } from './path-result';
import { PathQueryError } from './path-query.error';
import { lookupRoute } from './route-lookup';

/** What the destination subnet's NACL does to a source block. */
export interface SourceNaclVerdict {
  /** `allow` / `deny`: the whole block; `partial`: some of it (see `segments`); `skipped`: inside the destination's subnet. */
  verdict: 'allow' | 'deny' | 'partial' | 'skipped' | 'unknown';
  networkAclId: string | null;
  /** Deciding entries in evaluation order (an address takes the first that contains it). */
  segments: NetworkAclBlockSegment[];
  reason?: string;
}

/** An address block a source set stands for, with the NACL's verdict on it. */
export interface SourceBlock {
  cidr: string;
  /** The interface whose private address the block is (group members). */
  interfaceId?: string;
  nacl: SourceNaclVerdict;
}

/** One kind of source a security-group rule of the destination admits. */
export interface ReachingSource {
  kind: 'cidr' | 'prefix-list' | 'security-group';
  /** The CIDR, `pl-…` or `sg-…` as the rule names it. */
  peer: string;
  /** The destination's group and rule that admit it. */
  groupId: string;
  ruleId: string | null;
  permission: IpPermission;
  /** The addresses it stands for (the CIDR; the prefix list's entries; the private addresses of the group's interfaces in reach). */
  blocks: SourceBlock[];
  /** `allowed`: every block passes the NACL; `partly`: some; `refused`: none; `unknown`: the snapshot cannot tell. */
  verdict: 'allowed' | 'partly' | 'refused' | 'unknown';
  reason?: string;
  /**
   * Of a referenced group that Network Load Balancers carry (TCP and UDP): the load balancers
   * (`elb:net/NAME`) and their interfaces. What they forward keeps the client's address with client
   * IP preservation, so the source stands for their clients too, by the clients' own addresses:
   * whoever the load balancers' groups admit on their listeners and the destination subnet's NACL
   * lets in — which the snapshot does not show (listeners are no EC2 data), so the verdict is `unknown`.
   */
  throughLoadBalancers?: { loadBalancer: string; interfaceIds: string[] }[];
}

export interface WhoCanReachResult {
  destination: { input: string; interfaceId: string; subnetId: string | null; networkAclId: string | null };
  protocol: number;
  port: number | null;
  sources: ReachingSource[];
}

export interface WhoCanReachQuery {
  to: string;
  protocol: number;
  port: number | null;
}

function naclVerdict(
  model: NetworkModel,
  subnetId: string | null,
  networkAclId: string | null,
  protocol: number,
  port: number | null,
  block: Cidr,
  icmpType: number | null,
): SourceNaclVerdict {
  if (!subnetId) return { verdict: 'unknown', networkAclId: null, segments: [], reason: 'the destination has no subnet in the snapshot' };
  if (model.subnetCidrBlocks(subnetId).some((subnet) => cidrCovers(subnet, block))) {
    return { verdict: 'skipped', networkAclId, segments: [], reason: `inside ${subnetId}: the NACL does not see it` };
  }
  const gateway = gatewayDelivery(model, subnetId, block);
  if (gateway !== null && gateway !== 'mixed' && gateway.delivery === 'own-subnet')
    return {
      verdict: 'skipped',
      networkAclId,
      segments: [],
      reason: `transit gateway ${gateway.gatewayId} delivers it through its attachment in ${subnetId}: the NACL does not see what the gateway delivers there`,
    };
  if (!networkAclId)
    return { verdict: 'unknown', networkAclId: null, segments: [], reason: `the snapshot has no network ACL for ${subnetId}` };
  const segments = networkAclBlockSegments(model, networkAclId, 'ingress', protocol, port, block, icmpType);
  if (!segments) return { verdict: 'unknown', networkAclId, segments: [], reason: `network ACL ${networkAclId} is not in the snapshot` };
  // A deny holds only for what comes in through another subnet's attachment interface, or by no transit gateway.
  if (gateway !== null && (gateway === 'mixed' || gateway.delivery === 'either') && segments.some((s) => s.action === 'deny'))
    return {
      verdict: 'unknown',
      networkAclId,
      segments,
      reason:
        gateway === 'mixed'
          ? `${subnetId} holds a transit gateway attachment and its route table sends only part of ${block.text} to a gateway: ` +
            `what a gateway delivers through its attachment in ${subnetId} meets no rule of the NACL`
          : `the NACL refuses it only if transit gateway ${gateway.gatewayId} delivers it through another subnet's attachment interface: ` +
            `through its attachment in ${subnetId} no rule sees it, and the snapshot does not tell which (the Availability Zone it comes from)`,
    };
  if (segments.some((s) => s.uncertain))
    return {
      verdict: 'unknown',
      networkAclId,
      segments,
      reason:
        icmpType === null ? `${networkAclId} names specific ICMP types` : `${networkAclId} names ICMP type ${icmpType} with one code only`,
    };
  const actions = new Set(segments.map((s) => s.action));
  return { verdict: actions.size > 1 ? 'partial' : segments[0].action, networkAclId, segments };
}

/**
 * Whether a transit gateway attached in the destination's own subnet brings `block` in (the
 * subnet's route table sends it to that gateway; see `transitGatewayInSubnet`), and through which
 * subnet's attachment interface (`transitGatewayDelivery`): null when none does; `mixed` when the
 * table sends only part of the block there, or may (a route to a prefix list), and the subnet holds
 * an attachment.
 */
function gatewayDelivery(
  model: NetworkModel,
  subnetId: string,
  block: Cidr,
): { gatewayId: string; delivery: 'own-subnet' | 'other-subnet' | 'either' } | 'mixed' | null {
  if (model.transitGatewaysAttachedIn(subnetId).length === 0) return null;
  const first = parseIp(block.text.split('/')[0]);
  const tableId = model.routeTableIdForSubnet(subnetId);
  if (!first || tableId === undefined) return null;
  const host = block.prefix === (block.family === 4 ? 32 : 128);
  if (!host) {
    const match = lookupRoute(model, tableId, first);
    const split =
      (match !== null && match.prefix > block.prefix) ||
      (model.routeTable(tableId)?.Routes ?? []).some((route) => {
        if (route.DestinationPrefixListId) return true;
        const cidr = parseCidr(route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? '');
        return cidr !== null && cidr.prefix > block.prefix && cidrCovers(block, cidr);
      });
    if (split) return 'mixed';
  }
  const gatewayId = transitGatewayInSubnet(model, subnetId, first);
  if (gatewayId === null) return null;
  return { gatewayId, delivery: transitGatewayDelivery(model, gatewayId, subnetId, first, host) };
}

/**
 * What the path does to a group member whose group reference `reference` decides (true: it
 * matches; a string: why it is not known — a transit gateway's settings, a stale reference): the
 * NACL hops a transit gateway carrying it puts on the way (`gatewayHops`, in path order; none for a
 * member in reach without one), then the destination subnet's NACL (`atDestination`). The first
 * deny refuses it; else a hop not decided, or the reference, leaves it unknown; else the
 * destination subnet's verdict stands.
 */
function memberVerdict(block: Cidr, gatewayHops: PathHop[], atDestination: SourceNaclVerdict, reference: true | string): SourceNaclVerdict {
  const asVerdict = (hop: PathHop, verdict: 'deny' | 'unknown'): SourceNaclVerdict => ({
    verdict,
    networkAclId: hop.networkAclId ?? null,
    segments:
      hop.rule && 'ruleNumber' in hop.rule
        ? [{ cidr: block.text, ruleNumber: hop.rule.ruleNumber, action: hop.rule.action, uncertain: verdict === 'unknown' }]
        : [],
    reason: hop.reason ? `${hop.checked}: ${hop.reason}` : hop.checked,
  });
  const denying = gatewayHops.find((h) => h.verdict === 'deny');
  if (denying) return asVerdict(denying, 'deny');
  if (atDestination.verdict === 'deny') return atDestination;
  const unsure = gatewayHops.find((h) => h.verdict === 'unknown');
  if (unsure) return asVerdict(unsure, 'unknown');
  if (atDestination.verdict === 'unknown' || reference === true) return atDestination;
  return { ...atDestination, verdict: 'unknown', reason: reference };
}

/**
 * The address families a packet to the destination can have: the given address's; IPv4 for ICMP
 * and IPv6 for ICMPv6; else each family the interface has an address of.
 */
function destinationFamilies(endpoint: PathEndpoint, eni: NetworkInterface, protocol: number): ReadonlySet<4 | 6> {
  if (endpoint.address) return new Set([endpoint.address.family]);
  if (protocol === PROTOCOL_ICMP) return new Set([4]);
  if (protocol === PROTOCOL_ICMPV6) return new Set([6]);
  const families = ([4, 6] as const).filter((family) => hasFamily(eni, family));
  return new Set(families.length ? families : [4, 6]);
}

function overall(blocks: SourceBlock[]): ReachingSource['verdict'] {
  if (blocks.length === 0 || blocks.some((b) => b.nacl.verdict === 'unknown')) return 'unknown';
  const passes = blocks.map((b) => b.nacl.verdict === 'allow' || b.nacl.verdict === 'skipped');
  if (passes.every(Boolean)) return 'allowed';
  if (blocks.every((b) => b.nacl.verdict === 'deny')) return 'refused';
  return 'partly';
}

/**
 * The audit question "who can reach this destination on this port?": every source the
 * destination's security groups admit on `protocol`/`port` (CIDR blocks, prefix lists with their
 * entries, referenced groups with the private addresses of the interfaces carrying them in the
 * destination's VPC or a VPC peered with it), each with what the destination subnet's NACL does to
 * it inbound — all of it, part of it (which part, by which entry) or none. Interfaces carrying a
 * referenced group in a VPC the destination's subnet reaches through a transit gateway are listed
 * when `referenceThroughTransitGateway` says the reference matches, and left `unknown` with its
 * reason when it cannot tell; before the destination subnet's NACL they meet the NACLs the gateway
 * puts on the way (`transitGatewayRequestHops`, as `analyzePath` does). Only sources of the
 * destination's address family are listed (see destinationFamilies): a destination given by its
 * IPv6 address is reached from IPv6 addresses only. Sources inside the destination's subnet skip
 * the NACL. A stale group reference (see `StaleReferences`) admits no one: its source is refused,
 * with the stale rule named, unless the snapshot shows a member reached another way where the
 * reference would match — then that member is unknown (`staleReferenceMatches`, as the flow
 * evaluator decides it). The reply's NACLs are not part of this answer (`analyzePath` checks them for a given
 * source). A destination whose groups the snapshot does not list (no `Groups` member) is refused
 * with a PathQueryError: what they admit is unknown.
 */
export function whoCanReach(model: NetworkModel, query: WhoCanReachQuery): WhoCanReachResult {
  const endpoint = resolveEndpoint(model, query.to);
  if (!endpoint.eni) throw new PathQueryError('to', endpoint.missing ?? `${query.to} is no interface in the snapshot`);
  const eni = endpoint.eni;
  const interfaceId = eni.NetworkInterfaceId;
  // An empty list would read as "nobody": refuse instead, as for a destination the snapshot lacks.
  if (model.securityGroupsUnlisted(interfaceId))
    throw new PathQueryError(
      'to',
      `the snapshot lists no Groups for ${interfaceId}, so which sources its security groups admit is unknown`,
    );
  const subnetId = eni.SubnetId ?? null;
  const networkAclId = subnetId ? (model.networkAclIdForSubnet(subnetId) ?? null) : null;
  const vpcId = model.interfaceVpcId(interfaceId);
  const port = rulesHavePorts(query.protocol) ? query.port : null;
  // For ICMP, `port` is the type asked about (null: any).
  const icmpType = isIcmp(query.protocol) ? query.port : null;
  const verdictFor = (block: Cidr): SourceNaclVerdict => naclVerdict(model, subnetId, networkAclId, query.protocol, port, block, icmpType);
  const families = destinationFamilies(endpoint, eni, query.protocol);
  // The NACL hops a transit gateway puts between a group member beyond it and the destination's address of its family.
  const gatewayHopsFrom = (member: NetworkInterface, address: IpAddress): PathHop[] => {
    const to: PathEndpoint = { ...endpoint, address: endpoint.address };
    chooseAddresses(model, { input: member.NetworkInterfaceId, eni: member, missing: null, address }, to, query.protocol);
    if (!to.address) return [];
    return transitGatewayRequestHops(model, { eni: member, address }, { eni, address: to.address }, query.protocol, port, icmpType);
  };
  const familyNames = [...families].map((f) => `IPv${f}`).join(' or ');
  const sources: ReachingSource[] = [];
  for (const groupId of model.securityGroupsOf(interfaceId)) {
    const set = model.groupRules(groupId, 'ingress');
    if (!set) continue;
    candidateRules(set, query.protocol, port, (rule) => {
      if (rulesHavePorts(rule.protocol) && port !== null && (port < rule.fromPort || port > rule.toPort)) return false;
      const base = { groupId, ruleId: rule.ruleId, permission: rule.permission };
      let uncertain: string | undefined;
      if (rule.icmpTypeSpecific && isIcmp(query.protocol)) {
        // An ICMP permission's FromPort is the type, its ToPort the code.
        const covers =
          icmpType === null ? 'type' : icmpTypeCodeCovers(query.protocol, rule.permission.FromPort, rule.permission.ToPort, icmpType);
        if (covers === false) return false;
        if (covers === 'type') uncertain = 'the rule allows only some ICMP types';
        else if (covers === 'code') uncertain = `the rule allows ICMP type ${icmpType} only with code ${rule.permission.ToPort}`;
      }
      let source: ReachingSource;
      if (rule.peer.kind === 'cidr') {
        if (!families.has(rule.peer.cidr.family)) return false;
        const blocks = [{ cidr: rule.peer.cidr.text, nacl: verdictFor(rule.peer.cidr) }];
        source = { kind: 'cidr', peer: rule.peer.text, ...base, blocks, verdict: overall(blocks) };
      } else if (rule.peer.kind === 'prefix-list') {
        const entries = model.prefixListCidrs(rule.peer.prefixListId);
        const cidrs = entries?.filter((cidr) => families.has(cidr.family));
        if (entries && entries.length > 0 && cidrs?.length === 0) return false;
        const blocks = (cidrs ?? []).map((cidr) => ({ cidr: cidr.text, nacl: verdictFor(cidr) }));
        source = {
          kind: 'prefix-list',
          peer: rule.peer.prefixListId,
          ...base,
          blocks,
          verdict: cidrs ? overall(blocks) : 'unknown',
          ...(cidrs ? {} : { reason: `prefix list ${rule.peer.prefixListId} has no entries in the snapshot` }),
        };
      } else {
        const { groupId: referenced, stale } = rule.peer;
        const reach = vpcId ? model.reachableVpcs(vpcId) : null;
        const blocks: SourceBlock[] = [];
        let otherFamily = false;
        let undecided: string | undefined;
        // A reference EC2 lists as stale matches no one: no member to list.
        for (const memberId of stale?.reportedByEc2 ? [] : model.interfacesWithGroup(referenced)) {
          const member = model.interface(memberId);
          const memberVpc = model.interfaceVpcId(memberId);
          if (!member || (reach && !memberVpc)) continue;
          // Outside the VPC and its peerings, only a transit gateway that resolves the reference brings it in.
          const beyond = vpcId !== null && reach !== null && memberVpc !== null && !reach.has(memberVpc);
          const addresses = [
            member.PrivateIpAddress,
            ...(member.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress),
            ...(member.Ipv6Addresses ?? []).map((a) => a.Ipv6Address),
          ];
          for (const text of new Set(addresses.filter((a): a is string => Boolean(a)))) {
            const cidr = parseCidr(`${text}/${text.includes(':') ? 128 : 32}`);
            const address = parseIp(text);
            if (!cidr || !address) continue;
            const through = beyond && vpcId ? referenceThroughTransitGateway(model, referenced, address, vpcId, subnetId) : true;
            // A stale reference decides as the flow evaluator does (see `staleReferenceMatches`).
            const reference = stale && through !== null ? staleReferenceMatches(referenced, stale, address, through) : through;
            if (reference === false || reference === null) continue;
            if (!families.has(cidr.family)) {
              otherFamily = true;
              continue;
            }
            const nacl =
              beyond || reference !== true
                ? memberVerdict(cidr, beyond ? gatewayHopsFrom(member, address) : [], verdictFor(cidr), reference)
                : verdictFor(cidr);
            if (typeof reference === 'string' && nacl.verdict === 'unknown' && nacl.reason === reference) undecided ??= reference;
            blocks.push({ cidr: cidr.text, interfaceId: memberId, nacl });
          }
        }
        const known = model.hasSecurityGroup(referenced);
        source = {
          kind: 'security-group',
          peer: referenced,
          ...base,
          blocks,
          // A stale reference matches no one, whether the snapshot holds its group or not.
          verdict: blocks.length ? overall(blocks) : known || stale ? 'refused' : 'unknown',
          ...(blocks.length
            ? undecided && overall(blocks) === 'unknown'
              ? { reason: undecided }
              : {}
            : {
                reason: stale
                  ? `${staleRuleOf(rule)!.reason}: a stale rule allows nothing`
                  : !known
                    ? `${referenced} is not in the snapshot (another account?)`
                    : otherFamily
                      ? `no interface in reach that carries ${referenced} has an ${familyNames} address`
                      : `no interface in reach carries ${referenced}`,
              }),
        };
      }
      // A load balancer's group stands for its clients too (client IP preservation), by their own addresses.
      if (rule.peer.kind === 'group' && !rule.peer.stale && (query.protocol === PROTOCOL_TCP || query.protocol === PROTOCOL_UDP)) {
        const balancers = loadBalancersCarrying(model, rule.peer.groupId, vpcId);
        if (balancers.length > 0) {
          source.throughLoadBalancers = balancers;
          source.verdict = 'unknown';
          source.reason =
            `${rule.peer.groupId} is carried by network load balancer ${balancers.map((b) => b.loadBalancer).join(', ')}, which forwards ` +
            `its clients' packets with their own addresses (client IP preservation): whoever its groups admit on its listeners and ` +
            `${networkAclId ?? "the subnet's network ACL"} lets in by those addresses reaches it too, which the snapshot does not show`;
        }
      }
      // A source nobody of gets through (no member in reach, a stale reference, every block
      // refused by the NACL) stays refused, whatever ICMP type the rule names.
      if (uncertain && source.verdict !== 'refused') {
        source.verdict = 'unknown';
        source.reason = uncertain;
      }
      sources.push(source);
      return false;
    });
  }
  return { destination: { input: query.to, interfaceId, subnetId, networkAclId }, protocol: query.protocol, port: query.port, sources };
}
