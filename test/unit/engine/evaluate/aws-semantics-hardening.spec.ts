import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateNetworkAcl } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { referenceEvaluateSecurityGroups, referenceExplainFlow } from '../../../../src/engine/evaluate/reference-evaluator';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);
const inVpc1 = { vpcId: 'vpc-1' };

describe('security groups (AWS semantics)', () => {
  const sgVerdict = (groups: string[], protocol: number, port: number | null, peer: string, dir: 'ingress' | 'egress' = 'ingress') =>
    evaluateSecurityGroups(model, groups, dir, protocol, port, peer, inVpc1).allowed;
  const appGroups = [...model.securityGroupsOf('eni-app')];

  it.each<[string, string[], number, number | null, string, boolean | 'uncertain']>([
    ['16 groups on one ENI: the last one allows', appGroups, 6, 1014, '192.0.2.7', true],
    ['16 groups: none allows', appGroups, 6, 1015, '192.0.2.7', false],
    ['IpProtocol "6" with a referenced group in a peered VPC', ['sg-app'], 6, 9000, '10.9.0.10', true],
    ['IpProtocol "17" (udp by number)', ['sg-app'], 17, 8125, '10.1.0.5', true],
    ['IpProtocol "50" (ESP) has no ports', ['sg-app'], 50, null, '192.0.2.1', true],
    ['IpProtocol "58" covers ICMPv6', ['sg-app'], 58, null, '2600:1f18:1::5', true],
    ['a -1 rule of an attached group covers ICMPv6 too', ['sg-everything'], 58, null, '10.1.20.5', true],
    ['ICMP echo-only rule: uncertain for an ICMP flow from its peer', ['sg-app'], 1, null, '10.1.0.5', 'uncertain'],
    ['ICMP echo-only rule: not uncertain for a peer it does not name', ['sg-app'], 1, null, '192.0.2.1', false],
    ['an all-ICMP rule of another attached group decides', ['sg-app', 'sg-app-extra'], 1, null, '10.1.1.5', true],
    ['a -1 rule of another attached group decides', ['sg-app', 'sg-everything'], 1, null, '10.1.20.5', true],
    ['referenced group: the ALB ENI by its private IP', ['sg-app'], 6, 8080, '10.1.0.20', true],
    ["referenced group: never by the ALB ENI's Elastic IP", ['sg-app'], 6, 8080, '198.51.100.20', false],
    ['referenced group: an IPv6 address of the ALB ENI is private to the VPC', ['sg-app'], 6, 8080, '2600:1f18:1::20', true],
    ['AWS-managed prefix list without entries in the snapshot: uncertain', ['sg-app'], 6, 443, '52.218.0.1', 'uncertain'],
    ['stale reference (group deleted): private peer in the VPC nobody owns is uncertain', ['sg-app'], 6, 6443, '10.1.10.200', 'uncertain'],
    ['stale reference: internet peer never matches', ['sg-app'], 6, 6443, '192.0.2.1', false],
  ])('%s', (_name, groups, protocol, port, peer, expected) => {
    expect(sgVerdict(groups, protocol, port, peer)).toBe(expected);
  });

  it('a referenced group of a VPC peered across regions never matches (references need same-region peering)', () => {
    const crossRegion: NetworkSnapshot = {
      ...hardeningSnapshot,
      VpcPeeringConnections: [
        {
          VpcPeeringConnectionId: 'pcx-9',
          Status: { Code: 'active' },
          RequesterVpcInfo: { VpcId: 'vpc-1', Region: 'eu-west-1' },
          AccepterVpcInfo: { VpcId: 'vpc-9', Region: 'us-east-1' },
        },
      ],
    };
    const m = NetworkModel.fromSnapshot(crossRegion);
    expect(evaluateSecurityGroups(m, ['sg-app'], 'ingress', 6, 9000, '10.9.0.10', inVpc1).allowed).toBe(false);
  });
});

describe('network ACLs (AWS semantics)', () => {
  it.each<[string, 'ingress' | 'egress', number, number | null, string, boolean | 'uncertain', number]>([
    ['an explicit deny at 90 wins over the later allow 150', 'ingress', 6, 50050, '192.0.2.1', false, 90],
    ['the same range edge is inclusive', 'ingress', 6, 50100, '192.0.2.1', false, 90],
    ['one past the deny range falls to 150', 'ingress', 6, 50101, '192.0.2.1', true, 150],
    ['IPv4 entries never match IPv6: IPv6 port 50050 skips 90 and 150, ends at 32768', 'ingress', 6, 50050, '2001:db8::1', false, 32768],
    ['IPv6 entry 110 matches IPv6 443', 'ingress', 6, 443, '2001:db8::1', true, 110],
    ['ICMP all types from 10/8 (rule 120)', 'ingress', 1, null, '10.2.3.4', true, 120],
    ['ICMP type-specific rule 130 for others: uncertain', 'ingress', 1, null, '192.0.2.1', 'uncertain', 130],
    ['udp 53 from the VPC', 'ingress', 17, 53, '10.1.10.11', true, 140],
    ['udp 53 from outside the VPC: catch-all', 'ingress', 17, 53, '192.0.2.1', false, 32767],
    ['protocol -1 entry allows any protocol', 'egress', 47, null, '192.0.2.1', true, 100],
  ])('%s', (_name, dir, protocol, port, peer, allowed, ruleNumber) => {
    expect(evaluateNetworkAcl(model, 'acl-web', dir, protocol, port, peer)).toMatchObject({ allowed, ruleNumber });
  });

  it("a subnet without an explicit association uses its VPC's default NACL, exactly one", () => {
    expect(model.networkAclIdForSubnet('subnet-app')).toBe('acl-default');
    expect(model.networkAclIdForSubnet('subnet-web-b')).toBe('acl-web');
  });
});

describe('explainFlow (AWS semantics)', () => {
  const explain = (fields: Partial<FlowAggregate>, accepted: FlowAggregate[] = []) =>
    explainFlow(model, flowOf(fields), { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) });

  it.each<[string, Partial<FlowAggregate>, object]>([
    [
      'inbound to a secondary private IP is ingress',
      { srcaddr: '192.0.2.9', dstaddr: '10.1.10.99', srcport: 40000, dstport: 22 },
      { direction: 'ingress', verdict: 'blocked' },
    ],
    [
      'inbound to an address of a delegated prefix is ingress',
      { srcaddr: '192.0.2.9', dstaddr: '10.1.10.70', srcport: 40000, dstport: 22 },
      { direction: 'ingress', verdict: 'blocked' },
    ],
    [
      'outbound from the IPv6 address is egress',
      { srcaddr: '2600:1f18:1:a::11', dstaddr: '2001:db8::5', srcport: 40000, dstport: 443 },
      { direction: 'egress' },
    ],
    [
      'inbound to the Elastic IP (public address of the ENI) is ingress',
      { srcaddr: '192.0.2.9', dstaddr: '198.51.100.11', srcport: 40000, dstport: 22 },
      { direction: 'ingress' },
    ],
    [
      "NAT gateway ENI, leg from the instance: ingress (dstaddr is the NAT's private IP)",
      { interfaceId: 'eni-nat', srcaddr: '10.1.10.11', dstaddr: '10.1.0.100', srcport: 40000, dstport: 443 },
      { direction: 'ingress', verdict: 'allowed' },
    ],
    [
      "NAT gateway ENI, leg to the internet: egress from the NAT's private IP",
      { interfaceId: 'eni-nat', srcaddr: '10.1.0.100', dstaddr: '203.0.113.5', srcport: 40000, dstport: 443 },
      { direction: 'egress', verdict: 'allowed' },
    ],
    [
      'NAT gateway ENI, reply into a port the NACL denies (rule 90): only the NACL blocks',
      { interfaceId: 'eni-nat', srcaddr: '203.0.113.5', dstaddr: '10.1.0.100', srcport: 443, dstport: 50010, tcpFlags: 18 },
      {
        direction: 'ingress',
        verdict: 'blocked',
        returnTraffic: true,
        blockedBy: [{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-web', ruleNumber: 90 }],
      },
    ],
    [
      "tcp-flags 19 (SYN-ACK + FIN) is the responder's side",
      { interfaceId: 'eni-alb-a', srcaddr: '203.0.113.5', dstaddr: '10.1.0.20', srcport: 443, dstport: 50010, tcpFlags: 19 },
      { returnTraffic: true, blockedBy: [{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-web', ruleNumber: 90 }] },
    ],
    [
      "tcp-flags 3 (SYN + FIN) is the initiator's side: the SG is asked",
      { interfaceId: 'eni-alb-a', srcaddr: '203.0.113.5', dstaddr: '10.1.0.20', srcport: 443, dstport: 50010, tcpFlags: 3 },
      {
        returnTraffic: false,
        blockedBy: [
          { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-web', ruleNumber: 90 },
          { control: 'security-group', direction: 'ingress', groupIds: ['sg-alb'] },
        ],
      },
    ],
    [
      'same subnet: NACL skipped, SG decides',
      { interfaceId: 'eni-alb-a', srcaddr: '10.1.0.77', dstaddr: '10.1.0.20', srcport: 40000, dstport: 22 },
      { verdict: 'blocked', blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-alb'] }] },
    ],
    [
      "different subnets: only the capturing ENI's NACL, in the record's direction",
      { interfaceId: 'eni-db', srcaddr: '10.1.10.11', dstaddr: '10.1.20.10', srcport: 40000, dstport: 6379 },
      {
        verdict: 'blocked',
        direction: 'ingress',
        blockedBy: [
          { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-db', ruleNumber: 32767 },
          { control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] },
        ],
      },
    ],
    [
      'egress path order: SG then NACL',
      { interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '192.0.2.1', srcport: 40000, dstport: 25 },
      {
        verdict: 'blocked',
        direction: 'egress',
        blockedBy: [
          { control: 'security-group', direction: 'egress', groupIds: ['sg-db'] },
          { control: 'network-acl', direction: 'egress', networkAclId: 'acl-db', ruleNumber: 32767 },
        ],
      },
    ],
    [
      'BPA reject-reason is Block Public Access',
      { interfaceId: 'eni-alb-a', srcaddr: '203.0.113.5', dstaddr: '10.1.0.20', srcport: 40000, dstport: 443, rejectReason: 'BPA' },
      { verdict: 'blocked', blockedBy: [{ control: 'block-public-access', direction: 'ingress' }] },
    ],
    [
      'return traffic is never an SG block: a reply the db SG would not allow is only a NACL matter',
      { interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.0.20', srcport: 5432, dstport: 40000, tcpFlags: 18 },
      {
        verdict: 'blocked',
        returnTraffic: true,
        blockedBy: [{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-db', ruleNumber: 32767 }],
      },
    ],
    [
      'ENI in another account (not in the snapshot): unknown',
      { interfaceId: 'eni-elsewhere', srcaddr: '10.1.10.11', dstaddr: '10.1.99.9', srcport: 40000, dstport: 443 },
      { verdict: 'unknown' },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(explain(fields)).toMatchObject(expected);
  });

  describe('an interface whose groups the snapshot does not list', () => {
    // DescribeNetworkInterfaces always prints `Groups` (`[]` for a NAT gateway's interface); a
    // snapshot without it (hand-written, or cut by a --query) does not say the interface has none.
    const withoutGroups = (eniId: string) =>
      NetworkModel.fromSnapshot({
        ...hardeningSnapshot,
        NetworkInterfaces: (hardeningSnapshot.NetworkInterfaces ?? []).map((eni) => {
          if (eni.NetworkInterfaceId !== eniId) return eni;
          const { Groups: _groups, ...rest } = eni;
          return rest;
        }),
      });

    it('is unknown, not allowed: its security groups may refuse the flow', () => {
      const verdict = explainFlow(
        withoutGroups('eni-app'),
        flowOf({ srcaddr: '192.0.2.9', dstaddr: '10.1.10.11', srcport: 40000, dstport: 22 }),
      );
      expect(verdict).toMatchObject({ verdict: 'unknown', direction: 'ingress', blockedBy: [] });
      expect(verdict.reason).toMatch(/no Groups for eni-app/);
      const { Groups: _groups, ...app } = hardeningSnapshot.NetworkInterfaces!.find((e) => e.NetworkInterfaceId === 'eni-app')!;
      const snapshot = { ...hardeningSnapshot, NetworkInterfaces: [app] };
      expect(
        referenceExplainFlow(snapshot, flowOf({ srcaddr: '192.0.2.9', dstaddr: '10.1.10.11', srcport: 40000, dstport: 22 })),
      ).toMatchObject({
        verdict: 'unknown',
      });
    });

    it('is blocked when its NACL denies the flow whatever the groups do', () => {
      const verdict = explainFlow(
        withoutGroups('eni-db'),
        flowOf({ interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.0.20', srcport: 5432, dstport: 41000, tcpFlags: 2 }),
      );
      expect(verdict).toMatchObject({ verdict: 'blocked', blockedBy: [{ control: 'network-acl', networkAclId: 'acl-db' }] });
    });

    it('a group reference to its private address is undecided: it may carry the group', () => {
      // sg-app admits sg-alb on 8080; eni-alb-a holds 10.1.0.20, its groups are not listed.
      const result = evaluateSecurityGroups(withoutGroups('eni-alb-a'), ['sg-app'], 'ingress', 6, 8080, '10.1.0.20', inVpc1);
      expect(result).toMatchObject({ allowed: 'uncertain' });
      expect(result.allowed === 'uncertain' && result.reason).toMatch(/no Groups for eni-alb-a.*whether 10\.1\.0\.20 carries sg-alb/);
      const { Groups: _groups, ...alb } = hardeningSnapshot.NetworkInterfaces!.find((e) => e.NetworkInterfaceId === 'eni-alb-a')!;
      const others = hardeningSnapshot.NetworkInterfaces!.filter((e) => e.NetworkInterfaceId !== 'eni-alb-a');
      const snapshot = { ...hardeningSnapshot, NetworkInterfaces: [...others, alb] };
      expect(referenceEvaluateSecurityGroups(snapshot, ['sg-app'], 'ingress', 6, 8080, '10.1.0.20', 'vpc-1')).toBe('uncertain');
    });

    it("a NAT gateway's interface has no groups to list: the NACL alone decides", () => {
      const verdict = explainFlow(
        withoutGroups('eni-nat'),
        flowOf({ interfaceId: 'eni-nat', srcaddr: '10.1.10.11', dstaddr: '10.1.0.100', srcport: 40000, dstport: 443 }),
      );
      expect(verdict).toMatchObject({ verdict: 'allowed', direction: 'ingress' });
    });
  });

  it("the initiator's packets are never return traffic, even when the reverse flow was accepted earlier", () => {
    // app opened connections to the db in the morning (replies ACCEPTed at the app ENI); later the
    // app's requests are REJECTed. The reverse-accept signal must not turn the requests into
    // "return traffic", or the SG would never be asked.
    const replies = flowOf({
      srcaddr: '10.1.20.10',
      dstaddr: '10.1.10.11',
      srcport: 5432,
      dstport: 41000,
      action: 'ACCEPT',
      servicePortSide: 'src',
      ephemeralPortMin: 41000,
      ephemeralPortMax: 41000,
    });
    const request = { srcaddr: '10.1.10.11', dstaddr: '10.1.20.10', srcport: 41000, dstport: 5432, servicePortSide: 'dst' as const };
    const verdict = explain(request, [replies]);
    expect(verdict.returnTraffic).toBe(false);
    expect(referenceExplainFlow(hardeningSnapshot, flowOf(request), [replies]).returnTraffic).toBe(false);
  });

  it("the responder's packets are return traffic when the reverse flow was accepted", () => {
    const requests = flowOf({
      interfaceId: 'eni-db',
      srcaddr: '10.1.0.20',
      dstaddr: '10.1.20.10',
      srcport: 41000,
      dstport: 5432,
      action: 'ACCEPT',
    });
    expect(
      explain({ interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.0.20', srcport: 5432, dstport: 41000 }, [requests]),
    ).toMatchObject({ returnTraffic: true, blockedBy: [{ control: 'network-acl', networkAclId: 'acl-db' }] });
  });

  it.each<[string, Partial<FlowAggregate>]>([
    ['instance metadata 169.254.169.254', { srcaddr: '10.1.10.11', dstaddr: '169.254.169.254', srcport: 40000, dstport: 80 }],
    ['instance metadata over IPv6 fd00:ec2::254', { srcaddr: '2600:1f18:1:a::11', dstaddr: 'fd00:ec2::254', srcport: 40000, dstport: 80 }],
    ['Amazon Time Sync 169.254.169.123', { srcaddr: '10.1.10.11', dstaddr: '169.254.169.123', srcport: 40000, dstport: 123, protocol: 17 }],
    ['Route 53 Resolver at the VPC base + 2', { srcaddr: '10.1.10.11', dstaddr: '10.1.0.2', srcport: 40000, dstport: 53, protocol: 17 }],
    ['Amazon DNS 169.254.169.253', { srcaddr: '10.1.10.11', dstaddr: '169.254.169.253', srcport: 40000, dstport: 53, protocol: 17 }],
    ["the subnet's VPC router (base + 1)", { srcaddr: '10.1.10.11', dstaddr: '10.1.10.1', protocol: 1 }],
    ['DHCP', { srcaddr: '10.1.10.11', dstaddr: '10.1.10.1', srcport: 68, dstport: 67, protocol: 17 }],
    ['Windows licence activation 169.254.169.250', { srcaddr: '10.1.10.11', dstaddr: '169.254.169.250', srcport: 40000, dstport: 1688 }],
  ])('traffic that security groups and NACLs never filter is undecided, not blocked: %s', (_name, fields) => {
    const verdict = explain(fields);
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/not filtered by security groups or network ACLs/);
    const { reason: _r, ...reference } = referenceExplainFlow(hardeningSnapshot, flowOf(fields));
    const { reason: _f, ...fast } = verdict;
    expect(fast).toEqual(reference);
  });
});
