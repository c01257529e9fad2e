import { describe, expect, it } from 'vitest';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import {
  DEFAULT_RULES_PER_GROUP,
  groupHasRoom,
  groupRuleCounts,
  groupRuleQuota,
  ruleQuotaRisk,
} from '../../../../src/engine/fixes/group-rule-quota';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot, ServiceQuota } from '../../../../src/engine/network/snapshot';
import { mergeSnapshots } from '../../../../src/engine/network/snapshot-loader';
import { baseWorld, tcp } from '../../../support/factories/scenario-network';
import {
  groupsPerInterfaceQuotaOf,
  networkAclRuleQuotaNotRead,
  ruleQuotaNotRead,
  ruleQuotaOf,
} from '../../../support/factories/service-quota';

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

/**
 * The quota is adjustable per account and Region in Service Quotas (vpc L-0EA8095F): a snapshot
 * that carries it (`ServiceQuotas`, from a live read or `aws service-quotas get-service-quota` as
 * one more file) is held to it, one without to EC2's default.
 */
describe('the rule quota the account has (Service Quotas L-0EA8095F)', () => {
  const OTHER = '444455556666';
  /** sg-db at sixty inbound IPv4 rules, sg-peer (another account's) at sixty too, with the quotas given. */
  const model = (...quotas: ServiceQuota[]) => {
    const world = baseWorld()
      .ingress('sg-db', ...Array.from({ length: DEFAULT_RULES_PER_GROUP }, (_, i) => tcp(10000 + i, '10.9.0.0/16')))
      .group(
        'sg-peer',
        'vpc-main',
        Array.from({ length: DEFAULT_RULES_PER_GROUP }, (_, i) => tcp(10000 + i, '10.9.0.0/16')),
        undefined,
        OTHER,
      );
    return NetworkModel.fromSnapshot(mergeSnapshots([{ ...world.json(), ...(quotas.length ? { ServiceQuotas: quotas } : {}) }]));
  };
  const one = { 4: 1, 6: 0 };
  const onPeer = (...cidrs: string[]): FixChange => ({ ...ingress(...cidrs), params: { ...ingress(...cidrs).params, GroupId: 'sg-peer' } });

  it('without one, EC2’s default: a group at sixty has no room, and the risk says so in the words it always had', () => {
    const plain = model();
    expect(groupRuleQuota(plain, 'sg-db')).toEqual({ value: 60, source: 'default' });
    expect(groupHasRoom(plain, 'sg-db', 'ingress', one)).toBe(false);
    expect(ruleQuotaRisk(plain, [ingress('198.51.100.23/32')])?.message).toBe(
      "sg-db would hold 61 inbound IPv4 rules: past EC2's default quota of 60 per group, AuthorizeSecurityGroupIngress fails with RulesPerSecurityGroupLimitExceeded unless the Region's quota was raised",
    );
  });

  it('raised to 200: the group at sixty has room, no risk; past 200 the risk names the account’s quota', () => {
    const raised = model(ruleQuotaOf(200));
    expect(groupRuleQuota(raised, 'sg-db')).toEqual({ value: 200, source: 'account' });
    expect(groupHasRoom(raised, 'sg-db', 'ingress', one)).toBe(true);
    expect(groupHasRoom(raised, 'sg-db', 'ingress', { 4: 140, 6: 0 })).toBe(true);
    expect(groupHasRoom(raised, 'sg-db', 'ingress', { 4: 141, 6: 0 })).toBe(false);
    expect(ruleQuotaRisk(raised, [ingress('198.51.100.23/32')])).toBeNull();
    const many = Array.from({ length: 141 }, (_, i) => `198.51.${100 + Math.floor(i / 100)}.${i % 100}/32`);
    const risk = ruleQuotaRisk(raised, [ingress(...many)]);
    expect(risk).toMatchObject({ kind: 'rule-quota', groupIds: ['sg-db'] });
    expect(risk?.message).toBe(
      "sg-db would hold 201 inbound IPv4 rules: past the account's quota of 200 per group (Service Quotas L-0EA8095F), AuthorizeSecurityGroupIngress fails with RulesPerSecurityGroupLimitExceeded",
    );
  });

  it('per account: the quota of the group’s owner, and EC2’s default for a group whose account has none', () => {
    const raised = model(ruleQuotaOf(200));
    expect(groupRuleQuota(raised, 'sg-peer')).toEqual({ value: 60, source: 'default' });
    expect(groupHasRoom(raised, 'sg-peer', 'ingress', one)).toBe(false);
    const both = model(ruleQuotaOf(200), ruleQuotaOf(100, { account: OTHER }));
    expect(groupRuleQuota(both, 'sg-peer')).toEqual({ value: 100, source: 'account' });
    expect(groupHasRoom(both, 'sg-peer', 'ingress', one)).toBe(true);
    // One risk for two groups held to different quotas says which quota each is past.
    const past = model(ruleQuotaOf(60));
    const risk = ruleQuotaRisk(past, [ingress('198.51.100.23/32'), onPeer('198.51.100.23/32')]);
    expect(risk?.groupIds).toEqual(['sg-db', 'sg-peer']);
    expect(risk?.message).toBe(
      "sg-db would hold 61 inbound IPv4 rules: past the account's quota of 60 per group (Service Quotas L-0EA8095F); " +
        "sg-peer would hold 61 inbound IPv4 rules: past EC2's default quota of 60 per group, " +
        "AuthorizeSecurityGroupIngress fails with RulesPerSecurityGroupLimitExceeded unless the Region's quota was raised",
    );
  });

  it('held to the default because reading the quota was refused: the risk names the call, the error and where', () => {
    const snapshot = model().snapshot;
    const refused = NetworkModel.fromSnapshot({ ...snapshot, NotRead: [ruleQuotaNotRead('AccessDeniedException')] });
    expect(groupRuleQuota(refused, 'sg-db')).toEqual({ value: 60, source: 'default', notRead: ruleQuotaNotRead('AccessDeniedException') });
    expect(ruleQuotaRisk(refused, [ingress('198.51.100.23/32')])?.message).toBe(
      "sg-db would hold 61 inbound IPv4 rules: past EC2's default quota of 60 per group, AuthorizeSecurityGroupIngress fails with RulesPerSecurityGroupLimitExceeded " +
        "unless the Region's quota was raised, which the snapshot does not show: servicequotas:GetServiceQuota failed (AccessDeniedException) in account 111122223333, eu-west-1",
    );
    // The NACL quota's failure, or another account's, is not this group's.
    const others = NetworkModel.fromSnapshot({
      ...snapshot,
      NotRead: [networkAclRuleQuotaNotRead('AccessDeniedException'), ruleQuotaNotRead('AccessDeniedException', { account: OTHER })],
    });
    expect(groupRuleQuota(others, 'sg-db')).toEqual({ value: 60, source: 'default' });
    expect(groupRuleQuota(others, 'sg-peer')).toEqual({
      value: 60,
      source: 'default',
      notRead: ruleQuotaNotRead('AccessDeniedException', { account: OTHER }),
    });
  });

  it('several Regions of one account: the smallest, the one a rule fits in wherever the group is', () => {
    const regions = model(ruleQuotaOf(200, { region: 'eu-west-1' }), ruleQuotaOf(120, { region: 'us-east-1' }));
    expect(groupRuleQuota(regions, 'sg-db')).toEqual({ value: 120, source: 'account' });
  });

  it('an entry whose ARN names no account holds every group; other quotas of the service are not this one', () => {
    const { QuotaArn: _arn, ...noArn } = ruleQuotaOf(150);
    const unowned = model(noArn, groupsPerInterfaceQuotaOf(16));
    expect(groupRuleQuota(unowned, 'sg-db')).toEqual({ value: 150, source: 'account' });
    expect(groupRuleQuota(unowned, 'sg-peer')).toEqual({ value: 150, source: 'account' });
    const badArn = model({ ...ruleQuotaOf(150), QuotaArn: 'arn:aws:servicequotas:eu-west-1::vpc/L-0EA8095F' }, ruleQuotaOf(100));
    expect(groupRuleQuota(badArn, 'sg-db')).toEqual({ value: 100, source: 'account' });
    expect(groupRuleQuota(badArn, 'sg-peer')).toEqual({ value: 150, source: 'account' });
    expect(groupRuleQuota(model(groupsPerInterfaceQuotaOf(16)), 'sg-db')).toEqual({ value: 60, source: 'default' });
  });

  it('a group the snapshot gives no owner is held to the smallest quota the snapshot has', () => {
    const snapshot = mergeSnapshots([
      { ...baseWorld().json(), ServiceQuotas: [ruleQuotaOf(200), ruleQuotaOf(90, { account: OTHER })] },
    ]) as NetworkSnapshot;
    delete snapshot.SecurityGroups?.find((g) => g.GroupId === 'sg-db')?.OwnerId;
    expect(groupRuleQuota(NetworkModel.fromSnapshot(snapshot), 'sg-db')).toEqual({ value: 90, source: 'account' });
  });
});
