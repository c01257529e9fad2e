import type { Direction } from '../flow-log/flow-record';
import type { Cidr } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { RULES_PER_GROUP_QUOTA, isRulesPerGroupQuota } from '../network/rules-per-group-quota';
import type { ManagedPrefixList, NotReadMember, ServiceQuota } from '../network/snapshot';
import type { RulePeer } from '../network/security-group-rules';
import type { FixChange, FixRisk } from './fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam } from './fix-params';
import { addressFamily } from '../ip/cidr-cover';

/**
 * EC2's default quota of rules per security group: per direction, and per address family (a group
 * may hold 60 inbound IPv4 rules and 60 inbound IPv6 rules). It is adjustable per account and
 * Region (Service Quotas `L-0EA8095F`): a snapshot that carries the account's value in
 * `ServiceQuotas` is held to that instead. Past the quota, AuthorizeSecurityGroupIngress/Egress
 * fails with RulesPerSecurityGroupLimitExceeded.
 */
export const DEFAULT_RULES_PER_GROUP = 60;

/** The rule quota a group or NACL is held to, and whether it is its account's or, for want of one, EC2's default. */
export interface RuleQuota {
  value: number;
  source: 'account' | 'default';
  /** For EC2's default: the snapshot's record that reading the account's quota failed, when it has one. */
  notRead?: NotReadMember;
}

/** The rule quota a group is held to. */
export type GroupRuleQuota = RuleQuota;

/** Which Service Quotas quota an index holds (isRulesPerGroupQuota, isRulesPerNetworkAclQuota). */
type QuotaKind = (quota: ServiceQuota) => boolean;

/** The snapshot's quotas of one kind: the smallest per account, of those naming none, and of all. */
interface RuleQuotaIndex {
  byAccount: ReadonlyMap<string, number>;
  unowned: number | null;
  smallest: number | null;
}

/** Built once per kind and snapshot's quota list (a fix's copy of the snapshot shares it): asked per finding and candidate. */
const ruleQuotaIndexes = new Map<QuotaKind, WeakMap<readonly ServiceQuota[], RuleQuotaIndex>>();

/** The account of a quota's ARN (`arn:aws:servicequotas:REGION:ACCOUNT:vpc/L-0EA8095F`), null when it names none. */
function accountOfQuota(quota: ServiceQuota): string | null {
  const account = quota.QuotaArn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : null;
}

function ruleQuotaIndex(quotas: readonly ServiceQuota[], kind: QuotaKind): RuleQuotaIndex {
  let ofKind = ruleQuotaIndexes.get(kind);
  if (!ofKind) {
    ofKind = new WeakMap();
    ruleQuotaIndexes.set(kind, ofKind);
  }
  const cached = ofKind.get(quotas);
  if (cached) return cached;
  const smaller = (a: number | null | undefined, b: number) => (a === null || a === undefined ? b : Math.min(a, b));
  const byAccount = new Map<string, number>();
  let unowned: number | null = null;
  let smallest: number | null = null;
  for (const quota of quotas) {
    if (!kind(quota) || quota.Value === undefined) continue;
    // A snapshot may hold the quota of several Regions of one account, and a group or NACL does not
    // say which Region it is in: the smallest is the one a rule fits under wherever it is.
    const account = accountOfQuota(quota);
    if (account === null) unowned = smaller(unowned, quota.Value);
    else byAccount.set(account, smaller(byAccount.get(account), quota.Value));
    smallest = smaller(smallest, quota.Value);
  }
  const index = { byAccount, unowned, smallest };
  ofKind.set(quotas, index);
  return index;
}

/**
 * The quota `code` (of `kind`) a resource of `owner` is held to: the smallest of the snapshot's
 * quotas of that account and of those whose ARN names no account (they hold every resource); for
 * a resource the snapshot gives no owner, the smallest of them all; `fallback` (EC2's default)
 * when none applies, with the snapshot's `NotRead` entry of that quota when reading it failed.
 */
export function accountRuleQuota(
  model: NetworkModel,
  kind: QuotaKind,
  code: string,
  owner: string | undefined,
  fallback: number,
): RuleQuota {
  const quotas = model.snapshot.ServiceQuotas;
  if (quotas?.length) {
    const index = ruleQuotaIndex(quotas, kind);
    const own = owner === undefined ? index.smallest : (index.byAccount.get(owner) ?? null);
    const candidates = [own, index.unowned].filter((value): value is number => value !== null);
    if (candidates.length > 0) return { value: Math.min(...candidates), source: 'account' };
  }
  const notRead = quotaNotRead(model, code, owner);
  return notRead ? { value: fallback, source: 'default', notRead } : { value: fallback, source: 'default' };
}

/**
 * The snapshot's record that the quota `code` of `owner`'s account was not read: an entry of
 * `ServiceQuotas` naming that quota (or none, as snapshots taken before it was named) and that
 * account (or none, or no owner asked for).
 */
function quotaNotRead(model: NetworkModel, code: string, owner: string | undefined): NotReadMember | undefined {
  return (model.snapshot.NotRead ?? []).find(
    (entry) =>
      entry.Member === 'ServiceQuotas' &&
      (entry.QuotaCode === undefined || entry.QuotaCode === code) &&
      (entry.AccountId === undefined || owner === undefined || entry.AccountId === owner),
  );
}

/**
 * What a rule-quota risk adds when some of the quotas it names are EC2's default: that the
 * Region's may have been raised, and why the snapshot does not show it when reading it failed
 * (the first such failure).
 */
export function defaultQuotaCaveat(quotas: readonly RuleQuota[]): string {
  const defaults = quotas.filter((quota) => quota.source === 'default');
  if (!defaults.length) return '';
  const notRead = defaults.find((quota) => quota.notRead)?.notRead;
  if (!notRead) return " unless the Region's quota was raised";
  const where = [notRead.AccountId && `account ${notRead.AccountId}`, notRead.Region].filter(Boolean).join(', ');
  return (
    ` unless the Region's quota was raised, which the snapshot does not show: ${notRead.Action} failed` +
    `${notRead.ErrorCode ? ` (${notRead.ErrorCode})` : ''}${where ? ` in ${where}` : ''}`
  );
}

/** How a risk names the quota (`code`) a resource is past, `per` naming what it counts rules of ("per group"). */
export function ruleQuotaLabel(quota: RuleQuota, per: string, code: string): string {
  return quota.source === 'default'
    ? `EC2's default quota of ${quota.value} ${per}`
    : `the account's quota of ${quota.value} ${per} (Service Quotas ${code})`;
}

/**
 * The rule quota of a group: the smallest of the snapshot's `L-0EA8095F` quotas of the group's
 * account and of those whose ARN names no account (they hold every group); for a group the
 * snapshot gives no owner, the smallest of them all; EC2's default when none applies.
 */
export function groupRuleQuota(model: NetworkModel, groupId: string): GroupRuleQuota {
  return accountRuleQuota(
    model,
    isRulesPerGroupQuota,
    RULES_PER_GROUP_QUOTA.QuotaCode,
    model.securityGroup(groupId)?.OwnerId,
    DEFAULT_RULES_PER_GROUP,
  );
}

/** How a risk names the quota a group is past. */
function quotaLabel(quota: GroupRuleQuota): string {
  return ruleQuotaLabel(quota, 'per group', RULES_PER_GROUP_QUOTA.QuotaCode);
}

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
  const list = model.managedPrefixList(peer.prefixListId);
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

/** The rules the group's direction may still take under its rule quota (`groupRuleQuota`), per family (below 0 past it). */
export function groupRoom(model: NetworkModel, groupId: string, direction: Direction): FamilyCounts {
  const counts = groupRuleCounts(model, groupId, direction);
  const { value } = groupRuleQuota(model, groupId);
  return { 4: value - counts[4], 6: value - counts[6] };
}

/** Whether `added` more rules per family fit in `room` (`groupRoom`). */
export function roomFor(room: FamilyCounts, added: FamilyCounts): boolean {
  return added[4] <= room[4] && added[6] <= room[6];
}

/** Whether `added` more rules per family fit in the group's direction under its rule quota (`groupRuleQuota`). */
export function groupHasRoom(model: NetworkModel, groupId: string, direction: Direction, added: FamilyCounts): boolean {
  return roomFor(groupRoom(model, groupId, direction), added);
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
 * A risk naming the groups whose new rules take them past their rule quota (`groupRuleQuota`:
 * their current rules and every change's to the same group and direction, per family), and which
 * quota each is past, or null when every change fits.
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
  const over: { groupId: string; direction: Direction; family: 4 | 6; count: number; action: string; quota: GroupRuleQuota }[] = [];
  for (const { groupId, direction, counts, action } of totals.values()) {
    const quota = groupRuleQuota(model, groupId);
    for (const family of [4, 6] as const) {
      if (counts[family] > quota.value) over.push({ groupId, direction, family, count: counts[family], action, quota });
    }
  }
  if (!over.length) return null;
  // The groups past each quota, in the changes' order: one clause per quota.
  const byQuota = new Map<string, string[]>();
  for (const o of over) {
    const label = quotaLabel(o.quota);
    const described = `${o.groupId} would hold ${o.count} ${o.direction === 'ingress' ? 'inbound' : 'outbound'} IPv${o.family} rules`;
    byQuota.set(label, [...(byQuota.get(label) ?? []), described]);
  }
  const clauses = [...byQuota].map(([label, described]) => `${described.join(', ')}: past ${label}`);
  const actions = [...new Set(over.map((o) => o.action))];
  // Only a group held to the default may have a quota the snapshot does not show.
  const unless = defaultQuotaCaveat(over.map((o) => o.quota));
  return {
    kind: 'rule-quota',
    message: `${clauses.join('; ')}, ${actions.join(' and ')} ${actions.length === 1 ? 'fails' : 'fail'} with RulesPerSecurityGroupLimitExceeded${unless}`,
    groupIds: [...new Set(over.map((o) => o.groupId))].sort(),
  };
}
