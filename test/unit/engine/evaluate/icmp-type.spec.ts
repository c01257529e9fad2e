import { describe, expect, it } from 'vitest';
import { evaluateNetworkAcl } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { IpPermission, NetworkAclEntry } from '../../../../src/engine/network/snapshot';

/*
 * AWS: in a security-group rule for ICMP, FromPort is the type and ToPort the code (-1: any); in a
 * NACL entry, IcmpTypeCode { Type, Code } (-1: any). A question that names the type (`why
 * --protocol icmp --port 8`) is decided by them; a flow-log record, which carries no type, is not.
 */
const icmp = (FromPort: number, ToPort: number, protocol = 'icmp'): IpPermission => ({
  IpProtocol: protocol,
  FromPort,
  ToPort,
  IpRanges: [{ CidrIp: '10.0.0.0/16' }],
  Ipv6Ranges: [{ CidrIpv6: '2600:1f00::/56' }],
});

const groups = (...permissions: IpPermission[]) =>
  NetworkModel.fromSnapshot({
    SecurityGroups: [{ GroupId: 'sg-x', VpcId: 'vpc-1', IpPermissions: permissions, IpPermissionsEgress: [] }],
  });

const acl = (...entries: NetworkAclEntry[]) =>
  NetworkModel.fromSnapshot({
    NetworkAcls: [
      {
        NetworkAclId: 'acl-x',
        Entries: [
          ...entries,
          { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32768, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '::/0' },
        ],
      },
    ],
  });

const icmpEntry = (RuleNumber: number, RuleAction: 'allow' | 'deny', Type: number, Code: number, Protocol = '1'): NetworkAclEntry => ({
  RuleNumber,
  Protocol,
  RuleAction,
  Egress: false,
  ...(Protocol === '58' ? { Ipv6CidrBlock: '::/0' } : { CidrBlock: '0.0.0.0/0' }),
  IcmpTypeCode: { Type, Code },
});

describe('security groups decide a question that names the ICMP type', () => {
  it.each<[string, IpPermission[], number, number | null, string, boolean | 'uncertain']>([
    ['echo request only (FromPort 8, ToPort -1): type 8 is allowed', [icmp(8, -1)], 1, 8, '10.0.1.10', true],
    ['echo request only: type 13 (timestamp) is not', [icmp(8, -1)], 1, 13, '10.0.1.10', false],
    ['echo request only: type 0 (echo reply) is not', [icmp(8, -1)], 1, 0, '10.0.1.10', false],
    ['echo request only: a flow-log record without type stays undecided', [icmp(8, -1)], 1, null, '10.0.1.10', 'uncertain'],
    ['every type (FromPort -1): any type is allowed', [icmp(-1, -1)], 1, 13, '10.0.1.10', true],
    ['type 3 code 4 only: the question names no code', [icmp(3, 4)], 1, 3, '10.0.1.10', 'uncertain'],
    ['type 3 code 4 only: another type is refused', [icmp(3, 4)], 1, 11, '10.0.1.10', false],
    ['echo request code 0: echo has no other code', [icmp(8, 0)], 1, 8, '10.0.1.10', true],
    ['the peer still has to match', [icmp(8, -1)], 1, 8, '198.51.100.1', false],
    ['ICMPv6 echo request (128) by an icmpv6 rule', [icmp(128, -1, 'icmpv6')], 58, 128, '2600:1f00::5', true],
    ['ICMPv6: an IPv4 ICMP rule does not apply', [icmp(-1, -1)], 58, 128, '2600:1f00::5', false],
    ['an all-protocols rule allows every type', [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }], 1, 13, '10.0.1.10', true],
  ])('%s', (_name, permissions, protocol, type, peer, expected) => {
    const result = evaluateSecurityGroups(groups(...permissions), ['sg-x'], 'ingress', protocol, null, peer, { vpcId: null }, type);
    expect(result.allowed).toBe(expected);
  });

  it('says why a code-specific rule cannot decide', () => {
    const result = evaluateSecurityGroups(groups(icmp(3, 4)), ['sg-x'], 'ingress', 1, null, '10.0.1.10', { vpcId: null }, 3);
    expect(result).toMatchObject({ allowed: 'uncertain', reason: expect.stringContaining('code 4') });
  });
});

describe('network ACLs decide a question that names the ICMP type', () => {
  it.each<[string, NetworkAclEntry[], number, number | null, string, object]>([
    ['allow type 8: type 8 passes at that entry', [icmpEntry(100, 'allow', 8, -1)], 1, 8, '10.0.1.10', { allowed: true, ruleNumber: 100 }],
    [
      'allow type 8: type 13 falls to the catch-all',
      [icmpEntry(100, 'allow', 8, -1)],
      1,
      13,
      '10.0.1.10',
      { allowed: false, ruleNumber: 32767 },
    ],
    [
      'a type-specific deny before an allow of every type decides its type only',
      [icmpEntry(90, 'deny', 13, -1), icmpEntry(100, 'allow', -1, -1)],
      1,
      13,
      '10.0.1.10',
      { allowed: false, ruleNumber: 90 },
    ],
    [
      'the same deny lets another type on to the allow',
      [icmpEntry(90, 'deny', 13, -1), icmpEntry(100, 'allow', -1, -1)],
      1,
      8,
      '10.0.1.10',
      { allowed: true, ruleNumber: 100 },
    ],
    [
      'without a type the entry cannot decide',
      [icmpEntry(100, 'allow', 8, -1)],
      1,
      null,
      '10.0.1.10',
      { allowed: 'uncertain', ruleNumber: 100 },
    ],
    [
      'type 3 code 1 only: undecided for type 3',
      [icmpEntry(100, 'allow', 3, 1)],
      1,
      3,
      '10.0.1.10',
      { allowed: 'uncertain', ruleNumber: 100 },
    ],
    ['echo code 0 is all of echo', [icmpEntry(100, 'allow', 8, 0)], 1, 8, '10.0.1.10', { allowed: true, ruleNumber: 100 }],
    ['ICMPv6 entry with type 128', [icmpEntry(100, 'allow', 128, -1, '58')], 58, 128, '2600:1f00::5', { allowed: true, ruleNumber: 100 }],
    [
      'ICMPv6 entry with type 128: type 135',
      [icmpEntry(100, 'allow', 128, -1, '58')],
      58,
      135,
      '2600:1f00::5',
      { allowed: false, ruleNumber: 32768 },
    ],
  ])('%s', (_name, entries, protocol, type, peer, expected) => {
    expect(evaluateNetworkAcl(acl(...entries), 'acl-x', 'ingress', protocol, null, peer, type)).toMatchObject(expected);
  });

  it('says which code a code-specific entry names', () => {
    const result = evaluateNetworkAcl(acl(icmpEntry(100, 'allow', 3, 1)), 'acl-x', 'ingress', 1, null, '10.0.1.10', 3);
    expect(result.reason).toContain('code 1');
  });
});
