import { evaluateNetworkAclRange } from '../evaluate/network-acl-evaluator';
import { groupsReferencedThroughTransitGateway } from '../evaluate/transit-gateway-reference';
import type { BlockingControl } from '../evaluate/verdict';
import { portOpenToAnyPeer } from '../evaluate/security-group-evaluator';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { sameControl } from '../findings/fingerprint.util';
import { findPeerInterface } from '../findings/peer-lookup';
import { clientPortRangeOf } from '../findings/service-port.util';
import { intersectRegions, regionOf } from '../network/network-acl-entries';
import type { NetworkModel } from '../network/network-model';
import { rulesHavePorts } from '../network/protocol';
import type { FixChange } from './fix';
import type { GroupPairParam, IpPermissionParam, NetworkAclEntryParams } from './fix-params';
import { addressFamily } from '../ip/cidr-cover';
import { usesFullEphemeralRange } from '../network/interface-owner';
import { EPHEMERAL_RANGES, ephemeralRangeFor } from './ephemeral-range.util';
import { type FamilyCounts, groupRoom, permissionRuleCounts, roomFor } from './group-rule-quota';
import { coverPeers, coverPeersForNacl, withLoadBalancerSiblings } from './peer-cover';
import { replyNetworkAclChanges } from './reply-path';
import { icmpTypeOfGroup } from './icmp-type.util';
import { ipProtocolName, isIcmp } from './protocol.util';
import { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { MAX_USER_RULE_NUMBER, freeRuleNumbersBefore } from './rule-number.util';

type SecurityGroupControl = Extract<BlockingControl, { control: 'security-group' }>;
type NetworkAclControl = Extract<BlockingControl, { control: 'network-acl' }>;

/** The flows of the group that this control denies. */
function flowsBlockedBy(group: FindingGroup, control: BlockingControl): ExplainedFlow[] {
  return group.flows.filter((item) => item.verdict.blockedBy.some((c) => sameControl(c, control)));
}

/**
 * Protocol and port fields of an IpPermission: the exact port; for ICMP the known type with every
 * code (FromPort is the type, ToPort the code), else every type; or no ports.
 */
function permissionPorts(
  protocol: number,
  port: number | null,
  icmpType: number | null,
): Pick<IpPermissionParam, 'IpProtocol' | 'FromPort' | 'ToPort'> {
  const IpProtocol = ipProtocolName(protocol);
  if (isIcmp(protocol)) return { IpProtocol, FromPort: icmpType ?? -1, ToPort: -1 };
  if (rulesHavePorts(protocol) && port !== null) return { IpProtocol, FromPort: port, ToPort: port };
  return { IpProtocol };
}

/** An interface's group as a candidate for a new rule: what decides whether it takes it, worked out once per fix. */
interface GroupCandidate {
  groupId: string;
  order: number;
  /** The rules it may still take, per address family (`groupRoom`). */
  room: FamilyCounts;
  /** 0 when it already opens this protocol/port to someone, else 1. */
  opensPort: number;
  /** Interfaces outside the finding that carry it. */
  elsewhere: number;
}

function groupCandidates(
  model: NetworkModel,
  control: SecurityGroupControl,
  group: FindingGroup,
  interfaces: Set<string>,
): GroupCandidate[] {
  return control.groupIds.map((groupId, order) => ({
    groupId,
    order,
    room: groupRoom(model, groupId, control.direction),
    opensPort: portOpenToAnyPeer(model, [groupId], control.direction, group.protocol, group.port) ? 0 : 1,
    elsewhere: model.interfacesWithGroup(groupId).filter((eni) => !interfaces.has(eni)).length,
  }));
}

/**
 * The group of the interface to add the rule to: one with room for the rules it adds (`added`, per
 * address family) under its account's rule quota (`groupRuleQuota`; past it the request is refused), then one that
 * already opens this protocol/port to someone (the rule belongs with its siblings), then the one
 * carried by the fewest interfaces outside the finding (smallest blast radius), then the lowest id
 * (findings list the ids sorted).
 */
function targetGroup(candidates: readonly GroupCandidate[], added: FamilyCounts): string {
  const full = (c: GroupCandidate) => (roomFor(c.room, added) ? 0 : 1);
  const ranked = [...candidates].sort(
    (a, b) => full(a) - full(b) || a.opensPort - b.opensPort || a.elsewhere - b.elsewhere || a.order - b.order,
  );
  return ranked[0].groupId;
}

/**
 * Peers that can be named by a security group reference: private addresses of known interfaces
 * carrying groups in the target group's VPC or a VPC peered with it, and — for an inbound rule
 * only — of interfaces in a VPC reached through a transit gateway, by the groups whose reference
 * the gateway resolves there (`groupsReferencedThroughTransitGateway`: referencing enabled on the
 * gateway and on both VPC attachments; never where that is disabled or the snapshot does not
 * tell). Such a group must match at every interface the peer's flows reach (their subnets may
 * route the peer through different gateways), else the peer is covered by address. Groups are
 * chosen greedily: the group carried by most of those peers first (ties: the group on fewest
 * interfaces, then id). Never a group EC2 lists a stale reference to from the target group
 * (`StaleSecurityGroupSet`): the new rule would be as stale as the old one.
 */
function referencedGroups(
  model: NetworkModel,
  targetGroupId: string,
  flows: ExplainedFlow[],
  direction: 'ingress' | 'egress',
): { pairs: GroupPairParam[]; covered: Set<string> } {
  const target = model.securityGroup(targetGroupId);
  const targetVpc = target?.VpcId ?? null;
  // Same or peered VPC: one lookup per peer. Through a transit gateway: the groups matching at every flow's interface.
  const nearby = new Map<string, string[]>();
  const across = new Map<string, string[]>();
  const asked = new Set<string>();
  for (const item of flows) {
    const address = peerAddressOf(item);
    if (nearby.has(address)) continue;
    const eni = findPeerInterface(model, item.flow.interfaceId, address);
    if (eni) {
      nearby.set(
        address,
        model.securityGroupsOf(eni.NetworkInterfaceId).filter((groupId) => {
          const vpc = model.securityGroup(groupId)?.VpcId ?? eni.VpcId ?? null;
          return vpc !== null && targetVpc !== null && model.reachableVpcs(targetVpc).has(vpc);
        }),
      );
      across.delete(address);
      continue;
    }
    const key = `${item.flow.interfaceId} ${address}`;
    if (direction !== 'ingress' || asked.has(key)) continue;
    asked.add(key);
    const matching = groupsAcrossTransitGateway(model, item.flow.interfaceId, address);
    const sofar = across.get(address);
    across.set(address, sofar ? sofar.filter((groupId) => matching.includes(groupId)) : matching);
  }
  // A group EC2 reports a stale reference to from the target group is one a new reference would not reach either.
  const usable = (groups: string[]) => groups.filter((groupId) => !model.staleReferenceReported(targetGroupId, direction, groupId));
  const groupsOfPeer = new Map(
    [...nearby, ...across].map(([address, groups]) => [address, usable(groups)] as const).filter(([, groups]) => groups.length > 0),
  );
  const uncovered = new Set(groupsOfPeer.keys());
  const chosen: string[] = [];
  while (uncovered.size) {
    const counts = new Map<string, number>();
    for (const address of uncovered)
      for (const groupId of groupsOfPeer.get(address) ?? []) counts.set(groupId, (counts.get(groupId) ?? 0) + 1);
    const best = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || model.interfacesWithGroup(a[0]).length - model.interfacesWithGroup(b[0]).length || (a[0] < b[0] ? -1 : 1),
    )[0][0];
    chosen.push(best);
    for (const address of [...uncovered]) if (groupsOfPeer.get(address)?.includes(best)) uncovered.delete(address);
  }
  const pairs = chosen.sort().map((groupId) => {
    const peerGroup = model.securityGroup(groupId);
    const pair: GroupPairParam = { GroupId: groupId };
    // A group in a peered VPC or across a transit gateway is referenced by id (and owner when another account owns it).
    if (peerGroup?.OwnerId && target?.OwnerId && peerGroup.OwnerId !== target.OwnerId) pair.UserId = peerGroup.OwnerId;
    return pair;
  });
  return { pairs, covered: new Set(groupsOfPeer.keys()) };
}

/** The groups whose reference in an inbound rule of the capturing interface matches `address` through a transit gateway. */
function groupsAcrossTransitGateway(model: NetworkModel, capturingEniId: string, address: string): string[] {
  const ip = model.address(address);
  const vpcId = model.interfaceVpcId(capturingEniId);
  if (!ip || !vpcId) return [];
  return groupsReferencedThroughTransitGateway(model, ip, vpcId, model.interface(capturingEniId)?.SubnetId ?? null);
}

/** The flows' peer addresses, with the other interfaces of any load balancer among them. */
function peersWithSiblings(model: NetworkModel, flows: ExplainedFlow[]): string[] {
  const out = new Set<string>();
  for (const item of flows)
    for (const address of withLoadBalancerSiblings(model, item.flow.interfaceId, [peerAddressOf(item)])) out.add(address);
  return [...out];
}

/** Characters EC2 refuses in an IpRange/Ipv6Range description, and in a UserIdGroupPair's (no `&` there). */
const NOT_IN_RANGE_DESCRIPTION = /[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g;
const NOT_IN_PAIR_DESCRIPTION = /[^a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]/g;

function description(direction: 'ingress' | 'egress', label: string, refused = NOT_IN_RANGE_DESCRIPTION): string {
  // EC2 descriptions allow a limited character set and 255 characters.
  const text = `sgdoctor: observed rejects ${direction === 'ingress' ? 'from' : 'to'} ${label}`;
  return text.replace(refused, '_').slice(0, 255);
}

/** How a fix names its peers. */
export interface PeerNaming {
  /**
   * Name peers that are interfaces with a group by a reference to it (the narrowest peer). False
   * covers every peer by address instead: a subnet's block holds many of its hosts in one source
   * where each host's own group would be one reference apiece.
   */
  referenceGroups: boolean;
}

const BY_GROUP: PeerNaming = { referenceGroups: true };

const NO_RULES: FamilyCounts = { 4: 0, 6: 0 };

/** The permission a rule of `groupId` needs for the flows: its protocol and port, the groups referenced, the CIDRs of the rest. */
function groupPermission(
  model: NetworkModel,
  group: FindingGroup,
  control: SecurityGroupControl,
  flows: ExplainedFlow[],
  groupId: string,
  naming: PeerNaming,
): IpPermissionParam {
  const { pairs, covered } = naming.referenceGroups
    ? referencedGroups(model, groupId, flows, control.direction)
    : { pairs: [], covered: new Set<string>() };
  const cidrs = coverPeers(
    model,
    peersWithSiblings(
      model,
      flows.filter((item) => !covered.has(peerAddressOf(item))),
    ),
  );
  const permission: IpPermissionParam = permissionPorts(group.protocol, group.port, icmpTypeOfGroup(group));
  if (pairs.length) {
    permission.UserIdGroupPairs = pairs.map((pair) => ({
      ...pair,
      // A group name may hold `&`, which a group pair's description may not.
      Description: description(control.direction, model.securityGroup(pair.GroupId)?.GroupName ?? pair.GroupId, NOT_IN_PAIR_DESCRIPTION),
    }));
  }
  const v4 = cidrs.filter((c) => addressFamily(c) === 4);
  const v6 = cidrs.filter((c) => addressFamily(c) === 6);
  if (v4.length) permission.IpRanges = v4.map((CidrIp) => ({ CidrIp, Description: description(control.direction, CidrIp) }));
  if (v6.length) permission.Ipv6Ranges = v6.map((CidrIpv6) => ({ CidrIpv6, Description: description(control.direction, CidrIpv6) }));
  return permission;
}

/** AuthorizeSecurityGroupIngress/Egress for one SG control: exact port, narrowest peers. */
export function securityGroupChange(
  model: NetworkModel,
  group: FindingGroup,
  control: SecurityGroupControl,
  naming: PeerNaming = BY_GROUP,
): FixChange | null {
  const flows = flowsBlockedBy(group, control);
  if (!flows.length || !control.groupIds.length) return null;
  const interfaces = new Set(flows.map((f) => f.flow.interfaceId));
  // The rules the fix adds (a reference counts in both families) decide which group has room for
  // them; they hardly depend on the group (its VPC, the same for all of an interface's groups), so
  // they are counted on the best group regardless of room and built again only when another is chosen.
  const candidates = groupCandidates(model, control, group, interfaces);
  const draft = targetGroup(candidates, NO_RULES);
  let permission = groupPermission(model, group, control, flows, draft, naming);
  const groupId = targetGroup(candidates, permissionRuleCounts(permission));
  if (groupId !== draft) permission = groupPermission(model, group, control, flows, groupId, naming);
  return {
    action: control.direction === 'ingress' ? 'AuthorizeSecurityGroupIngress' : 'AuthorizeSecurityGroupEgress',
    params: { GroupId: groupId, IpPermissions: [permission] },
  };
}

/**
 * The port range a NACL entry must admit: the service port for requests; for return traffic the
 * client's ephemeral range (the packet's destination port), chosen from the client's kind (the
 * capturing interface for ingress, the peer for egress) and the observed client ports.
 */
function naclPortRange(model: NetworkModel, group: FindingGroup, flows: ExplainedFlow[]): { From: number; To: number } | null {
  if (!rulesHavePorts(group.protocol)) return null;
  if (!group.returnTraffic) return group.port === null ? null : { From: group.port, To: group.port };
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  let fullRangeClient = false;
  for (const item of flows) {
    const range = clientPortRangeOf(item.flow, true);
    if (range) {
      from = Math.min(from, range.from);
      to = Math.max(to, range.to);
    }
    const clientEni =
      group.direction === 'ingress'
        ? item.flow.interfaceId
        : findPeerInterface(model, item.flow.interfaceId, peerAddressOf(item))?.NetworkInterfaceId;
    if (clientEni && usesFullEphemeralRange(model.interfaceOwner(clientEni))) fullRangeClient = true;
  }
  if (fullRangeClient || !Number.isFinite(from)) return { From: EPHEMERAL_RANGES.elbNat.from, To: EPHEMERAL_RANGES.elbNat.to };
  const chosen = ephemeralRangeFor(null, { from, to });
  return { From: chosen.from, To: chosen.to };
}

/**
 * The address a NACL control's entries match a flow by: the peer, but the interface's own (the
 * source) for the inbound rules a transit gateway attachment in its subnet applies to egress
 * packets (a control whose direction is not the flow's: see `analyzeFlow`'s `networkAclOwnAddress`).
 */
function naclAddressOf(item: ExplainedFlow, control: NetworkAclControl): string {
  return control.direction === item.verdict.direction ? peerAddressOf(item) : item.flow.srcaddr;
}

/**
 * The lowest-numbered deny entry that drops some of the group's observed traffic: the control's
 * own rule, or an earlier deny that covers other ports the flows used (return traffic spans the
 * clients' observed ephemeral ports, not only the representative port the verdict was asked
 * about). The new allow must land before it.
 */
function firstDenyOfFlows(model: NetworkModel, group: FindingGroup, control: NetworkAclControl, flows: ExplainedFlow[]): number {
  let before = control.ruleNumber;
  if (!rulesHavePorts(group.protocol)) return before;
  for (const item of flows) {
    const ports = group.returnTraffic
      ? clientPortRangeOf(item.flow, true)
      : group.port === null
        ? null
        : { from: group.port, to: group.port };
    const result = evaluateNetworkAclRange(
      model,
      control.networkAclId,
      control.direction,
      group.protocol,
      ports,
      naclAddressOf(item, control),
    );
    if (result.firstDeny !== null) before = Math.min(before, result.firstDeny);
  }
  return before;
}

/**
 * The deny entry `ruleNumber` re-created under the first free number after it where it refuses
 * exactly what it refused before: no allow that could match its traffic lies between (a deny
 * there refuses it either way). Null when there is no such number, or a number on the way is
 * taken by a change of this run whose entry the snapshot does not show.
 */
function movedDeny(model: NetworkModel, control: NetworkAclControl, used: readonly number[]): FixChange | null {
  const entries = model.networkAclEntries(control.networkAclId, control.direction) ?? [];
  const deny = entries.find((e) => e.ruleNumber === control.ruleNumber);
  if (!deny || deny.allow) return null;
  const taken = new Set(used);
  for (let n = control.ruleNumber + 1; n <= MAX_USER_RULE_NUMBER; n++) {
    if (!taken.has(n)) {
      const { CidrBlock, Ipv6CidrBlock, IcmpTypeCode } = deny.entry;
      // CreateNetworkAclEntry requires PortRange for TCP/UDP and IcmpTypeCode for ICMP: an entry
      // written without them matches every port (the compiled range) and every type and code.
      const params: NetworkAclEntryParams = {
        NetworkAclId: control.networkAclId,
        RuleNumber: n,
        Protocol: String(deny.protocol),
        RuleAction: 'deny',
        Egress: deny.egress,
        ...(CidrBlock ? { CidrBlock } : {}),
        ...(Ipv6CidrBlock ? { Ipv6CidrBlock } : {}),
        ...(rulesHavePorts(deny.protocol) ? { PortRange: { From: deny.fromPort, To: deny.toPort } } : {}),
        ...(isIcmp(deny.protocol) ? { IcmpTypeCode: { Code: IcmpTypeCode?.Code ?? -1, Type: IcmpTypeCode?.Type ?? -1 } } : {}),
      };
      return { action: 'CreateNetworkAclEntry', params: { ...params } };
    }
    const between = entries.find((e) => e.ruleNumber === n);
    if (!between || (between.allow && intersectRegions(regionOf(deny), regionOf(between)) !== null)) return null;
  }
  return null;
}

/**
 * CreateNetworkAclEntry allows for one NACL control, one entry per peer CIDR, numbered in the gap
 * just before the first deny that drops any of the observed traffic (`firstDenyOfFlows`) and clear
 * of the numbers earlier fixes of the run (`ledger`) and this fix's `pending` changes take. When
 * that deny is not a catch-all and there is no free number below it, the deny itself is replaced by
 * the allow (ReplaceNetworkAclEntry) — unless an earlier fix already replaces it — and, so that it
 * keeps refusing every other peer, first re-created under the next free number after it
 * (`movedDeny`). Only when it cannot be moved is it replaced alone: its verification then lists
 * what that opens to others.
 */
export function networkAclChanges(
  model: NetworkModel,
  group: FindingGroup,
  control: NetworkAclControl,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  pending: readonly FixChange[] = [],
): FixChange[] | null {
  const flows = flowsBlockedBy(group, control);
  if (!flows.length) return null;
  const cidrs = coverPeersForNacl(
    model,
    flows.map((item) => item.flow.interfaceId),
    flows.map((item) => naclAddressOf(item, control)),
  );
  if (!cidrs.length) return null;
  const egress = control.direction === 'egress';
  const used = ledger.used(model, control.networkAclId, egress, pending);
  const portRange = naclPortRange(model, group, flows);
  const icmpType = icmpTypeOfGroup(group);
  const entry = (cidr: string, ruleNumber: number): NetworkAclEntryParams => {
    const params: NetworkAclEntryParams = {
      NetworkAclId: control.networkAclId,
      RuleNumber: ruleNumber,
      Protocol: String(group.protocol),
      RuleAction: 'allow',
      Egress: egress,
    };
    if (addressFamily(cidr) === 4) params.CidrBlock = cidr;
    else params.Ipv6CidrBlock = cidr;
    if (portRange) params.PortRange = portRange;
    if (isIcmp(group.protocol)) params.IcmpTypeCode = { Code: -1, Type: icmpType ?? -1 };
    return params;
  };
  const before = firstDenyOfFlows(model, group, control, flows);
  const numbers = freeRuleNumbersBefore(used, before, cidrs.length);
  if (numbers) {
    return cidrs.map((cidr, i) => ({ action: 'CreateNetworkAclEntry', params: { ...entry(cidr, numbers[i]) } }));
  }
  const catchAll = control.ruleNumber >= 32767;
  if (catchAll || cidrs.length !== 1 || before !== control.ruleNumber) return null;
  if (ledger.isReplaced(control.networkAclId, egress, control.ruleNumber)) return null;
  const replace: FixChange = { action: 'ReplaceNetworkAclEntry', params: { ...entry(cidrs[0], control.ruleNumber) } };
  const moved = movedDeny(model, control, used);
  // The copy first: the deny is never absent while the changes are applied one by one.
  return moved ? [moved, replace] : [replace];
}

/**
 * Every change the group needs: its blocking control first, then any further control that also
 * denies some of its flows (a flow must pass all of them), then — for requests — an entry on the
 * capturing subnet's NACL for the replies when it would drop them (see `blockedReplies`). NACL
 * rule numbers avoid those `ledger` holds for earlier fixes of the run. Null when a control cannot
 * be changed by an SG/NACL rule (Block Public Access) or no change could be built.
 */
export function suggestChanges(
  model: NetworkModel,
  group: FindingGroup,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  naming: PeerNaming = BY_GROUP,
): FixChange[] | null {
  const changes: FixChange[] = [];
  for (const control of [group.blockedBy, ...group.alsoBlockedBy]) {
    if (control.control === 'block-public-access') return null;
    if (control.control === 'security-group') {
      const change = securityGroupChange(model, group, control, naming);
      if (!change) return null;
      changes.push(change);
    } else {
      const acl = networkAclChanges(model, group, control, ledger, changes);
      if (!acl) return null;
      changes.push(...acl);
    }
  }
  // A NACL is stateless: the request's fix is incomplete while the same subnet's NACL drops the replies.
  if (changes.length) changes.push(...replyNetworkAclChanges(model, group, changes, ledger));
  return changes.length ? changes : null;
}
