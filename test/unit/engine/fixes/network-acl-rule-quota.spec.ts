import { describe, expect, it } from 'vitest';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import {
  DEFAULT_RULES_PER_NETWORK_ACL,
  networkAclRuleCounts,
  networkAclRuleQuota,
  networkAclRuleQuotaRisk,
} from '../../../../src/engine/fixes/network-acl-rule-quota';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { OPEN, allow, baseWorld, deny } from '../../../support/factories/scenario-network';
import { networkAclRuleQuotaOf, ruleQuotaOf } from '../../../support/factories/service-quota';

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

  it('each direction and family apart: a full inbound IPv4 side takes an IPv6 entry and an outbound one', () => {
    const model = modelWith(numbered(19));
    expect(networkAclRuleQuotaRisk(model, [entry(300, '2600:1f18:aaaa:bb04::20/128'), entry(300, '10.0.4.20/32', true)])).toBeNull();
  });

  it('a replaced entry keeps its place: no risk', () => {
    const replace: FixChange = { ...entry(10, '10.0.4.20/32'), action: 'ReplaceNetworkAclEntry' };
    expect(networkAclRuleQuotaRisk(modelWith(numbered(19)), [replace])).toBeNull();
  });
});
