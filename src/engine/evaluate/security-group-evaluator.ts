import type { Direction } from '../flow-log/flow-record';
import { type IpAddress, cidrContains } from '../ip/ip-address';
import { icmpTypeCodeCovers } from '../network/icmp-type';
import { describeInterfaceOwner, isNetworkLoadBalancerInterface } from '../network/interface-owner';
import type { NetworkModel } from '../network/network-model';
import { PROTOCOL_ALL, PROTOCOL_TCP, PROTOCOL_UDP, describeTraffic, isIcmp, protocolName, rulesHavePorts } from '../network/protocol';
import { type CompiledSecurityGroupRule, type RulePeer, candidateRules } from '../network/security-group-rules';
import type { IpPermission, NetworkInterface } from '../network/snapshot';
import type { StaleReference } from '../network/stale-references';
import { referenceThroughTransitGateway } from './transit-gateway-reference';

/** The rule that allowed a flow. */
export interface MatchedSecurityGroupRule {
  groupId: string;
  direction: Direction;
  /** `SecurityGroupRuleId` when known. */
  ruleId: string | null;
  /** The rule as an EC2 `IpPermission` with only the matching peer. */
  permission: IpPermission;
}

/** A rule for the traffic whose group reference is stale (see `StaleReference`): it would be the one to let the peer through. */
export interface StaleSecurityGroupRule extends MatchedSecurityGroupRule {
  /** The rule and its cause: `rule tcp/5432 of sg-… references sg-… across peering connection pcx-…, which is deleted`. */
  reason: string;
}

/**
 * What the groups do to the traffic. When they refuse it, `staleRules` lists the rules for its
 * protocol and port that reference a group stale for a private peer: the reason, most likely.
 * `throughLoadBalancer`, of an uncertain answer: nothing else left it open but a rule admitting a
 * Network Load Balancer's group, which admits what that load balancer forwards from the peer (see
 * `loadBalancerPath`): the load balancer, by its owner name (`elb:net/NAME`). `bypassedLoadBalancer`,
 * of a refusal: the same, where the packets are known to have come directly (see `explainFlow`).
 */
export type SecurityGroupResult =
  | { allowed: true; matchedRule: MatchedSecurityGroupRule }
  | { allowed: false; staleRules?: StaleSecurityGroupRule[]; bypassedLoadBalancer?: string }
  | { allowed: 'uncertain'; reason: string; throughLoadBalancer?: string };

/** Where the evaluation happens: the VPC and subnet of the interface whose groups are evaluated. */
export interface SecurityGroupContext {
  /** Group references match peers in this VPC and in VPCs actively peered with it; null: any VPC. */
  vpcId: string | null;
  /**
   * The interface's subnet, whose route table tells whether a peer is reached through a transit
   * gateway (see `referenceThroughTransitGateway`); absent or null: any route table of the VPC.
   */
  subnetId?: string | null;
}

type Match = true | false | string;

/** Why an interface's security groups are unknown: its snapshot entry has no `Groups` member (see `NetworkModel.securityGroupsUnlisted`). */
export function unlistedGroupsReason(eniId: string): string {
  return `the snapshot lists no Groups for ${eniId}, so its security groups are unknown`;
}

/**
 * Does any rule of any of `groupIds` allow `protocol`/`port` with `peerAddress` in `direction`?
 * `port` is the service port of the connection (the destination port of the packet that opens it).
 * `icmpType` is the ICMP/ICMPv6 type when the question names one (a path question); flow-log
 * records carry none (null). A rule that cannot decide (ICMP type-specific without a type, or
 * naming one code of the type; a prefix list without entries, a group reference whose members the
 * snapshot cannot show) makes the answer `uncertain` unless another rule allows.
 */
export function evaluateSecurityGroups(
  model: NetworkModel,
  groupIds: readonly string[],
  direction: Direction,
  protocol: number,
  port: number | null,
  peerAddress: string | IpAddress,
  ctx: SecurityGroupContext = { vpcId: null },
  icmpType: number | null = null,
): SecurityGroupResult {
  const peer = typeof peerAddress === 'string' ? model.address(peerAddress) : peerAddress;
  if (!peer) return { allowed: 'uncertain', reason: `${String(peerAddress)} is not an IP address` };
  let uncertain: string | null = null;
  let through = null as { reason: string; loadBalancer: string } | null;
  const stale: StaleSecurityGroupRule[] = [];
  for (const groupId of groupIds) {
    const set = model.groupRules(groupId, direction);
    if (!set) {
      uncertain ??= `security group ${groupId} is not in the snapshot`;
      continue;
    }
    let matched: CompiledSecurityGroupRule | null = null;
    candidateRules(set, protocol, port, (rule) => {
      const match = ruleMatches(model, rule, direction, protocol, port, peer, ctx, icmpType);
      if (match === true) matched = rule;
      else if (typeof match === 'string') uncertain ??= match;
      else if (rule.peer.kind === 'group' && rule.peer.stale && !model.isInternetPeer(peer) && portMatches(rule, protocol, port, icmpType))
        stale.push(staleRuleOf(rule)!);
      else {
        const path = loadBalancerPath(model, rule, direction, protocol, port, peer, ctx, icmpType);
        // The first load balancer by name, whatever order the rules are read in.
        if (path !== null && (through === null || path.loadBalancer < through.loadBalancer)) through = path;
      }
      return match === true;
    });
    if (matched !== null) return { allowed: true, matchedRule: matchedRule(matched) };
  }
  if (uncertain !== null) return { allowed: 'uncertain', reason: uncertain };
  if (through !== null) return { allowed: 'uncertain', reason: through.reason, throughLoadBalancer: through.loadBalancer };
  return stale.length > 0 ? { allowed: false, staleRules: stale } : { allowed: false };
}

/**
 * Whether an inbound rule that does not match `peer` may still admit its packets: the rule
 * references a group that a Network Load Balancer's interface carries, in the evaluating VPC or a
 * same-Region peered one. Such a rule admits what the load balancer forwards, and with client IP
 * preservation (the default for instance targets, and for UDP) the forwarded packets keep the
 * client's address as their source: at the target they look like the client's own, and a flow
 * log does not tell them apart from packets the client sent the target directly — which the rule
 * does not admit (Elastic Load Balancing, Network Load Balancers: "Security groups", "Client IP
 * preservation"; preservation needs the target in the load balancer's VPC or a same-Region peered
 * one). A Network Load Balancer forwards TCP and UDP only. Null when the rule is no such path; else
 * why the answer is open, and the load balancer (`elb:net/NAME`, the first by name).
 */
export function loadBalancerPath(
  model: NetworkModel,
  rule: CompiledSecurityGroupRule,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: IpAddress,
  ctx: SecurityGroupContext,
  icmpType: number | null,
): { reason: string; loadBalancer: string } | null {
  if (direction !== 'ingress' || (protocol !== PROTOCOL_TCP && protocol !== PROTOCOL_UDP)) return null;
  if (rule.peer.kind !== 'group' || rule.peer.stale || portMatches(rule, protocol, port, icmpType) !== true) return null;
  const [first] = loadBalancersCarrying(model, rule.peer.groupId, ctx.vpcId);
  if (first === undefined) return null;
  const { loadBalancer } = first;
  return {
    loadBalancer,
    reason:
      `${peer.key} may have come through network load balancer ${loadBalancer}: rule ${ruleLabel(rule)} admits its group ` +
      `${rule.peer.groupId}, and with client IP preservation it forwards packets with the client's address as their source, ` +
      `which a flow log does not tell from packets sent to the target directly (those the rule does not admit)`,
  };
}

/**
 * The Network Load Balancers whose interfaces carry `groupId` in `vpcId` or a VPC actively peered
 * with it in the same Region (any VPC when null): each by its owner name (`elb:net/NAME`, else the
 * interface id) with those interfaces, sorted by name. What they forward keeps the client's address
 * with client IP preservation, so a rule referencing the group admits their clients too.
 */
export function loadBalancersCarrying(
  model: NetworkModel,
  groupId: string,
  vpcId: string | null,
): { loadBalancer: string; interfaceIds: string[] }[] {
  const carriers = networkLoadBalancersWith(model, groupId);
  if (carriers.length === 0) return [];
  const vpcs = vpcId === null ? null : model.reachableVpcs(vpcId);
  const byName = new Map<string, string[]>();
  for (const eni of carriers) {
    if (vpcs !== null && !vpcs.has(model.interfaceVpcId(eni.NetworkInterfaceId) ?? '')) continue;
    const name = describeInterfaceOwner(eni) ?? eni.NetworkInterfaceId;
    const ids = byName.get(name);
    if (ids) ids.push(eni.NetworkInterfaceId);
    else byName.set(name, [eni.NetworkInterfaceId]);
  }
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([loadBalancer, interfaceIds]) => ({ loadBalancer, interfaceIds }));
}

/** By the snapshot's list of interfaces (a fix's what-if copy shares it): the Network Load Balancers' interfaces by the groups they carry. */
const LOAD_BALANCERS_BY_GROUP = new WeakMap<readonly NetworkInterface[], ReadonlyMap<string, readonly NetworkInterface[]>>();
const NO_INTERFACES: readonly NetworkInterface[] = [];

/** The Network Load Balancer interfaces that carry the group, in the snapshot's order (indexed once per list of interfaces). */
function networkLoadBalancersWith(model: NetworkModel, groupId: string): readonly NetworkInterface[] {
  const list = model.snapshot.NetworkInterfaces ?? NO_INTERFACES;
  let byGroup = LOAD_BALANCERS_BY_GROUP.get(list);
  if (!byGroup) {
    const index = new Map<string, NetworkInterface[]>();
    for (const eni of model.interfaces()) {
      if (!isNetworkLoadBalancerInterface(eni)) continue;
      for (const id of model.securityGroupsOf(eni.NetworkInterfaceId)) {
        const carriers = index.get(id);
        if (carriers) carriers.push(eni);
        else index.set(id, [eni]);
      }
    }
    LOAD_BALANCERS_BY_GROUP.set(list, (byGroup = index));
  }
  return byGroup.get(groupId) ?? NO_INTERFACES;
}

function matchedRule(rule: CompiledSecurityGroupRule): MatchedSecurityGroupRule {
  return { groupId: rule.groupId, direction: rule.direction, ruleId: rule.ruleId, permission: rule.permission };
}

/** The rule as a stale one (`StaleSecurityGroupSet`, an ended peering), or null when its reference is not stale. */
export function staleRuleOf(rule: CompiledSecurityGroupRule): StaleSecurityGroupRule | null {
  if (rule.peer.kind !== 'group' || !rule.peer.stale) return null;
  return { ...matchedRule(rule), reason: `rule ${ruleLabel(rule)} ${rule.peer.stale.reason}` };
}

/** `sgr-… of sg-…`, or `tcp/5432 of sg-…` (`all traffic`, `tcp/5000-5010`) for a rule without an id. */
function ruleLabel(rule: CompiledSecurityGroupRule): string {
  if (rule.ruleId) return `${rule.ruleId} of ${rule.groupId}`;
  const name = protocolName(rule.protocol);
  let traffic = rule.protocol === PROTOCOL_ALL ? 'all traffic' : name;
  if (rulesHavePorts(rule.protocol) && !(rule.fromPort === 0 && rule.toPort === 65535))
    traffic = rule.fromPort === rule.toPort ? `${name}/${rule.fromPort}` : `${name}/${rule.fromPort}-${rule.toPort}`;
  return `${traffic} of ${rule.groupId}`;
}

/**
 * The end of a refusal's reason naming the stale rules that would have let the peer through
 * (`SecurityGroupResult.staleRules`): empty when none.
 */
export function staleRulesNote(result: SecurityGroupResult | null): string {
  if (result?.allowed !== false || !result.staleRules?.length) return '';
  const rules = result.staleRules.map((rule) => rule.reason).join('; ');
  return ` (${rules}: a stale rule allows nothing)`;
}

/**
 * The end of a refusal's reason when the groups admit the peer only through a Network Load
 * Balancer and the packets came directly (`bypassedLoadBalancer`): empty otherwise.
 */
export function bypassedLoadBalancerNote(result: SecurityGroupResult | null, groupIds: readonly string[]): string {
  if (result?.allowed !== false || !result.bypassedLoadBalancer) return '';
  return (
    ` (${groupIds.join(', ')} admit${groupIds.length === 1 ? 's' : ''} it only as forwarded by network load balancer ` +
    `${result.bypassedLoadBalancer}, by a rule referencing its group; nothing else refused these packets, so they came ` +
    `directly, not through the load balancer)`
  );
}

function ruleMatches(
  model: NetworkModel,
  rule: CompiledSecurityGroupRule,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: IpAddress,
  ctx: SecurityGroupContext,
  icmpType: number | null,
): Match {
  const portMatch = portMatches(rule, protocol, port, icmpType);
  if (portMatch === false) return false;
  const peerMatch = peerMatches(model, rule.peer, peer, ctx, direction);
  if (peerMatch !== true) return peerMatch;
  return portMatch;
}

function portMatches(rule: CompiledSecurityGroupRule, protocol: number, port: number | null, icmpType: number | null): Match {
  if (rule.icmpTypeSpecific && isIcmp(protocol)) {
    const name = describeTraffic(protocol, null);
    if (icmpType === null) return `a rule of ${rule.groupId} allows only some ${name} types and flow logs do not record the type`;
    // An ICMP permission's FromPort is the type, its ToPort the code.
    const { FromPort, ToPort } = rule.permission;
    const covers = icmpTypeCodeCovers(protocol, FromPort, ToPort, icmpType);
    if (covers !== 'code') return covers;
    return `a rule of ${rule.groupId} allows ${name} type ${icmpType} only with code ${ToPort}, and the question names no code`;
  }
  if (!rulesHavePorts(rule.protocol)) return true;
  if (port === null) {
    return rule.fromPort === 0 && rule.toPort === 65535 ? true : `the flow has no port to compare with ${rule.groupId}'s port range`;
  }
  return port >= rule.fromPort && port <= rule.toPort;
}

/** Does a rule's peer cover the address? A string is the reason it cannot be decided. */
export function peerMatches(
  model: NetworkModel,
  rulePeer: RulePeer,
  peer: IpAddress,
  ctx: SecurityGroupContext,
  direction: Direction,
): Match {
  switch (rulePeer.kind) {
    case 'cidr':
      return cidrContains(rulePeer.cidr, peer);
    case 'prefix-list': {
      const cidrs = model.prefixListCidrs(rulePeer.prefixListId);
      if (!cidrs) return `prefix list ${rulePeer.prefixListId} has no entries in the snapshot`;
      return cidrs.some((cidr) => cidrContains(cidr, peer));
    }
    case 'group': {
      const stale = rulePeer.stale;
      if (stale?.reportedByEc2) return false;
      const match = groupReferenceMatches(model, rulePeer.groupId, rulePeer.userId, peer, ctx, direction);
      return stale ? staleReferenceMatches(rulePeer.groupId, stale, peer, match) : match;
    }
  }
}

/**
 * What a stale reference to `groupId` does to `peer`, given what the reference would do were it
 * not stale (`match`, as `groupReferenceMatches` decides it). It matches nothing: EC2's own word
 * decides; an ended peering, unless the snapshot shows the peer reached another way where the
 * reference would match (a new peering, a transit gateway), which no AWS document says revives a
 * stale rule — then the answer is unknown, and why. Every reader of group references (the flow
 * evaluator, who-can-reach) decides staleness here.
 */
export function staleReferenceMatches(groupId: string, stale: StaleReference, peer: IpAddress, match: Match): Match {
  if (stale.reportedByEc2 || match !== true) return false;
  return (
    `a rule ${stale.reason}; ${peer.key} carries ${groupId} where a reference now reaches it, and whether ` +
    `EC2 resolves the stale rule's reference there is unknown`
  );
}

/**
 * A referenced group matches a peer whose PRIVATE address belongs to an interface carrying the
 * group, in the evaluating VPC or a VPC actively peered with it. Public and Elastic IPs never
 * match. An owner whose groups the snapshot does not list may carry it: undecided unless another
 * owner is known to. When the peer is a private address that no interface in the snapshot owns, the group
 * does not match — the snapshot holds every interface of each subnet it describes — except where
 * the snapshot cannot know, which is then the reason: the referenced group is not in the snapshot
 * (another account), the address lies in a reachable VPC but in no subnet of the snapshot (a
 * snapshot scoped to some subnets), in a subnet another account shares with this one (its
 * interfaces are not listed), or in a peered VPC the snapshot does not describe. An inbound rule's
 * reference to an interface in a VPC reached through a transit gateway is decided by the gateway's
 * and the attachments' settings (see `referenceThroughTransitGateway`).
 */
export function groupReferenceMatches(
  model: NetworkModel,
  groupId: string,
  userId: string | null,
  peer: IpAddress,
  ctx: SecurityGroupContext,
  direction: Direction,
): Match {
  const vpcs = ctx.vpcId === null ? null : model.reachableVpcs(ctx.vpcId);
  const owners = model.interfacesByPrivateAddress(peer, vpcs);
  if (owners.length > 0) {
    if (owners.some((eni) => model.securityGroupsOf(eni.NetworkInterfaceId).includes(groupId))) return true;
    const unlisted = owners.find((eni) => model.securityGroupsUnlisted(eni.NetworkInterfaceId));
    if (!unlisted) return false;
    return `the snapshot lists no Groups for ${unlisted.NetworkInterfaceId}, so whether ${peer.key} carries ${groupId} is unknown`;
  }
  if (model.isInternetPeer(peer)) return false;
  if (direction === 'ingress' && ctx.vpcId !== null) {
    const across = referenceThroughTransitGateway(model, groupId, peer, ctx.vpcId, ctx.subnetId ?? null);
    if (across !== null) return across;
  }
  if (!model.hasSecurityGroup(groupId)) {
    const account = userId ? ` of account ${userId}` : '';
    return `${peer.key} may carry ${groupId}${account}, which is not in the snapshot`;
  }
  if (vpcs === null) return `no interface in the snapshot has address ${peer.key}, so whether it carries ${groupId} is unknown`;
  for (const vpcId of [...vpcs].sort()) {
    const unknown = coverageGap(model, vpcId, peer);
    if (unknown) return `${unknown}, so whether ${peer.key} carries ${groupId} is unknown`;
  }
  return false;
}

/** Why the snapshot cannot list every interface that could hold `peer` in `vpcId`, or null when it can (or the VPC does not hold it). */
function coverageGap(model: NetworkModel, vpcId: string, peer: IpAddress): string | null {
  if (!model.vpcDescribed(vpcId)) {
    return model.peeringBlocksContain(vpcId, peer) ? `${peer.key} lies in ${vpcId}, a peered VPC the snapshot does not cover` : null;
  }
  if (!model.vpcContains(vpcId, peer)) return null;
  const subnet = model.subnetContaining(peer, vpcId);
  if (!subnet)
    return `${peer.key} lies in ${vpcId} but in no subnet of the snapshot (a snapshot scoped to some subnets lists only their interfaces)`;
  const owner = model.sharedSubnetOwner(subnet.SubnetId);
  if (owner) return `${subnet.SubnetId} is shared by account ${owner} and the snapshot cannot list other accounts' interfaces in it`;
  return null;
}

/**
 * Is `protocol`/`port` open in `direction` to any peer at all by these groups (whatever the
 * peer)? ICMP type-specific rules count as open; a stale group reference opens it to no one. Used to tell "the port is open to others" from
 * "nobody may reach this port".
 */
export function portOpenToAnyPeer(
  model: NetworkModel,
  groupIds: readonly string[],
  direction: Direction,
  protocol: number,
  port: number | null,
): boolean {
  for (const groupId of groupIds) {
    const set = model.groupRules(groupId, direction);
    if (!set) continue;
    const open = candidateRules(
      set,
      protocol,
      port,
      (rule) =>
        !(rule.peer.kind === 'group' && rule.peer.stale) &&
        (!rulesHavePorts(rule.protocol) || port === null || (port >= rule.fromPort && port <= rule.toPort)),
    );
    if (open) return true;
  }
  return false;
}

/** The ids of the groups an interface carries (empty when the interface is unknown). */
export function securityGroupsOf(model: NetworkModel, eniId: string): string[] {
  return [...model.securityGroupsOf(eniId)];
}
