import type { NotReadMember, ServiceQuota } from '../../../src/engine/network/snapshot';

type Where = { account?: string; region?: string };

/** A `vpc` quota as Service Quotas gives it, with the members AWS prints beside the ones sgdoctor reads. */
function vpcQuotaOf(code: string, name: string, value: number, where: Where): ServiceQuota & Record<string, unknown> {
  const account = where.account ?? '111122223333';
  const region = where.region ?? 'us-east-1';
  return {
    ServiceCode: 'vpc',
    ServiceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
    QuotaArn: `arn:aws:servicequotas:${region}:${account}:vpc/${code}`,
    QuotaCode: code,
    QuotaName: name,
    Value: value,
    Unit: 'None',
    Adjustable: true,
    GlobalQuota: false,
    QuotaAppliedAtLevel: 'ACCOUNT',
  };
}

/** The security-group rule quota as Service Quotas gives it (GetServiceQuota's `Quota`, an item of ListServiceQuotas' `Quotas`). */
export function ruleQuotaOf(value: number, where: Where = {}): ServiceQuota & Record<string, unknown> {
  return vpcQuotaOf('L-0EA8095F', 'Inbound or outbound rules per security group', value, where);
}

/** The network ACL rule quota as Service Quotas gives it: rules per NACL, per direction and address family, the catch-all deny counted. */
export function networkAclRuleQuotaOf(value: number, where: Where = {}): ServiceQuota & Record<string, unknown> {
  return vpcQuotaOf('L-2AEEBF1A', 'Rules per network ACL', value, where);
}

/** Another quota of the same service, as `list-service-quotas --service-code vpc` lists it beside the rule quota. */
export function groupsPerInterfaceQuotaOf(value: number, where: Where = {}): ServiceQuota & Record<string, unknown> {
  return vpcQuotaOf('L-2AFB9258', 'Security groups per network interface', value, where);
}

/** The `NotRead` entry of a quota a live read went on without, for `code` (the error's). */
function quotaNotRead(quotaCode: string, code: string, where: Where): NotReadMember {
  return {
    Member: 'ServiceQuotas',
    Action: 'servicequotas:GetServiceQuota',
    QuotaCode: quotaCode,
    AccountId: where.account ?? '111122223333',
    Region: where.region ?? 'eu-west-1',
    ErrorCode: code,
  };
}

/** The `NotRead` entry of a security-group rule quota a live read went on without, for `code` (the error's). */
export function ruleQuotaNotRead(code: string, where: Where = {}): NotReadMember {
  return quotaNotRead('L-0EA8095F', code, where);
}

/** The `NotRead` entry of a network ACL rule quota a live read went on without, for `code` (the error's). */
export function networkAclRuleQuotaNotRead(code: string, where: Where = {}): NotReadMember {
  return quotaNotRead('L-2AEEBF1A', code, where);
}
