import type { NetworkModel } from '../network/network-model';
import { CATCH_ALL_IPV4, CATCH_ALL_IPV6 } from '../evaluate/network-acl-evaluator';
import { RULES_PER_NETWORK_ACL_QUOTA, isRulesPerNetworkAclQuota } from '../network/rules-per-network-acl-quota';
import type { FixChange, FixRisk } from './fix';
import type { NetworkAclEntryParams } from './fix-params';
import { type FamilyCounts, type RuleQuota, accountRuleQuota, defaultQuotaCaveat, ruleQuotaLabel } from './group-rule-quota';

/**
 * EC2's default quota of rules per network ACL: per direction, and per address family (a NACL may
 * hold 20 inbound IPv4 rules and 20 inbound IPv6 rules), the catch-all denies it has (32767; 32768
 * in a VPC with an IPv6 block) counted (VPC User Guide, Amazon VPC quotas). It is adjustable per account and Region up to 40
 * (Service Quotas `L-2AEEBF1A`): a snapshot that carries the account's value in `ServiceQuotas`
 * is held to that instead. Past the quota, CreateNetworkAclEntry fails with
 * NetworkAclEntryLimitExceeded.
 */
export const DEFAULT_RULES_PER_NETWORK_ACL = 20;

/** The rule quota a NACL is held to. */
export type NetworkAclRuleQuota = RuleQuota;

/**
 * The rule quota of a NACL: the smallest of the snapshot's `L-2AEEBF1A` quotas of the NACL's
 * account and of those whose ARN names no account; for a NACL the snapshot gives no owner, the
 * smallest of them all; EC2's default when none applies.
 */
export function networkAclRuleQuota(model: NetworkModel, networkAclId: string): NetworkAclRuleQuota {
  return accountRuleQuota(
    model,
    isRulesPerNetworkAclQuota,
    RULES_PER_NETWORK_ACL_QUOTA.QuotaCode,
    model.networkAcl(networkAclId)?.OwnerId,
    DEFAULT_RULES_PER_NETWORK_ACL,
  );
}

/** How a risk names the quota a NACL is past. */
function quotaLabel(quota: NetworkAclRuleQuota): string {
  return ruleQuotaLabel(quota, 'per network ACL', RULES_PER_NETWORK_ACL_QUOTA.QuotaCode);
}

/**
 * The rules a NACL holds in one direction, per address family, as the quota counts them: its
 * numbered entries and the catch-all deny of each family it has. Every NACL has the IPv4 one
 * (32767) each way, whether or not the snapshot lists it; AWS adds the IPv6 one (32768) only to a
 * NACL of a VPC with an IPv6 block (created with one or given one later): it is counted where the
 * snapshot lists it in that direction, or shows the VPC with an IPv6 block (a snapshot that leaves
 * the catch-alls out). A NACL of an IPv4-only VPC holds no IPv6 rule until one is added.
 */
export function networkAclRuleCounts(model: NetworkModel, networkAclId: string, egress: boolean): FamilyCounts {
  const acl = model.networkAcl(networkAclId);
  const counts: FamilyCounts = { 4: 1, 6: 0 };
  let ipv6CatchAll = false;
  for (const entry of acl?.Entries ?? []) {
    if (Boolean(entry.Egress) !== egress) continue;
    if (entry.Ipv6CidrBlock !== undefined) {
      if (entry.RuleNumber === CATCH_ALL_IPV6) ipv6CatchAll = true;
      else counts[6] += 1;
    } else if (entry.RuleNumber !== CATCH_ALL_IPV4) {
      counts[4] += 1;
    }
  }
  if (ipv6CatchAll || (acl?.VpcId !== undefined && vpcHasIpv6Block(model, acl.VpcId))) counts[6] += 1;
  return counts;
}

/** Whether the snapshot shows the VPC with an IPv6 block in effect: its own, or one of its subnets'. */
function vpcHasIpv6Block(model: NetworkModel, vpcId: string): boolean {
  if (model.vpcCidrBlocks(vpcId).some((cidr) => cidr.family === 6)) return true;
  return (model.snapshot.Subnets ?? []).some(
    (subnet) => subnet.VpcId === vpcId && model.subnetCidrBlocks(subnet.SubnetId).some((cidr) => cidr.family === 6),
  );
}

/**
 * A risk naming the NACLs whose new entries take them past their rule quota
 * (`networkAclRuleQuota`: their current rules and every CreateNetworkAclEntry of the changes to
 * the same NACL and direction, per family; a replaced entry keeps its place), and which quota each
 * is past, or null when every change fits.
 */
export function networkAclRuleQuotaRisk(model: NetworkModel, changes: readonly FixChange[]): FixRisk | null {
  // Per NACL and direction, in the changes' order.
  const totals = new Map<string, { networkAclId: string; egress: boolean; counts: FamilyCounts }>();
  for (const change of changes) {
    if (change.action !== 'CreateNetworkAclEntry') continue;
    const params = change.params as unknown as NetworkAclEntryParams;
    const key = `${params.NetworkAclId}|${params.Egress}`;
    let total = totals.get(key);
    if (!total) {
      total = {
        networkAclId: params.NetworkAclId,
        egress: params.Egress,
        counts: networkAclRuleCounts(model, params.NetworkAclId, params.Egress),
      };
      totals.set(key, total);
    }
    total.counts[params.Ipv6CidrBlock !== undefined ? 6 : 4] += 1;
  }
  const over: { networkAclId: string; egress: boolean; family: 4 | 6; count: number; quota: NetworkAclRuleQuota }[] = [];
  for (const { networkAclId, egress, counts } of totals.values()) {
    const quota = networkAclRuleQuota(model, networkAclId);
    for (const family of [4, 6] as const) {
      if (counts[family] > quota.value) over.push({ networkAclId, egress, family, count: counts[family], quota });
    }
  }
  if (!over.length) return null;
  // The NACLs past each quota, in the changes' order: one clause per quota.
  const byQuota = new Map<string, string[]>();
  for (const o of over) {
    const label = quotaLabel(o.quota);
    const described = `${o.networkAclId} would hold ${o.count} ${o.egress ? 'outbound' : 'inbound'} IPv${o.family} rules`;
    byQuota.set(label, [...(byQuota.get(label) ?? []), described]);
  }
  const clauses = [...byQuota].map(([label, described]) => `${described.join(', ')}: past ${label}`);
  // Only a NACL held to the default may have a quota the snapshot does not show.
  const unless = defaultQuotaCaveat(over.map((o) => o.quota));
  return {
    kind: 'rule-quota',
    message: `${clauses.join('; ')}, CreateNetworkAclEntry fails with NetworkAclEntryLimitExceeded${unless}`,
    networkAclIds: [...new Set(over.map((o) => o.networkAclId))].sort(),
  };
}
