import type { ServiceQuota } from '../../../src/engine/network/snapshot';

/**
 * The security-group rule quota as Service Quotas gives it (GetServiceQuota's `Quota`, an item of
 * ListServiceQuotas' `Quotas`), with the members AWS prints beside the ones sgdoctor reads.
 */
export function ruleQuotaOf(value: number, where: { account?: string; region?: string } = {}): ServiceQuota & Record<string, unknown> {
  const account = where.account ?? '111122223333';
  const region = where.region ?? 'us-east-1';
  return {
    ServiceCode: 'vpc',
    ServiceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
    QuotaArn: `arn:aws:servicequotas:${region}:${account}:vpc/L-0EA8095F`,
    QuotaCode: 'L-0EA8095F',
    QuotaName: 'Inbound or outbound rules per security group',
    Value: value,
    Unit: 'None',
    Adjustable: true,
    GlobalQuota: false,
    QuotaAppliedAtLevel: 'ACCOUNT',
  };
}

/** Another quota of the same service, as `list-service-quotas --service-code vpc` lists it beside the rule quota. */
export function groupsPerInterfaceQuotaOf(
  value: number,
  where: { account?: string; region?: string } = {},
): ServiceQuota & Record<string, unknown> {
  const account = where.account ?? '111122223333';
  const region = where.region ?? 'us-east-1';
  return {
    ServiceCode: 'vpc',
    ServiceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
    QuotaArn: `arn:aws:servicequotas:${region}:${account}:vpc/L-2AFB9258`,
    QuotaCode: 'L-2AFB9258',
    QuotaName: 'Security groups per network interface',
    Value: value,
    Unit: 'None',
    Adjustable: true,
    GlobalQuota: false,
    QuotaAppliedAtLevel: 'ACCOUNT',
  };
}
