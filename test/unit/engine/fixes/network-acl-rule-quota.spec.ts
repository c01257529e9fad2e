import { describe, expect, it } from 'vitest';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import {
  DEFAULT_RULES_PER_NETWORK_ACL,
  networkAclRuleCounts,
  networkAclRuleQuota,
  networkAclRuleQuotaRisk,
} from '../../../../src/engine/fixes/network-acl-rule-quota';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { OPEN, allow, baseWorld, deny } from '../../../support/factories/scenario-network';
import { networkAclRuleQuotaNotRead, networkAclRuleQuotaOf, ruleQuotaNotRead, ruleQuotaOf } from '../../../support/factories/service-quota';

/** A CreateNetworkAclEntry allowing TCP 5432 at `RuleNumber` of acl-data, from an IPv4 or IPv6 block. */
const entry = (RuleNumber: number, cidr: string, Egress = false, NetworkAclId = 'acl-data'): FixChange => ({
  action: 'CreateNetworkAclEntry',
  params: {
    NetworkAclId,
    RuleNumber,
    Protocol: '6',
    RuleAction: 'allow',
    Egress,
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    PortRange: { From: 5432, To: 5432 },
  },
});

/** `n` numbered inbound IPv4 entries (10, 20, …), SSH from networks elsewhere. */
const numbered = (n: number) => Array.from({ length: n }, (_, i) => allow(10 * (i + 1), `10.9.${i}.0/24`, '6', [22, 22]));
const modelWith = (inbound: ReturnType<typeof allow>[]) => NetworkModel.fromSnapshot(baseWorld().acl('acl-data', inbound, OPEN).snapshot());

describe('networkAclRuleCounts', () => {
  it('counts the numbered entries of the direction, per family, and each family’s catch-all deny', () => {
    const model = modelWith([...numbered(3), allow(200, '2600:1f18:aaaa:bb04::/64'), deny(5, '::/0', '17', [53, 53])]);
    expect(networkAclRuleCounts(model, 'acl-data', false)).toEqual({ 4: 4, 6: 3 });
    // OPEN outbound: 100 (IPv4) and 101 (IPv6), and the catch-alls.
    expect(networkAclRuleCounts(model, 'acl-data', true)).toEqual({ 4: 2, 6: 2 });
  });

  it('counts the catch-all a snapshot leaves out', () => {
    const snapshot = baseWorld().acl('acl-data', numbered(2), OPEN).snapshot();
    for (const acl of snapshot.NetworkAcls ?? []) acl.Entries = acl.Entries?.filter((e) => e.RuleNumber < 32767);
    expect(networkAclRuleCounts(NetworkModel.fromSnapshot(snapshot), 'acl-data', false)).toEqual({ 4: 3, 6: 1 });
  });
});

describe('networkAclRuleCounts: the IPv6 catch-all only where the NACL has one', () => {
  /**
   * acl-v4 of an IPv4-only VPC (no IPv6 block: AWS adds no rule 32768, DescribeNetworkAcls lists
   * only 32767 each way), `inbound` numbered, everything allowed out.
   */
  const ipv4Only = (inbound: ReturnType<typeof allow>[], edit: (s: NetworkSnapshot) => void = () => {}) => {
    const snapshot = baseWorld()
      .vpc('vpc-v4', '10.8.0.0/16')
      .subnet('subnet-v4', 'vpc-v4', '10.8.1.0/24')
      .acl('acl-v4', inbound, [allow(100, '0.0.0.0/0')], ['subnet-v4'])
      .snapshot();
    const acl = snapshot.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-v4')!;
    acl.Entries = acl.Entries!.filter((e) => e.RuleNumber !== 32768);
    edit(snapshot);
    return NetworkModel.fromSnapshot(snapshot);
  };

  it('a NACL of a VPC without an IPv6 block holds no IPv6 rule: only the IPv4 catch-all is counted, each way', () => {
    const model = ipv4Only(numbered(3));
    expect(networkAclRuleCounts(model, 'acl-v4', false)).toEqual({ 4: 4, 6: 0 });
    expect(networkAclRuleCounts(model, 'acl-v4', true)).toEqual({ 4: 2, 6: 0 });
  });

  it('the IPv4 catch-all is counted even where the snapshot leaves it out: every NACL has it', () => {
    const model = ipv4Only(numbered(3), (s) => {
      const acl = s.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-v4')!;
      acl.Entries = acl.Entries!.filter((e) => e.RuleNumber < 32767);
    });
    expect(networkAclRuleCounts(model, 'acl-v4', false)).toEqual({ 4: 4, 6: 0 });
  });

  it('a listed rule 32768 is counted in its direction, whatever the snapshot says of the VPC', () => {
    const model = ipv4Only(numbered(1), (s) => {
      const acl = s.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-v4')!;
      acl.Entries!.push({ RuleNumber: 32768, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '::/0' });
    });
    expect(networkAclRuleCounts(model, 'acl-v4', false)).toEqual({ 4: 2, 6: 1 });
    expect(networkAclRuleCounts(model, 'acl-v4', true)).toEqual({ 4: 2, 6: 0 });
  });

  it('an IPv6 side with no catch-all reaches the quota one entry later', () => {
    const ipv6 = Array.from({ length: 19 }, (_, i) => allow(10 * (i + 1), `2600:1f18:aaaa:ee${10 + i}::/64`, '6', [22, 22]));
    const model = ipv4Only(ipv6);
    const first = entry(300, '2600:1f18:aaaa:bb04::20/128', false, 'acl-v4');
    expect(networkAclRuleQuotaRisk(model, [first])).toBeNull();
    const second = entry(310, '2600:1f18:aaaa:bb04::21/128', false, 'acl-v4');
    expect(networkAclRuleQuotaRisk(model, [first, second])?.message).toContain('acl-v4 would hold 21 inbound IPv6 rules');
  });
});

describe('networkAclRuleQuota', () => {
  it('is EC2’s default without the account’s quota, and the rules-per-group quota is not it', () => {
    const model = NetworkModel.fromSnapshot(baseWorld().serviceQuota(ruleQuotaOf(200)).snapshot());
    expect(networkAclRuleQuota(model, 'acl-data')).toEqual({ value: DEFAULT_RULES_PER_NETWORK_ACL, source: 'default' });
  });

  it('is the smallest quota of the NACL’s account', () => {
    const model = NetworkModel.fromSnapshot(
      baseWorld()
        .serviceQuota(networkAclRuleQuotaOf(40, { region: 'eu-west-1' }))
        .serviceQuota(networkAclRuleQuotaOf(30))
        .serviceQuota(networkAclRuleQuotaOf(25, { account: '444455556666' }))
        .snapshot(),
    );
    expect(networkAclRuleQuota(model, 'acl-data')).toEqual({ value: 30, source: 'account' });
  });
});

describe('networkAclRuleQuotaRisk', () => {
  it('an entry that fits: no risk; the nineteenth numbered entry takes it to twenty with the catch-all, still none', () => {
    expect(networkAclRuleQuotaRisk(modelWith(numbered(18)), [entry(300, '10.0.4.20/32')])).toBeNull();
  });

  it('two entries to one NACL and direction add up: told once, naming the NACL', () => {
    const risk = networkAclRuleQuotaRisk(modelWith(numbered(18)), [entry(300, '10.0.4.20/32'), entry(310, '10.0.4.21/32')]);
    expect(risk).toMatchObject({ kind: 'rule-quota', networkAclIds: ['acl-data'] });
    expect(risk?.message).toBe(
      "acl-data would hold 21 inbound IPv4 rules: past EC2's default quota of 20 per network ACL, CreateNetworkAclEntry fails with NetworkAclEntryLimitExceeded unless the Region's quota was raised",
    );
  });

  it('held to the default because reading the quota failed: says so, with the call, the error and where', () => {
    const snapshot = baseWorld().acl('acl-data', numbered(19), OPEN).snapshot();
    snapshot.NotRead = [ruleQuotaNotRead('AccessDeniedException'), networkAclRuleQuotaNotRead('NoSuchResourceException')];
    const model = NetworkModel.fromSnapshot(snapshot);
    expect(networkAclRuleQuota(model, 'acl-data')).toEqual({
      value: DEFAULT_RULES_PER_NETWORK_ACL,
      source: 'default',
      notRead: networkAclRuleQuotaNotRead('NoSuchResourceException'),
    });
    expect(networkAclRuleQuotaRisk(model, [entry(300, '10.0.4.20/32')])?.message).toBe(
      "acl-data would hold 21 inbound IPv4 rules: past EC2's default quota of 20 per network ACL, CreateNetworkAclEntry fails with NetworkAclEntryLimitExceeded " +
        "unless the Region's quota was raised, which the snapshot does not show: servicequotas:GetServiceQuota failed (NoSuchResourceException) in account 111122223333, eu-west-1",
    );
  });

  it('a failed read of another account’s quota, or of the group quota alone, is not this NACL’s', () => {
    const snapshot = baseWorld().acl('acl-data', numbered(19), OPEN).snapshot();
    snapshot.NotRead = [
      ruleQuotaNotRead('AccessDeniedException'),
      networkAclRuleQuotaNotRead('AccessDeniedException', { account: '444455556666' }),
    ];
    const model = NetworkModel.fromSnapshot(snapshot);
    expect(networkAclRuleQuota(model, 'acl-data')).toEqual({ value: DEFAULT_RULES_PER_NETWORK_ACL, source: 'default' });
    expect(networkAclRuleQuotaRisk(model, [entry(300, '10.0.4.20/32')])?.message).toMatch(/unless the Region's quota was raised$/);
  });

  it('each direction and family apart: a full inbound IPv4 side takes an IPv6 entry and an outbound one', () => {
    const model = modelWith(numbered(19));
    expect(networkAclRuleQuotaRisk(model, [entry(300, '2600:1f18:aaaa:bb04::20/128'), entry(300, '10.0.4.20/32', true)])).toBeNull();
  });

  it('a replaced entry keeps its place: no risk', () => {
    const replace: FixChange = { ...entry(10, '10.0.4.20/32'), action: 'ReplaceNetworkAclEntry' };
    expect(networkAclRuleQuotaRisk(modelWith(numbered(19)), [replace])).toBeNull();
  });
});
