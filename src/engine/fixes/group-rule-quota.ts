import type { Direction } from '../flow-log/flow-record';
import type { Cidr } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import type { ManagedPrefixList } from '../network/snapshot';
import type { RulePeer } from '../network/security-group-rules';
import type { FixChange, FixRisk } from './fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam } from './fix-params';
import { addressFamily } from '../ip/cidr-cover';

/**
 * EC2's default quota of rules per security group: per direction, and per address family (a group
 * may hold 60 inbound IPv4 rules and 60 inbound IPv6 rules). The quota is adjustable per Region,
 * which a snapshot does not show: past it, AuthorizeSecurityGroupIngress/Egress fails with
 * RulesPerSecurityGroupLimitExceeded unless it was raised.
 */
export const DEFAULT_RULES_PER_GROUP = 60;

/** Rules per address family. */
export interface FamilyCounts {
  4: number;
  6: number;
}

/**
 * How many rules a peer counts as, per address family: a CIDR one rule of its family, a referenced
 * group one rule of each, a managed prefix list its maximum entries (not its current ones) for its
 * family — as its entries show it when the snapshot gives no `AddressFamily`, both when they do
 * not either — or, without `MaxEntries`, its known entries (at least one); an AWS-managed list its
 * documented weight (`awsManagedWeight`).
 */
function peerWeight(model: NetworkModel, peer: RulePeer): FamilyCounts {
  if (peer.kind === 'cidr') return peer.cidr.family === 4 ? { 4: 1, 6: 0 } : { 4: 0, 6: 1 };
  if (peer.kind === 'group') return { 4: 1, 6: 1 };
  const list = model.snapshot.ManagedPrefixLists?.find((l) => l.PrefixListId === peer.prefixListId);
  const entries = model.prefixListCidrs(peer.prefixListId) ?? [];
  const weight = awsManagedWeight(list) ?? list?.MaxEntries ?? Math.max(1, entries.length);
  // A prefix list holds one family: its entries tell which when the snapshot does not say.
  const family = list?.AddressFamily ?? entriesFamily(entries);
  if (family === 'IPv4') return { 4: weight, 6: 0 };
  if (family === 'IPv6') return { 4: 0, 6: weight };
  return { 4: weight, 6: weight };
}

/**
 * The weights EC2 gives AWS-managed prefix lists in a security group's rule count (VPC User Guide,
 * "AWS-managed prefix lists"), by the service part of their name (`com.amazonaws.<region>.` and
 * `ipv6.` left out): they count as these, not as their entries.
 */
const AWS_MANAGED_WEIGHTS: ReadonlyMap<string, number> = new Map([
  ['cloudfront.origin-facing', 55],
  ['dynamodb', 1],
  ['ec2-instance-connect', 2],
  ['groundstation', 5],
  ['route53-healthchecks', 25],
  ['s3', 1],
  ['s3express', 6],
  ['vpc-lattice', 10],
]);

/** The documented weight of an AWS-managed prefix list (owned by `AWS`), or null for any other list. */
function awsManagedWeight(list: ManagedPrefixList | undefined): number | null {
  if (list?.OwnerId !== 'AWS' || !list.PrefixListName) return null;
  const service = /^com\.amazonaws\.[a-z0-9-]+\.(?:ipv6\.)?(.+)$/.exec(list.PrefixListName)?.[1];
  return service === undefined ? null : (AWS_MANAGED_WEIGHTS.get(service) ?? null);
}

/** The address family all of a prefix list's known entries share, or null. */
function entriesFamily(entries: readonly Cidr[]): 'IPv4' | 'IPv6' | null {
  if (!entries.length) return null;
  if (entries.every((c) => c.family === 4)) return 'IPv4';
  return entries.every((c) => c.family === 6) ? 'IPv6' : null;
}

/** The rules a group holds in one direction, per address family, as the quota counts them. */
export function groupRuleCounts(model: NetworkModel, groupId: string, direction: Direction): FamilyCounts {
  const counts: FamilyCounts = { 4: 0, 6: 0 };
  for (const rule of model.allGroupRules(groupId)) {
    if (rule.direction !== direction) continue;
    const weight = peerWeight(model, rule.peer);
    counts[4] += weight[4];
    counts[6] += weight[6];
  }
  return counts;
}

/** Whether `added` more rules per family fit in the group's direction under the default quota. */
export function groupHasRoom(model: NetworkModel, groupId: string, direction: Direction, added: FamilyCounts): boolean {
  const counts = groupRuleCounts(model, groupId, direction);
  return counts[4] + added[4] <= DEFAULT_RULES_PER_GROUP && counts[6] + added[6] <= DEFAULT_RULES_PER_GROUP;
}

/** The rules a permission adds, per address family: each CIDR one of its family, each referenced group one of each. */
export function permissionRuleCounts(permission: IpPermissionParam): FamilyCounts {
  const counts: FamilyCounts = { 4: 0, 6: 0 };
  for (const range of permission.IpRanges ?? []) counts[addressFamily(range.CidrIp)] += 1;
  for (const range of permission.Ipv6Ranges ?? []) counts[addressFamily(range.CidrIpv6)] += 1;
  const pairs = permission.UserIdGroupPairs?.length ?? 0;
  counts[4] += pairs;
  counts[6] += pairs;
  return counts;
}

/**
 * A risk naming the groups whose new rules take them past the default quota (their current rules
 * and every change's to the same group and direction, per family), or null when every change fits.
 */
export function ruleQuotaRisk(model: NetworkModel, changes: readonly FixChange[]): FixRisk | null {
  // Per group and direction, in the changes' order: a second change to a group adds to the first's rules.
  const totals = new Map<string, { groupId: string; direction: Direction; counts: FamilyCounts; action: string }>();
  for (const change of changes) {
    if (change.action !== 'AuthorizeSecurityGroupIngress' && change.action !== 'AuthorizeSecurityGroupEgress') continue;
    const params = change.params as unknown as AuthorizeSecurityGroupParams;
    const direction: Direction = change.action === 'AuthorizeSecurityGroupIngress' ? 'ingress' : 'egress';
    const key = `${params.GroupId}|${direction}`;
    let total = totals.get(key);
    if (!total) {
      total = { groupId: params.GroupId, direction, counts: groupRuleCounts(model, params.GroupId, direction), action: change.action };
      totals.set(key, total);
    }
    for (const permission of params.IpPermissions ?? []) {
      const added = permissionRuleCounts(permission);
      total.counts[4] += added[4];
      total.counts[6] += added[6];
    }
  }
  const over: { groupId: string; direction: Direction; family: 4 | 6; count: number; action: string }[] = [];
  for (const { groupId, direction, counts, action } of totals.values()) {
    for (const family of [4, 6] as const) {
      if (counts[family] > DEFAULT_RULES_PER_GROUP) over.push({ groupId, direction, family, count: counts[family], action });
    }
  }
  if (!over.length) return null;
  const described = over.map(
    (o) => `${o.groupId} would hold ${o.count} ${o.direction === 'ingress' ? 'inbound' : 'outbound'} IPv${o.family} rules`,
  );
  const actions = [...new Set(over.map((o) => o.action))];
  return {
    kind: 'rule-quota',
    message: `${described.join(', ')}: past EC2's default quota of ${DEFAULT_RULES_PER_GROUP} per group, ${actions.join(' and ')} ${actions.length === 1 ? 'fails' : 'fail'} with RulesPerSecurityGroupLimitExceeded unless the Region's quota was raised`,
    groupIds: [...new Set(over.map((o) => o.groupId))].sort(),
  };
}
