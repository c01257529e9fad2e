/**
 * The Service Quotas quota "Rules per network ACL": per direction, each address family apart, the
 * catch-all deny counted, adjustable per account and Region up to 40 (EC2's default is 20).
 */
export const RULES_PER_NETWORK_ACL_QUOTA = { ServiceCode: 'vpc', QuotaCode: 'L-2AEEBF1A' } as const;

/** Whether a Service Quotas quota is the rules-per-network-ACL one. */
export function isRulesPerNetworkAclQuota(quota: { ServiceCode?: unknown; QuotaCode?: unknown }): boolean {
  return quota.ServiceCode === RULES_PER_NETWORK_ACL_QUOTA.ServiceCode && quota.QuotaCode === RULES_PER_NETWORK_ACL_QUOTA.QuotaCode;
}
