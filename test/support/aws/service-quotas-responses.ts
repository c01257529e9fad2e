import type { GetServiceQuotaCommandOutput } from '@aws-sdk/client-service-quotas';
import { ruleQuotaOf } from '../factories/service-quota';

/**
 * Service Quotas answers as the SDK returns them (GetServiceQuota's `Quota`, `$metadata`), and as
 * the service writes them on the wire (AWS JSON 1.1).
 */
const meta = (requestId: string) => ({ $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } });

/** GetServiceQuota of vpc L-0EA8095F: the account's rules per security group in one region. */
export function ruleQuotaResponse(value: number, where: { account?: string; region?: string } = {}): GetServiceQuotaCommandOutput {
  return { ...meta('6f1d5b0e-sq-0001'), Quota: ruleQuotaOf(value, where) };
}

/** The same answer as Service Quotas sends it: a JSON 1.1 body, the value a double. */
export function ruleQuotaWire(
  value: number,
  where: { account?: string; region?: string } = {},
): {
  status: number;
  body: string;
  headers: Record<string, string>;
} {
  const body = JSON.stringify({ Quota: ruleQuotaOf(value, where) }).replace(/"Value":(\d+)([,}])/, '"Value":$1.0$2');
  return { status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': '6f1d5b0e-sq-0002' } };
}

/** An error as Service Quotas sends it: the type in `__type` (and `x-amzn-errortype`), the text in `Message`. */
export function serviceQuotasErrorWire(
  status: number,
  type: string,
  message: string,
): { status: number; body: string; headers: Record<string, string> } {
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
