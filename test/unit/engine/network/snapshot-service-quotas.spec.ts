import { describe, expect, it } from 'vitest';

import { mergeSnapshots, validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { SnapshotValidationError } from '../../../../src/engine/network/snapshot-validation.error';
import {
  groupsPerInterfaceQuotaOf,
  networkAclRuleQuotaNotRead,
  networkAclRuleQuotaOf,
  ruleQuotaNotRead,
  ruleQuotaOf,
} from '../../../support/factories/service-quota';

const base = {
  SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [], IpPermissionsEgress: [] }],
  NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [] }],
  NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', SubnetId: 'subnet-1' }],
  Subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.0.0/24' }],
};

/** What `aws service-quotas get-service-quota --service-code vpc --quota-code L-0EA8095F` prints. */
const getServiceQuota = (value: number, where: { account?: string; region?: string } = {}) => ({ Quota: ruleQuotaOf(value, where) });
/** What `aws service-quotas list-service-quotas --service-code vpc` prints (one page). */
const listServiceQuotas = (value: number) => ({ Quotas: [groupsPerInterfaceQuotaOf(5), ruleQuotaOf(value)], NextToken: 'AAEAAZ-page-2' });

/** The error a merge throws, for its path and detail. */
function mergeError(parts: unknown[], names?: string[]): SnapshotValidationError {
  try {
    mergeSnapshots(parts, { names });
  } catch (error) {
    if (error instanceof SnapshotValidationError) return error;
    throw error;
  }
  throw new Error('the merge was expected to fail');
}

describe('ServiceQuotas: the Service Quotas quotas of a snapshot', () => {
  it('folds get-service-quota’s {"Quota": …} into ServiceQuotas, every member kept as AWS printed it, no warning', () => {
    const warnings: string[] = [];
    const merged = mergeSnapshots([base, getServiceQuota(200)], { requireMembers: true, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(merged.ServiceQuotas).toEqual([ruleQuotaOf(200)]);
    expect(merged).not.toHaveProperty('Quota');
    expect(merged.ServiceQuotas?.[0]).toHaveProperty('QuotaAppliedAtLevel', 'ACCOUNT');
  });

  it('reads list-service-quotas’ {"Quotas": […]} as ServiceQuotas (its NextToken ignored), and a file of the contract’s own member', () => {
    const warnings: string[] = [];
    const listed = mergeSnapshots([listServiceQuotas(200)], { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(listed.ServiceQuotas?.map((q) => [q.QuotaCode, q.Value])).toEqual([
      ['L-2AFB9258', 5],
      ['L-0EA8095F', 200],
    ]);
    expect(mergeSnapshots([{ ServiceQuotas: [ruleQuotaOf(200)] }]).ServiceQuotas).toEqual([ruleQuotaOf(200)]);
    // One file holding both: the quota after the list.
    const both = validateSnapshot({ ServiceQuotas: [groupsPerInterfaceQuotaOf(5)], Quota: ruleQuotaOf(200) });
    expect(both.ServiceQuotas?.map((q) => q.QuotaCode)).toEqual(['L-2AFB9258', 'L-0EA8095F']);
  });

  it('keeps a quota two files give once when identical (by its ARN), and names both files when they differ', () => {
    const merged = mergeSnapshots([getServiceQuota(200), listServiceQuotas(200)], { names: ['quota.json', 'quotas.json'] });
    expect(merged.ServiceQuotas?.map((q) => q.QuotaCode)).toEqual(['L-0EA8095F', 'L-2AFB9258']);
    // Two Regions of one account are two quotas.
    const regions = mergeSnapshots([getServiceQuota(200), getServiceQuota(120, { region: 'eu-west-1' })]);
    expect(regions.ServiceQuotas?.map((q) => q.Value)).toEqual([200, 120]);
    const error = mergeError([getServiceQuota(200), listServiceQuotas(150)], ['quota.json', 'quotas.json']);
    expect(error.path).toBe('ServiceQuotas');
    expect(error.detail).toBe(
      'arn:aws:servicequotas:us-east-1:111122223333:vpc/L-0EA8095F is described differently in quota.json (ServiceQuotas[0]) and quotas.json (ServiceQuotas[1])',
    );
  });

  it.each([
    [{ Quota: { ...ruleQuotaOf(200), Value: '200' } }, 'Quota.Value'],
    [{ Quota: { ...ruleQuotaOf(200), QuotaCode: undefined } }, 'Quota.QuotaCode'],
    [{ Quota: 'L-0EA8095F' }, 'Quota'],
    [{ Quotas: [groupsPerInterfaceQuotaOf(5), { ...ruleQuotaOf(200), ServiceCode: 7 }] }, 'ServiceQuotas[1].ServiceCode'],
    [{ ServiceQuotas: { ...ruleQuotaOf(200) } }, 'ServiceQuotas'],
  ])('refuses a malformed quota with its path: %j', (part, path) => {
    expect(mergeError([part]).path).toBe(path);
  });

  it.each([0, 60.5, -200])('refuses a rule quota of %s: it is a whole number of rules, at least one', (value) => {
    const error = mergeError([getServiceQuota(value)]);
    expect(error.path).toBe('Quota.Value');
    expect(error.detail).toBe('expected the rules a security group may hold per direction (L-0EA8095F): a whole number, at least 1');
    // Another quota's value is only a number.
    expect(mergeSnapshots([{ ServiceQuotas: [groupsPerInterfaceQuotaOf(value)] }]).ServiceQuotas).toHaveLength(1);
  });

  it.each([0, 20.5, -1])('refuses a network ACL rule quota of %s: it is a whole number of rules, at least one', (value) => {
    const error = mergeError([{ Quota: networkAclRuleQuotaOf(value) }]);
    expect(error.path).toBe('Quota.Value');
    expect(error.detail).toBe('expected the rules a network ACL may hold per direction (L-2AEEBF1A): a whole number, at least 1');
  });

  it.each([
    'arn:aws:servicequotas:eu-west-1:12345678901x:vpc/L-0EA8095F',
    'L-0EA8095F',
    'arn:aws:ec2:eu-west-1:123456789012:vpc/L-0EA8095F',
  ])('refuses a quota ARN %s: whose quota it is would be lost, and it would hold every account’s groups', (QuotaArn) => {
    const error = mergeError([{ Quota: { ...ruleQuotaOf(200), QuotaArn } }]);
    expect(error.path).toBe('Quota.QuotaArn');
    expect(error.detail).toMatch(/^expected a Service Quotas ARN/);
  });

  it('takes an AWS default quota’s ARN, which names no account, and one of another partition', () => {
    for (const QuotaArn of [
      'arn:aws:servicequotas:eu-west-1::vpc/L-0EA8095F',
      'arn:aws-cn:servicequotas:cn-north-1:123456789012:vpc/L-0EA8095F',
    ]) {
      expect(mergeSnapshots([{ Quota: { ...ruleQuotaOf(200), QuotaArn } }]).ServiceQuotas).toHaveLength(1);
    }
  });

  it('a rule quota without its Value is refused: it would hold nothing to', () => {
    const { Value: _value, ...withoutValue } = ruleQuotaOf(200);
    expect(mergeError([{ Quota: withoutValue }]).path).toBe('Quota.Value');
  });

  it('the two rule quotas, each printed by get-service-quota to a file of its own, are both read', () => {
    const merged = mergeSnapshots([{ Quota: ruleQuotaOf(200) }, { Quota: networkAclRuleQuotaOf(40) }], {
      names: ['quota.json', 'nacl-quota.json'],
    });
    expect(merged.ServiceQuotas).toEqual([ruleQuotaOf(200), networkAclRuleQuotaOf(40)]);
  });

  it('a NotRead entry names the quota a live read went without (QuotaCode); one of an older snapshot, without it, is still read', () => {
    const notRead = [networkAclRuleQuotaNotRead('AccessDeniedException'), ruleQuotaNotRead('NoSuchResourceException')];
    expect(validateSnapshot({ ...base, NotRead: notRead }).NotRead).toEqual(notRead);
    const { QuotaCode: _code, ...older } = ruleQuotaNotRead('AccessDeniedException');
    expect(validateSnapshot({ ...base, NotRead: [older] }).NotRead).toEqual([older]);
  });

  it.each(['L-2AEEBF1A; rm -rf /', '-2AEEBF1A', 'L', 7])('refuses a NotRead QuotaCode of %j, with its path', (QuotaCode) => {
    const error = mergeError([{ ...base, NotRead: [{ ...ruleQuotaNotRead('AccessDeniedException'), QuotaCode }] }]);
    expect(error.path).toBe('NotRead[0].QuotaCode');
  });
});
