import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import type { FixChange } from '../fixes/fix';
import { type ExplainContext, explainFlow } from '../evaluate/explain-flow';
import type { FlowVerdict } from '../evaluate/verdict';
import { cidrCovers, parseCidr } from '../ip/ip-address';
import { type CompiledNetworkAclEntry, type EntryRegion, intersectRegions, regionOf } from '../network/network-acl-entries';
import { NetworkModel } from '../network/network-model';
import { isIcmp, protocolName, ruleProtocolNumber, rulesHavePorts } from '../network/protocol';
import type { IpPermission, NetworkSnapshot } from '../network/snapshot';
import { applyChanges } from './apply-changes';

/** Something an added rule makes reachable: a peer set × protocol × ports at some interfaces. */
export interface NewlyReachable {
  /** The security group the rule was added to (SG changes). */
  groupId?: string;
  /** The network ACL the entry was added to (NACL changes). */
  networkAclId?: string;
  /** Interfaces that carry the group, or sit in a subnet of the ACL. */
  interfaceIds: string[];
  /** Subnets of the ACL (NACL changes). */
  subnetIds?: string[];
  /** A CIDR block, `sg-…` (a referenced group) or `pl-…` (a prefix list). */
  peer: string;
  peerKind: 'cidr' | 'security-group' | 'prefix-list';
  protocol: string;
  /** Inclusive port range; null when the protocol has no ports or every port is covered. */
  ports: { from: number; to: number } | null;
  /** The ICMP/ICMPv6 type an ICMP rule names (a permission's FromPort, an entry's IcmpTypeCode Type); absent when it names every type. */
  icmpType?: number;
  direction: Direction;
  /** The peer range contains internet addresses. */
  includesInternet: boolean;
  /**
   * Set when the traffic was refused by the deny entry a `ReplaceNetworkAclEntry` replaced, and a
   * later entry (`decidedBy`) now allows it: what removing the deny opens beyond the new entry.
   */
  replacedRule?: number;
  decidedBy?: number;
}

export interface FlowChange {
  flow: FlowAggregate;
  before: FlowVerdict;
  after: FlowVerdict;
}

export interface SimulationResult {
  /** Flows not allowed before the changes and allowed after. */
  nowAllowed: FlowAggregate[];
  /** Every flow whose verdict (kind, blocking controls or return-traffic flag) changed. */
  changed: FlowChange[];
  newlyReachable: NewlyReachable[];
  /** The snapshot with the changes applied. */
  snapshot: NetworkSnapshot;
  /** The model of `snapshot`, for callers that evaluate more against it (not built twice). */
  model?: NetworkModel;
}

function sameVerdict(a: FlowVerdict, b: FlowVerdict): boolean {
  return a.verdict === b.verdict && a.returnTraffic === b.returnTraffic && JSON.stringify(a.blockedBy) === JSON.stringify(b.blockedBy);
}

/** Whether a rule's peer block holds internet addresses: not when a VPC block of the snapshot holds it all. */
function peerIncludesInternet(model: NetworkModel, cidr: string): boolean {
  const block = parseCidr(cidr);
  return block !== null && model.cidrIncludesInternetPeers(block);
}

function portsOf(protocol: number, from: number | undefined, to: number | undefined): { from: number; to: number } | null {
  if (!rulesHavePorts(protocol)) return null;
  const lo = from === undefined || from < 0 ? 0 : from;
  const hi = to === undefined || to < 0 ? 65535 : to;
  return lo === 0 && hi === 65535 ? null : { from: lo, to: hi };
}

/** `{ icmpType }` when an ICMP rule names one type, else nothing. */
function icmpTypeOf(protocol: number, type: number | undefined): { icmpType: number } | Record<string, never> {
  return isIcmp(protocol) && type !== undefined && type !== -1 ? { icmpType: type } : {};
}

function reachableFromPermission(model: NetworkModel, groupId: string, direction: Direction, permission: IpPermission): NewlyReachable[] {
  const protocol = ruleProtocolNumber(permission.IpProtocol) ?? -1;
  const common = {
    groupId,
    interfaceIds: [...model.interfacesWithGroup(groupId)],
    protocol: protocolName(protocol),
    ports: portsOf(protocol, permission.FromPort, permission.ToPort),
    // An ICMP permission's FromPort is the type.
    ...icmpTypeOf(protocol, permission.FromPort),
    direction,
  };
  const out: NewlyReachable[] = [];
  for (const r of permission.IpRanges ?? [])
    if (r.CidrIp) out.push({ ...common, peer: r.CidrIp, peerKind: 'cidr', includesInternet: peerIncludesInternet(model, r.CidrIp) });
  for (const r of permission.Ipv6Ranges ?? [])
    if (r.CidrIpv6) out.push({ ...common, peer: r.CidrIpv6, peerKind: 'cidr', includesInternet: peerIncludesInternet(model, r.CidrIpv6) });
  for (const r of permission.PrefixListIds ?? []) {
    if (!r.PrefixListId) continue;
    const cidrs = model.prefixListCidrs(r.PrefixListId);
    // A prefix list whose entries are unknown may hold anything.
    const includesInternet = cidrs === undefined || cidrs.some((c) => model.cidrIncludesInternetPeers(c));
    out.push({ ...common, peer: r.PrefixListId, peerKind: 'prefix-list', includesInternet });
  }
  for (const r of permission.UserIdGroupPairs ?? [])
    if (r.GroupId) out.push({ ...common, peer: r.GroupId, peerKind: 'security-group', includesInternet: false });
  return out;
}

/**
 * The model of `model`'s snapshot with `changes` applied (see `applyChanges`): only the touched
 * groups and ACLs are compiled again. Throws `SimulationError` when a change is invalid.
 */
export function modelWithChanges(model: NetworkModel, changes: FixChange[]): NetworkModel {
  return model.withChangedControls(applyChanges(model.snapshot, changes), ...controlsOf(changes));
}

/** The security groups and network ACLs the changes touch. */
function controlsOf(changes: FixChange[]): [groupIds: Set<string>, aclIds: Set<string>] {
  const groupIds = new Set<string>();
  const aclIds = new Set<string>();
  for (const change of changes) {
    const p = change.params as Record<string, unknown>;
    if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress')
      groupIds.add(String(p.GroupId));
    else aclIds.add(String(p.NetworkAclId));
  }
  return [groupIds, aclIds];
}

/** Whether the entry matches every packet of the region (an ICMP type-specific entry never does). */
function entryCovers(entry: CompiledNetworkAclEntry, region: EntryRegion): boolean {
  if (entry.icmpTypeSpecific) return false;
  if (entry.protocol !== -1 && entry.protocol !== region.protocol) return false;
  if (!cidrCovers(entry.cidr, region.cidr)) return false;
  if (entry.protocol === -1 || !region.ports) return true;
  return entry.fromPort <= region.ports.from && entry.toPort >= region.ports.to;
}

/**
 * What replacing a deny entry opens besides the new entry's own traffic: the packets the old deny
 * matched now reach the entries after it, and each later allow that matches part of them (and is
 * not preceded by an entry, the replacement included, that takes all of that part) lets that part
 * through. Evaluated on the changed ACL, so a deny the same changes re-create after the replaced
 * entry keeps its traffic refused. A part only partly shadowed by earlier entries is reported whole.
 */
function openedByReplacedDeny(before: NetworkModel, after: NetworkModel, p: Record<string, unknown>): NewlyReachable[] {
  const aclId = String(p.NetworkAclId);
  const direction: Direction = p.Egress ? 'egress' : 'ingress';
  const ruleNumber = Number(p.RuleNumber);
  const old = before.networkAclEntries(aclId, direction)?.find((e) => e.ruleNumber === ruleNumber);
  const entries = after.networkAclEntries(aclId, direction);
  if (!old || old.allow || !entries) return [];
  const subnetIds = [...after.subnetsOfNetworkAcl(aclId)];
  const interfaceIds = after.interfacesInSubnets(subnetIds);
  const denied = regionOf(old);
  const out: NewlyReachable[] = [];
  for (const entry of entries) {
    if (entry.ruleNumber <= ruleNumber || !entry.allow) continue;
    const part = intersectRegions(denied, regionOf(entry));
    if (!part) continue;
    if (entries.some((e) => e.ruleNumber < entry.ruleNumber && entryCovers(e, part))) continue;
    out.push({
      networkAclId: aclId,
      subnetIds,
      interfaceIds,
      peer: part.cidr.text,
      peerKind: 'cidr',
      protocol: protocolName(part.protocol),
      ports: part.ports && !(part.ports.from === 0 && part.ports.to === 65535) ? part.ports : null,
      direction,
      includesInternet: after.cidrIncludesInternetPeers(part.cidr),
      replacedRule: ruleNumber,
      decidedBy: entry.ruleNumber,
    });
  }
  return out;
}

/**
 * What the changes open: derived from the rules they add (allow entries), and, given the model
 * `before` the changes, from the deny entries `ReplaceNetworkAclEntry` requests remove.
 */
export function newlyReachableOf(model: NetworkModel, changes: FixChange[], before?: NetworkModel): NewlyReachable[] {
  const out: NewlyReachable[] = [];
  for (const change of changes) {
    const p = change.params as Record<string, unknown>;
    if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
      const direction: Direction = change.action === 'AuthorizeSecurityGroupIngress' ? 'ingress' : 'egress';
      for (const permission of (p.IpPermissions as IpPermission[] | undefined) ?? []) {
        out.push(...reachableFromPermission(model, String(p.GroupId), direction, permission));
      }
      continue;
    }
    const opened = change.action === 'ReplaceNetworkAclEntry' && before ? openedByReplacedDeny(before, model, p) : [];
    if (p.RuleAction !== 'allow') {
      out.push(...opened);
      continue;
    }
    const aclId = String(p.NetworkAclId);
    const subnetIds = [...model.subnetsOfNetworkAcl(aclId)];
    const interfaceIds = model.interfacesInSubnets(subnetIds);
    const protocol = ruleProtocolNumber(p.Protocol as string) ?? -1;
    const range = p.PortRange as { From?: number; To?: number } | undefined;
    const peer = String(p.CidrBlock ?? p.Ipv6CidrBlock);
    out.push({
      networkAclId: aclId,
      subnetIds,
      interfaceIds,
      peer,
      peerKind: 'cidr',
      protocol: protocolName(protocol),
      ports: portsOf(protocol, range?.From, range?.To),
      ...icmpTypeOf(protocol, (p.IcmpTypeCode as { Type?: number } | undefined)?.Type),
      direction: p.Egress ? 'egress' : 'ingress',
      includesInternet: peerIncludesInternet(model, peer),
    });
    out.push(...opened);
  }
  return out;
}

/**
 * What-if: applies `changes` to a copy of the snapshot (see `applyChanges`) and re-explains every
 * flow before and after. Returns the flows that become allowed, every flow whose verdict changes,
 * and what the changes make reachable beyond the given flows (each added peer set × ports at
 * the interfaces carrying the group or in the ACL's subnets, and what later entries now let through
 * of a replaced deny's traffic, flagged when it includes internet addresses). Throws
 * `SimulationError` when a change is invalid.
 */
export function simulate(
  snapshot: NetworkSnapshot,
  changes: FixChange[],
  flows: FlowAggregate[],
  ctx: ExplainContext = {},
  before: NetworkModel = NetworkModel.fromSnapshot(snapshot),
): SimulationResult {
  const changed = applyChanges(snapshot, changes);
  const after = before.withChangedControls(changed, ...controlsOf(changes));
  const result: SimulationResult = {
    nowAllowed: [],
    changed: [],
    newlyReachable: newlyReachableOf(after, changes, before),
    snapshot: changed,
    model: after,
  };
  for (const flow of flows) {
    const was = explainFlow(before, flow, ctx);
    const now = explainFlow(after, flow, { ...ctx, recorded: before });
    if (now.verdict === 'allowed' && was.verdict !== 'allowed') result.nowAllowed.push(flow);
    if (!sameVerdict(was, now)) result.changed.push({ flow, before: was, after: now });
  }
  return result;
}
