import type { Direction } from '../flow-log/flow-record';
import { type Cidr, parseCidr } from '../ip/ip-address';
import { PROTOCOL_ALL, isIcmp, ruleProtocolNumber, rulesHavePorts } from './protocol';
import type { IpPermission, SecurityGroup, SecurityGroupRule, UserIdGroupPair } from './snapshot';
import type { StaleReference } from './stale-references';

/**
 * Who a security-group rule lets in (or out to). A group reference that is `stale` (the group
 * deleted, or the peering connection to it ended) lets no one in.
 */
export type RulePeer =
  | { kind: 'cidr'; cidr: Cidr; text: string }
  | { kind: 'prefix-list'; prefixListId: string }
  | { kind: 'group'; groupId: string; userId: string | null; stale: StaleReference | null };

/** Whether a rule of `groupId` in `direction` referencing `pair` is stale (see `StaleReferences.of`). */
export type StaleReferenceLookup = (groupId: string, direction: Direction, pair: UserIdGroupPair) => StaleReference | null;

const NOTHING_STALE: StaleReferenceLookup = () => null;

/**
 * One security-group rule with a single peer, normalised for evaluation: protocol number
 * (`-1` = all), inclusive port range (0–65535 when the rule has no ports), and for ICMP whether it
 * names specific types (flow logs do not record the type, so such a rule cannot decide a flow).
 */
export interface CompiledSecurityGroupRule {
  groupId: string;
  direction: Direction;
  protocol: number;
  fromPort: number;
  toPort: number;
  icmpTypeSpecific: boolean;
  peer: RulePeer;
  /** `SecurityGroupRuleId` when the rule came from DescribeSecurityGroupRules. */
  ruleId: string | null;
  /** The rule as an EC2 `IpPermission` with only this peer, for reports and fixes. */
  permission: IpPermission;
}

/**
 * Rules of one protocol: single-port rules by that port (most rules name one port), everything
 * else (ranges, ICMP, protocols without ports) in a list scanned in full.
 */
export interface ProtocolRules {
  byPort: Map<number, CompiledSecurityGroupRule[]>;
  other: CompiledSecurityGroupRule[];
}

/** A group's rules of one direction, bucketed by protocol and port so a lookup skips unrelated rules. */
export interface GroupRuleSet {
  byProtocol: Map<number, ProtocolRules>;
  anyProtocol: CompiledSecurityGroupRule[];
}

/** The rules of a set that can concern `protocol`/`port`, in a stable order: exact port, other rules of the protocol, all-protocol rules. */
export function candidateRules(
  set: GroupRuleSet,
  protocol: number,
  port: number | null,
  visit: (rule: CompiledSecurityGroupRule) => boolean,
): boolean {
  const bucket = set.byProtocol.get(protocol);
  if (bucket) {
    if (port !== null) {
      const exact = bucket.byPort.get(port);
      if (exact) for (const rule of exact) if (visit(rule)) return true;
    } else {
      for (const list of bucket.byPort.values()) for (const rule of list) if (visit(rule)) return true;
    }
    for (const rule of bucket.other) if (visit(rule)) return true;
  }
  for (const rule of set.anyProtocol) if (visit(rule)) return true;
  return false;
}

function portRange(protocol: number, from: number | undefined, to: number | undefined): [number, number, boolean] {
  if (protocol === PROTOCOL_ALL) return [0, 65535, false];
  if (isIcmp(protocol)) {
    // For ICMP, FromPort is the type and ToPort the code; -1 (or absent) means any.
    const typeSpecific = from !== undefined && from !== -1;
    return [0, 65535, typeSpecific];
  }
  if (!rulesHavePorts(protocol)) return [0, 65535, false];
  const lo = from === undefined || from === -1 ? 0 : from;
  const hi = to === undefined || to === -1 ? 65535 : to;
  return [lo, hi, false];
}

function basePermission(permission: IpPermission): IpPermission {
  const base: IpPermission = { IpProtocol: permission.IpProtocol };
  if (permission.FromPort !== undefined) base.FromPort = permission.FromPort;
  if (permission.ToPort !== undefined) base.ToPort = permission.ToPort;
  return base;
}

/**
 * Splits EC2 `IpPermission`s into single-peer compiled rules. Unparseable entries are skipped
 * (validation rejects them earlier). `stale` tells which group references are stale.
 */
export function compilePermissions(
  groupId: string,
  direction: Direction,
  permissions: IpPermission[],
  stale: StaleReferenceLookup = NOTHING_STALE,
): CompiledSecurityGroupRule[] {
  const rules: CompiledSecurityGroupRule[] = [];
  for (const permission of permissions) {
    const protocol = ruleProtocolNumber(permission.IpProtocol);
    if (protocol === null) continue;
    const [fromPort, toPort, icmpTypeSpecific] = portRange(protocol, permission.FromPort, permission.ToPort);
    const make = (peer: RulePeer, extra: Partial<IpPermission>): CompiledSecurityGroupRule => ({
      groupId,
      direction,
      protocol,
      fromPort,
      toPort,
      icmpTypeSpecific,
      peer,
      ruleId: null,
      permission: { ...basePermission(permission), ...extra },
    });
    for (const range of permission.IpRanges ?? []) {
      const cidr = range.CidrIp ? parseCidr(range.CidrIp) : null;
      if (cidr) rules.push(make({ kind: 'cidr', cidr, text: range.CidrIp! }, { IpRanges: [range] }));
    }
    for (const range of permission.Ipv6Ranges ?? []) {
      const cidr = range.CidrIpv6 ? parseCidr(range.CidrIpv6) : null;
      if (cidr) rules.push(make({ kind: 'cidr', cidr, text: range.CidrIpv6! }, { Ipv6Ranges: [range] }));
    }
    for (const list of permission.PrefixListIds ?? []) {
      if (list.PrefixListId) rules.push(make({ kind: 'prefix-list', prefixListId: list.PrefixListId }, { PrefixListIds: [list] }));
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      if (pair.GroupId) {
        const peer: RulePeer = {
          kind: 'group',
          groupId: pair.GroupId,
          userId: pair.UserId ?? null,
          stale: stale(groupId, direction, pair),
        };
        rules.push(make(peer, { UserIdGroupPairs: [pair] }));
      }
    }
  }
  return rules;
}

/** Converts one DescribeSecurityGroupRules entry to the `IpPermission` it stands for. */
export function ruleToPermission(rule: SecurityGroupRule): IpPermission {
  const permission: IpPermission = { IpProtocol: rule.IpProtocol };
  if (rule.FromPort !== undefined) permission.FromPort = rule.FromPort;
  if (rule.ToPort !== undefined) permission.ToPort = rule.ToPort;
  if (rule.CidrIpv4) permission.IpRanges = [{ CidrIp: rule.CidrIpv4 }];
  if (rule.CidrIpv6) permission.Ipv6Ranges = [{ CidrIpv6: rule.CidrIpv6 }];
  if (rule.PrefixListId) permission.PrefixListIds = [{ PrefixListId: rule.PrefixListId }];
  if (rule.ReferencedGroupInfo?.GroupId) {
    const ref = rule.ReferencedGroupInfo;
    permission.UserIdGroupPairs = [
      { GroupId: ref.GroupId, UserId: ref.UserId, VpcId: ref.VpcId, VpcPeeringConnectionId: ref.VpcPeeringConnectionId },
    ];
  }
  return permission;
}

/**
 * The permissions a group has in one direction. A group's `IpPermissions`/`IpPermissionsEgress`
 * are authoritative when it has any; a group listed without permissions (or only in
 * `SecurityGroupRules`) takes its rules from `SecurityGroupRules`, the shape
 * DescribeSecurityGroupRules prints.
 */
export function effectivePermissions(
  group: SecurityGroup | undefined,
  rulesOfGroup: SecurityGroupRule[],
  direction: Direction,
): IpPermission[] {
  if (group && groupHasPermissions(group)) {
    return (direction === 'ingress' ? group.IpPermissions : group.IpPermissionsEgress) ?? [];
  }
  return rulesOfGroup.filter((rule) => Boolean(rule.IsEgress) === (direction === 'egress')).map(ruleToPermission);
}

/** True when the group object itself lists at least one permission in either direction. */
export function groupHasPermissions(group: SecurityGroup): boolean {
  return (group.IpPermissions?.length ?? 0) + (group.IpPermissionsEgress?.length ?? 0) > 0;
}

/** Buckets compiled rules by protocol. */
export function bucketRules(rules: CompiledSecurityGroupRule[]): GroupRuleSet {
  const set: GroupRuleSet = { byProtocol: new Map(), anyProtocol: [] };
  for (const rule of rules) {
    if (rule.protocol === PROTOCOL_ALL) {
      set.anyProtocol.push(rule);
      continue;
    }
    let bucket = set.byProtocol.get(rule.protocol);
    if (!bucket) set.byProtocol.set(rule.protocol, (bucket = { byPort: new Map(), other: [] }));
    if (rulesHavePorts(rule.protocol) && rule.fromPort === rule.toPort) {
      const list = bucket.byPort.get(rule.fromPort);
      if (list) list.push(rule);
      else bucket.byPort.set(rule.fromPort, [rule]);
    } else bucket.other.push(rule);
  }
  return set;
}
