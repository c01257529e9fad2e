import type { GetServiceQuotaCommandOutput } from '@aws-sdk/client-service-quotas';
import type { ServiceQuota } from '../../../src/engine/network/snapshot';
import { RULES_PER_GROUP_QUOTA } from '../../../src/engine/network/rules-per-group-quota';
import { RULES_PER_NETWORK_ACL_QUOTA } from '../../../src/engine/network/rules-per-network-acl-quota';
import { networkAclRuleQuotaOf, ruleQuotaOf } from '../factories/service-quota';

/**
 * Service Quotas answers as the SDK returns them (GetServiceQuota's `Quota`, `$metadata`), and as
 * the service writes them on the wire (AWS JSON 1.1).
 */
const meta = (requestId: string) => ({ $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } });

type Where = { account?: string; region?: string };
type Wire = { status: number; body: string; headers: Record<string, string> };

/** GetServiceQuota of vpc L-0EA8095F: the account's rules per security group in one region. */
export function ruleQuotaResponse(value: number, where: Where = {}): GetServiceQuotaCommandOutput {
  return { ...meta('6f1d5b0e-sq-0001'), Quota: ruleQuotaOf(value, where) };
}

/** GetServiceQuota of vpc L-2AEEBF1A: the account's rules per network ACL in one region. */
export function networkAclRuleQuotaResponse(value: number, where: Where = {}): GetServiceQuotaCommandOutput {
  return { ...meta('6f1d5b0e-sq-0005'), Quota: networkAclRuleQuotaOf(value, where) };
}

/** A quota as Service Quotas sends it: a JSON 1.1 body, the value a double. */
function quotaWire(quota: ServiceQuota): Wire {
  const body = JSON.stringify({ Quota: quota }).replace(/"Value":(\d+)([,}])/, '"Value":$1.0$2');
  return { status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': '6f1d5b0e-sq-0002' } };
}

/** The rules-per-group answer as Service Quotas sends it. */
export function ruleQuotaWire(value: number, where: Where = {}): Wire {
  return quotaWire(ruleQuotaOf(value, where));
}

/** The rules-per-network-ACL answer as Service Quotas sends it. */
export function networkAclRuleQuotaWire(value: number, where: Where = {}): Wire {
  return quotaWire(networkAclRuleQuotaOf(value, where));
}

/** The values of the two rule quotas a snapshot reads; EC2's defaults (60, 20) unless given. */
export interface RuleQuotaValues {
  rulesPerGroup?: number;
  rulesPerNetworkAcl?: number;
}

/**
 * GetServiceQuota answered for the quota it asks (`QuotaCode`), as for an account whose values are
 * `values`; any other quota is a mistake of the test, not an answer to make up.
 */
export function ruleQuotasResponse(
  input: { QuotaCode?: string },
  where: Where = {},
  values: RuleQuotaValues = {},
): GetServiceQuotaCommandOutput {
  if (input.QuotaCode === RULES_PER_GROUP_QUOTA.QuotaCode) return ruleQuotaResponse(values.rulesPerGroup ?? 60, where);
  if (input.QuotaCode === RULES_PER_NETWORK_ACL_QUOTA.QuotaCode) return networkAclRuleQuotaResponse(values.rulesPerNetworkAcl ?? 20, where);
  throw new Error(`GetServiceQuota asked for a quota the test does not serve: ${String(input.QuotaCode)}`);
}

/** The quota a recorded GetServiceQuota request asks for (its JSON body's `QuotaCode`). */
export function quotaCodeOf(request: { body: string }): string | undefined {
  return (JSON.parse(request.body) as { QuotaCode?: string }).QuotaCode;
}

/** ruleQuotasResponse on the wire: the answer to a recorded GetServiceQuota request. */
export function ruleQuotasWire(request: { body: string }, where: Where = {}, values: RuleQuotaValues = {}): Wire {
  const { Quota } = ruleQuotasResponse({ QuotaCode: quotaCodeOf(request) }, where, values);
  return quotaWire(Quota as ServiceQuota);
}

/** An error as Service Quotas sends it: the type in `__type` (and `x-amzn-errortype`), the text in `Message`. */
export function serviceQuotasErrorWire(status: number, type: string, message: string): Wire {
  return {
    status,
    body: JSON.stringify({ __type: type, Message: message }),
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.servicequotas/`,
      'x-amzn-requestid': '6f1d5b0e-sq-0003',
    },
  };
}

/** Whether a recorded request is Service Quotas' GetServiceQuota (AWS JSON 1.1 names the operation in X-Amz-Target). */
export function isGetServiceQuota(request: { headers: Record<string, string> }): boolean {
  const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
  return target === 'ServiceQuotasV20190624.GetServiceQuota';
}
