import type { Direction } from '../flow-log/flow-record';
import { type Cidr, type IpAddress, cidrContains, cidrCovers } from '../ip/ip-address';
import { icmpTypeCodeCovers } from '../network/icmp-type';
import type { CompiledNetworkAclEntry } from '../network/network-acl-entries';
import type { NetworkModel } from '../network/network-model';
import { describeTraffic, rulesHavePorts } from '../network/protocol';
import type { NetworkAclEntry } from '../network/snapshot';

/** Rule numbers DescribeNetworkAcls reports for the catch-all deny entries. */
export const CATCH_ALL_IPV4 = 32767;
export const CATCH_ALL_IPV6 = 32768;

/**
 * What a network ACL does to one packet: the first entry (ascending `RuleNumber`) that matches
 * decides. When nothing matches, the implicit catch-all deny decides (32767 IPv4, 32768 IPv6).
 * `allowed` is `uncertain` when the deciding entry is ICMP type-specific (flow logs carry no type).
 */
export interface NetworkAclResult {
  allowed: boolean | 'uncertain';
  ruleNumber: number;
  action: 'allow' | 'deny';
  reason?: string;
}

type EntryMatch = true | false | 'uncertain';

/**
 * An entry naming ICMP types against the type asked about: it decides when it covers the type
 * whatever the code, or names another type; `uncertain` when no type is known (flow records) or
 * the entry names one code of the type.
 */
function icmpEntryMatches(entry: CompiledNetworkAclEntry, icmpType: number | null): EntryMatch {
  if (icmpType === null) return 'uncertain';
  const covers = icmpTypeCodeCovers(entry.protocol, entry.entry.IcmpTypeCode?.Type, entry.entry.IcmpTypeCode?.Code, icmpType);
  return covers === 'code' ? 'uncertain' : covers;
}

function entryMatches(
  entry: CompiledNetworkAclEntry,
  protocol: number,
  port: number | null,
  peer: IpAddress,
  icmpType: number | null = null,
): EntryMatch {
  if (entry.protocol !== -1 && entry.protocol !== protocol) return false;
  // IPv4 entries (CidrBlock) only see IPv4 packets, IPv6 entries (Ipv6CidrBlock) only IPv6.
  if (!cidrContains(entry.cidr, peer)) return false;
  if (entry.icmpTypeSpecific) return icmpEntryMatches(entry, icmpType);
  if (entry.protocol === -1 || !rulesHavePorts(entry.protocol)) return true;
  if (port === null) return entry.fromPort === 0 && entry.toPort === 65535 ? true : 'uncertain';
  return port >= entry.fromPort && port <= entry.toPort;
}

/**
 * Evaluates a network ACL for one packet. `direction` is the packet's direction relative to the
 * subnet (ingress: inbound entries; egress: outbound entries); `port` is the packet's own
 * DESTINATION port, which is what a NACL `PortRange` is compared with in both directions (so for
 * return traffic it is the initiator's ephemeral port); `peerAddress` is the address outside the
 * subnet (source of an inbound packet, destination of an outbound one). `icmpType` is the ICMP/ICMPv6
 * type when the question names one (a path question): an entry's `IcmpTypeCode` then decides;
 * flow-log records carry none (null), and a type-specific entry makes the answer `uncertain`.
 */
export function evaluateNetworkAcl(
  model: NetworkModel,
  networkAclId: string,
  direction: Direction,
  protocol: number,
  port: number | null,
  peerAddress: string | IpAddress,
  icmpType: number | null = null,
): NetworkAclResult {
  const peer = typeof peerAddress === 'string' ? model.address(peerAddress) : peerAddress;
  const entries = model.networkAclEntries(networkAclId, direction);
  if (!entries) {
    return { allowed: 'uncertain', ruleNumber: -1, action: 'deny', reason: `network ACL ${networkAclId} is not in the snapshot` };
  }
  if (!peer) {
    return { allowed: 'uncertain', ruleNumber: -1, action: 'deny', reason: `${String(peerAddress)} is not an IP address` };
  }
  for (const entry of entries) {
    const match = entryMatches(entry, protocol, port, peer, icmpType);
    if (match === false) continue;
    const action = entry.allow ? 'allow' : 'deny';
    if (match === 'uncertain') {
      let reason = `the flow has no port to compare with rule ${entry.ruleNumber} of ${networkAclId}`;
      if (entry.icmpTypeSpecific && icmpType === null)
        reason = `rule ${entry.ruleNumber} of ${networkAclId} names specific ICMP types and flow logs do not record the type`;
      else if (entry.icmpTypeSpecific)
        reason = `rule ${entry.ruleNumber} of ${networkAclId} names ${describeTraffic(protocol, null)} type ${icmpType} only with code ${entry.entry.IcmpTypeCode?.Code}, and the question names no code`;
      return { allowed: 'uncertain', ruleNumber: entry.ruleNumber, action, reason };
    }
    return { allowed: entry.allow, ruleNumber: entry.ruleNumber, action };
  }
  return { allowed: false, ruleNumber: peer.family === 4 ? CATCH_ALL_IPV4 : CATCH_ALL_IPV6, action: 'deny' };
}

/**
 * Every deny entry of the ACL that matches the packet, in evaluation order, ending with the
 * catch-all (listed even when the snapshot omits it). A fix must land before the first of these.
 */
export function naclDenyingRules(
  model: NetworkModel,
  aclId: string,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: string | IpAddress,
): NetworkAclEntry[] {
  const address = typeof peer === 'string' ? model.address(peer) : peer;
  const entries = model.networkAclEntries(aclId, direction);
  if (!entries || !address) return [];
  const denies = entries.filter((e) => !e.allow && entryMatches(e, protocol, port, address) !== false).map((e) => e.entry);
  const catchAll = address.family === 4 ? CATCH_ALL_IPV4 : CATCH_ALL_IPV6;
  if (!denies.some((e) => e.RuleNumber === catchAll)) {
    denies.push({
      RuleNumber: catchAll,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: direction === 'egress',
      ...(address.family === 4 ? { CidrBlock: '0.0.0.0/0' } : { Ipv6CidrBlock: '::/0' }),
    });
  }
  return denies;
}

/** `acl-… rule N denies inbound tcp/50123 from 203.0.113.5` */
export function describeNaclDeny(
  aclId: string,
  result: NetworkAclResult,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: string,
): string {
  const way =
    direction === 'ingress' ? `inbound ${describeTraffic(protocol, port)} from` : `outbound ${describeTraffic(protocol, port)} to`;
  const which = result.ruleNumber === CATCH_ALL_IPV4 || result.ruleNumber === CATCH_ALL_IPV6 ? ' (the catch-all deny)' : '';
  return `rule ${result.ruleNumber}${which} of ${aclId} denies ${way} ${peer}`;
}

/** Whether a NACL lets a whole port range through for one peer, and the first deny that stops part of it. */
export interface NetworkAclRangeResult {
  allowed: boolean;
  /** Rule number of the first entry that denies some port of the range (the catch-all when nothing decides them); null when allowed. */
  firstDeny: number | null;
}

/**
 * Evaluates a NACL for every destination port in `ports` at once (null: a protocol without
 * ports), as a client's ephemeral range needs: entries in ascending order take the ports they
 * match; the range passes only when allow entries take all of it before any deny takes a port.
 * ICMP type-specific entries cannot be relied on either way: an allow does not count, a deny does.
 */
export function evaluateNetworkAclRange(
  model: NetworkModel,
  networkAclId: string,
  direction: Direction,
  protocol: number,
  ports: { from: number; to: number } | null,
  peerAddress: string | IpAddress,
): NetworkAclRangeResult {
  const peer = typeof peerAddress === 'string' ? model.address(peerAddress) : peerAddress;
  const entries = model.networkAclEntries(networkAclId, direction) ?? [];
  if (!peer) return { allowed: false, firstDeny: null };
  let open: [number, number][] = ports && rulesHavePorts(protocol) ? [[ports.from, ports.to]] : [[0, 0]];
  for (const entry of entries) {
    if ((entry.protocol !== -1 && entry.protocol !== protocol) || !cidrContains(entry.cidr, peer)) continue;
    const whole = entry.protocol === -1 || !rulesHavePorts(entry.protocol) || !ports;
    const [lo, hi] = whole ? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] : [entry.fromPort, entry.toPort];
    const hit = open.some(([a, b]) => a <= hi && b >= lo);
    if (!hit) continue;
    if (!entry.allow) return { allowed: false, firstDeny: entry.ruleNumber };
    if (entry.icmpTypeSpecific) continue;
    open = open.flatMap(([a, b]): [number, number][] => {
      if (b < lo || a > hi) return [[a, b]];
      const rest: [number, number][] = [];
      if (a < lo) rest.push([a, lo - 1]);
      if (b > hi) rest.push([hi + 1, b]);
      return rest;
    });
    if (open.length === 0) return { allowed: true, firstDeny: null };
  }
  return { allowed: false, firstDeny: peer.family === 4 ? CATCH_ALL_IPV4 : CATCH_ALL_IPV6 };
}

/** The entry that decides one part of a port range (`ports` null: a protocol without ports). */
export interface NetworkAclPortSegment {
  ports: { from: number; to: number } | null;
  ruleNumber: number;
  action: 'allow' | 'deny';
  /** Decided by an ICMP type-specific entry: flow logs and path queries cannot tell whether it applies. */
  uncertain: boolean;
}

/**
 * What a NACL does to every destination port of `ports` for one peer: the range split by the
 * entry that decides each port (first match in ascending `RuleNumber`, the catch-all deny for
 * ports no entry matches), in port order. A client's ephemeral range is refused on exactly the
 * `deny` segments. `ports` null (or a protocol without ports): one segment for the whole packet.
 */
export function networkAclPortSegments(
  model: NetworkModel,
  networkAclId: string,
  direction: Direction,
  protocol: number,
  ports: { from: number; to: number } | null,
  peerAddress: string | IpAddress,
): NetworkAclPortSegment[] | null {
  const peer = typeof peerAddress === 'string' ? model.address(peerAddress) : peerAddress;
  const entries = model.networkAclEntries(networkAclId, direction);
  if (!entries || !peer) return null;
  const ported = ports !== null && rulesHavePorts(protocol);
  let open: [number, number][] = ported ? [[ports.from, ports.to]] : [[0, 0]];
  const segments: NetworkAclPortSegment[] = [];
  const segment = (a: number, b: number, ruleNumber: number, action: 'allow' | 'deny', uncertain: boolean): NetworkAclPortSegment => ({
    ports: ported ? { from: a, to: b } : null,
    ruleNumber,
    action,
    uncertain,
  });
  for (const entry of entries) {
    if (open.length === 0) break;
    if ((entry.protocol !== -1 && entry.protocol !== protocol) || !cidrContains(entry.cidr, peer)) continue;
    const whole = entry.protocol === -1 || !rulesHavePorts(entry.protocol) || !ported;
    const [lo, hi] = whole ? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] : [entry.fromPort, entry.toPort];
    const rest: [number, number][] = [];
    for (const [a, b] of open) {
      if (b < lo || a > hi) {
        rest.push([a, b]);
        continue;
      }
      segments.push(segment(Math.max(a, lo), Math.min(b, hi), entry.ruleNumber, entry.allow ? 'allow' : 'deny', entry.icmpTypeSpecific));
      if (a < lo) rest.push([a, lo - 1]);
      if (b > hi) rest.push([hi + 1, b]);
    }
    open = rest;
  }
  const catchAll = peer.family === 4 ? CATCH_ALL_IPV4 : CATCH_ALL_IPV6;
  for (const [a, b] of open) segments.push(segment(a, b, catchAll, 'deny', false));
  return segments.sort((x, y) => (x.ports?.from ?? 0) - (y.ports?.from ?? 0));
}

/** The entry that decides the packets of part of a source block (see `networkAclBlockSegments`). */
export interface NetworkAclBlockSegment {
  /** The part of the block: the entry's own CIDR when it lies inside the block, else the whole block's remainder. */
  cidr: string;
  ruleNumber: number;
  action: 'allow' | 'deny';
  uncertain: boolean;
}

/**
 * What a NACL does to packets of `protocol`/`port` from (or to) every address of `block`: the
 * entries that decide some part of it, in evaluation order — an address takes the FIRST segment
 * whose CIDR contains it. The last segment (the first entry whose CIDR holds the whole block, or
 * the catch-all) decides every address the earlier ones leave. Entries wholly shadowed by an
 * earlier segment are left out. `port` null: a protocol without ports. `icmpType`: the ICMP type
 * asked about (null: unknown, and a type-specific entry is then `uncertain`).
 */
export function networkAclBlockSegments(
  model: NetworkModel,
  networkAclId: string,
  direction: Direction,
  protocol: number,
  port: number | null,
  block: Cidr,
  icmpType: number | null = null,
): NetworkAclBlockSegment[] | null {
  const entries = model.networkAclEntries(networkAclId, direction);
  if (!entries) return null;
  const segments: (NetworkAclBlockSegment & { block: Cidr })[] = [];
  for (const entry of entries) {
    if ((entry.protocol !== -1 && entry.protocol !== protocol) || entry.cidr.family !== block.family) continue;
    if (entry.protocol !== -1 && rulesHavePorts(entry.protocol) && port !== null && (port < entry.fromPort || port > entry.toPort))
      continue;
    const icmp = entry.icmpTypeSpecific ? icmpEntryMatches(entry, icmpType) : true;
    if (icmp === false) continue;
    const uncertain = icmp === 'uncertain';
    const action = entry.allow ? 'allow' : 'deny';
    if (cidrCovers(entry.cidr, block)) {
      segments.push({ cidr: block.text, block, ruleNumber: entry.ruleNumber, action, uncertain });
      return segments.map(({ block: _b, ...s }) => s);
    }
    if (!cidrCovers(block, entry.cidr) || segments.some((s) => cidrCovers(s.block, entry.cidr))) continue;
    segments.push({ cidr: entry.cidr.text, block: entry.cidr, ruleNumber: entry.ruleNumber, action, uncertain });
  }
  segments.push({
    cidr: block.text,
    block,
    ruleNumber: block.family === 4 ? CATCH_ALL_IPV4 : CATCH_ALL_IPV6,
    action: 'deny',
    uncertain: false,
  });
  return segments.map(({ block: _b, ...s }) => s);
}
