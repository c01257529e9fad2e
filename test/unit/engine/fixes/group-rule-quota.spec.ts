import { describe, expect, it } from 'vitest';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { DEFAULT_RULES_PER_GROUP, groupRuleCounts, ruleQuotaRisk } from '../../../../src/engine/fixes/group-rule-quota';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { baseWorld, tcp } from '../../../support/factories/scenario-network';

/** An inbound rule of sg-db for TCP 5432 from the given IPv4 CIDRs. */
const ingress = (...cidrs: string[]): FixChange => ({
  action: 'AuthorizeSecurityGroupIngress',
  params: {
    GroupId: 'sg-db',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) }],
  },
});

describe('ruleQuotaRisk', () => {
  // Fifty-eight inbound IPv4 rules: two more fit, a third does not.
  const model = () =>
    NetworkModel.fromSnapshot(
      baseWorld()
        .ingress('sg-db', ...Array.from({ length: DEFAULT_RULES_PER_GROUP - 2 }, (_, i) => tcp(10000 + i, '10.9.0.0/16')))
        .snapshot(),
    );

  it('two rules that fit: no risk', () => {
    expect(ruleQuotaRisk(model(), [ingress('198.51.100.23/32', '203.0.113.77/32')])).toBeNull();
  });

  it('two changes to one group and direction add up: two rules each take it to sixty-two, told once', () => {
    const risk = ruleQuotaRisk(model(), [ingress('198.51.100.23/32', '203.0.113.77/32'), ingress('192.0.2.1/32', '192.0.2.2/32')]);
    expect(risk).toMatchObject({ kind: 'rule-quota', groupIds: ['sg-db'] });
    expect(risk?.message).toMatch(/^sg-db would hold 62 inbound IPv4 rules: /);
  });

  it('groups past the quota in both directions: the message names both requests EC2 refuses', () => {
    const sixty = Array.from({ length: DEFAULT_RULES_PER_GROUP }, (_, i) => tcp(10000 + i, '10.9.0.0/16'));
    const full = NetworkModel.fromSnapshot(
      baseWorld()
        .ingress('sg-db', ...sixty)
        .egress('sg-worker', ...sixty)
        .snapshot(),
    );
    const egress: FixChange = {
      action: 'AuthorizeSecurityGroupEgress',
      params: {
        GroupId: 'sg-worker',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.3.10/32' }] }],
      },
    };
    const risk = ruleQuotaRisk(full, [egress, ingress('10.0.4.20/32')]);
    expect(risk?.groupIds).toEqual(['sg-db', 'sg-worker']);
    expect(risk?.message).toContain('AuthorizeSecurityGroupEgress');
    expect(risk?.message).toContain('AuthorizeSecurityGroupIngress');
  });
});

describe('groupRuleCounts', () => {
  const withList = (list: Record<string, unknown> | null) => {
    const snapshot = baseWorld()
      .prefixList('pl-0a1b2c3d4e5f60718', ['10.7.0.0/16', '10.8.0.0/16'])
      .ingress('sg-db', tcp(443, 'pl-0a1b2c3d4e5f60718'))
      .snapshot();
    snapshot.ManagedPrefixLists = list ? [{ PrefixListId: 'pl-0a1b2c3d4e5f60718', ...list }] : [];
    return NetworkModel.fromSnapshot(snapshot);
  };
  const counts = (model: NetworkModel) => groupRuleCounts(model, 'sg-db', 'ingress');

  it('a prefix list counts as its maximum entries in its family', () => {
    expect(counts(withList({ AddressFamily: 'IPv4', MaxEntries: 20 }))).toEqual({ 4: 20, 6: 0 });
  });

  it('a prefix list whose family the snapshot does not give holds one family all the same: its entries tell which', () => {
    expect(counts(withList({ MaxEntries: 20 }))).toEqual({ 4: 20, 6: 0 });
    expect(counts(withList(null))).toEqual({ 4: 2, 6: 0 });
  });

  it('nothing known of a prefix list but its id: one rule in each family', () => {
    const snapshot = baseWorld().ingress('sg-db', tcp(443, 'pl-0a1b2c3d4e5f60718')).snapshot();
    expect(groupRuleCounts(NetworkModel.fromSnapshot(snapshot), 'sg-db', 'ingress')).toEqual({ 4: 1, 6: 1 });
  });

  it('an AWS-managed prefix list counts as its documented weight, whatever its entries or MaxEntries say', () => {
    const aws = (name: string, extra: Record<string, unknown> = {}) => counts(withList({ OwnerId: 'AWS', PrefixListName: name, ...extra }));
    expect(aws('com.amazonaws.eu-west-1.s3')).toEqual({ 4: 1, 6: 0 });
    expect(aws('com.amazonaws.eu-west-1.dynamodb', { MaxEntries: 40 })).toEqual({ 4: 1, 6: 0 });
    expect(aws('com.amazonaws.global.cloudfront.origin-facing', { AddressFamily: 'IPv4' })).toEqual({ 4: 55, 6: 0 });
    expect(aws('com.amazonaws.us-east-1.ipv6.route53-healthchecks', { AddressFamily: 'IPv6' })).toEqual({ 4: 0, 6: 25 });
    expect(aws('com.amazonaws.us-east-1.ec2-instance-connect')).toEqual({ 4: 2, 6: 0 });
    // An AWS-managed list of a service the weights do not name, and a customer's list of the same name, count as any list.
    expect(aws('com.amazonaws.us-east-1.some-new-service', { MaxEntries: 30 })).toEqual({ 4: 30, 6: 0 });
    expect(counts(withList({ OwnerId: '111122223333', PrefixListName: 'com.amazonaws.eu-west-1.s3', MaxEntries: 30 }))).toEqual({
      4: 30,
      6: 0,
    });
  });

  it('a group the snapshot does not hold, or no rules in a direction: none', () => {
    expect(groupRuleCounts(withList(null), 'sg-nowhere', 'ingress')).toEqual({ 4: 0, 6: 0 });
  });
});
