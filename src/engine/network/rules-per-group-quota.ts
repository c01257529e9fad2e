/**
 * The Service Quotas quota "Inbound or outbound rules per security group": per direction, each
 * address family apart, adjustable per account and Region (EC2's default is 60).
 */
export const RULES_PER_GROUP_QUOTA = { ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' } as const;

/** Whether a Service Quotas quota is the rules-per-group one. */
export function isRulesPerGroupQuota(quota: { ServiceCode?: unknown; QuotaCode?: unknown }): boolean {
  return quota.ServiceCode === RULES_PER_GROUP_QUOTA.ServiceCode && quota.QuotaCode === RULES_PER_GROUP_QUOTA.QuotaCode;
}
