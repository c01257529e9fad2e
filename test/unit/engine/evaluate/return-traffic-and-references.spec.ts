import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const inVpc1 = { vpcId: 'vpc-1' };

/** explainFlow and the reference evaluator on the same input: they must agree, then the verdict is checked. */
function explainBoth(snapshot: NetworkSnapshot, fields: Partial<FlowAggregate>, accepted: FlowAggregate[] = []): FlowVerdict {
  const flow = flowOf(fields);
  const verdict = explainFlow(NetworkModel.fromSnapshot(snapshot), flow, { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) });
  const { reason: _r, ...reference } = referenceExplainFlow(snapshot, flow, accepted);
  const { reason: _f, ...fast } = verdict;
  expect(fast).toEqual(reference);
  return verdict;
}

describe('a group reference and an address no interface of the snapshot owns', () => {
  // sg-app allows tcp/8080 from members of sg-alb. 10.1.0.200 lies in subnet-web (in the snapshot) and
  // no interface has it: nothing there carries sg-alb.
  const fromUnowned = { srcaddr: '10.1.0.200', dstaddr: '10.1.10.11', srcport: 40000, dstport: 8080 };

  it('the group denies when the snapshot holds every interface of the subnet the address lies in', () => {
    const model = NetworkModel.fromSnapshot(hardeningSnapshot);
    expect(evaluateSecurityGroups(model, ['sg-app'], 'ingress', 6, 8080, '10.1.0.200', inVpc1)).toEqual({ allowed: false });
    expect(explainBoth(hardeningSnapshot, fromUnowned)).toMatchObject({
      verdict: 'blocked',
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: [...model.securityGroupsOf('eni-app')] }],
    });
  });

  it('uncertain when the address lies in the VPC but in no subnet of the snapshot (a scoped snapshot)', () => {
    const verdict = explainBoth(hardeningSnapshot, { ...fromUnowned, srcaddr: '10.1.200.5' });
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/no subnet of the snapshot/);
  });

  it("uncertain when the subnet is shared by another account (its interfaces are not in this account's snapshot)", () => {
    const shared: NetworkSnapshot = {
      ...hardeningSnapshot,
      Subnets: hardeningSnapshot.Subnets!.map((s) => (s.SubnetId === 'subnet-web' ? { ...s, OwnerId: '222222222222' } : s)),
      SecurityGroups: hardeningSnapshot.SecurityGroups!.map((g) => ({ ...g, OwnerId: '111111111111' })),
    };
    const verdict = explainBoth(shared, fromUnowned);
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/subnet-web is shared by account 222222222222/);
  });

  it('uncertain when the address lies in a peered VPC the snapshot does not cover', () => {
    const peered: NetworkSnapshot = {
      ...hardeningSnapshot,
      VpcPeeringConnections: [
        ...hardeningSnapshot.VpcPeeringConnections!,
        {
          VpcPeeringConnectionId: 'pcx-7',
          Status: { Code: 'active' },
          RequesterVpcInfo: { VpcId: 'vpc-1', Region: 'eu-west-1' },
          AccepterVpcInfo: { VpcId: 'vpc-7', Region: 'eu-west-1', CidrBlock: '10.7.0.0/16' },
        },
      ],
    };
    const verdict = explainBoth(peered, { ...fromUnowned, srcaddr: '10.7.0.5' });
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/vpc-7, a peered VPC the snapshot does not cover/);
  });

  // A VPC's IPv6 block is Amazon's global space and a VPC may use a publicly routable IPv4 block:
  // such an address is still one of the VPC's, not an internet address that can carry no group.
  it.each([
    ['an IPv6 address of a peered VPC the snapshot does not cover', '2600:1f18:7::5', '2600:1f18:1:a::11', /vpc-7, a peered VPC/],
    ['an address of a peered VPC in public IPv4 space', '52.94.7.5', '10.1.10.11', /vpc-7, a peered VPC/],
    [
      "an IPv6 address of the VPC's own block in no subnet of the snapshot",
      '2600:1f18:1:ff::5',
      '2600:1f18:1:a::11',
      /no subnet of the snapshot/,
    ],
  ])('uncertain for %s', (_name, srcaddr, dstaddr, reason) => {
    const peered: NetworkSnapshot = {
      ...hardeningSnapshot,
      VpcPeeringConnections: [
        ...hardeningSnapshot.VpcPeeringConnections!,
        {
          VpcPeeringConnectionId: 'pcx-7',
          Status: { Code: 'active' },
          RequesterVpcInfo: { VpcId: 'vpc-1', Region: 'eu-west-1' },
          AccepterVpcInfo: {
            VpcId: 'vpc-7',
            Region: 'eu-west-1',
            CidrBlockSet: [{ CidrBlock: '10.7.0.0/16' }, { CidrBlock: '52.94.7.0/24' }],
            Ipv6CidrBlockSet: [{ Ipv6CidrBlock: '2600:1f18:7::/56' }],
          },
        },
      ],
    };
    const verdict = explainBoth(peered, { ...fromUnowned, srcaddr, dstaddr });
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(reason);
  });
});

describe('return traffic recognised from the reverse ACCEPT', () => {
  it('an ICMP echo reply after an accepted request (the ACCEPT aggregate has no ports, the record has 0)', () => {
    const request = flowOf({ interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.10.11', protocol: 1, action: 'ACCEPT' });
    const reply = { interfaceId: 'eni-db', srcaddr: '10.1.10.11', dstaddr: '10.1.20.10', protocol: 1, srcport: 0, dstport: 0 };
    expect(ReturnTrafficIndex.fromFlows([request]).hasAcceptedReverse(flowOf(reply))).toBe(true);
    const verdict = explainBoth(hardeningSnapshot, reply, [request]);
    expect(verdict.returnTraffic).toBe(true);
    expect(verdict.blockedBy.some((c) => c.control === 'security-group')).toBe(false);
  });

  it("a reply to a client port below the service port (5432 -> 1024) is the server's reply, not a request from 1024", () => {
    // The app (sg-app, which sg-db admits on 5432) connected from port 1024; the db's reply is REJECTed.
    const request = flowOf({
      interfaceId: 'eni-db',
      srcaddr: '10.1.10.11',
      dstaddr: '10.1.20.10',
      srcport: 1024,
      dstport: 5432,
      action: 'ACCEPT',
    });
    const reply = { interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.10.11', srcport: 5432, dstport: 1024 };
    const verdict = explainBoth(hardeningSnapshot, reply, [request]);
    expect(verdict).toMatchObject({ returnTraffic: true, verdict: 'allowed' });
    // Without the accepted request nothing says so, and sg-db (egress 443 only) is blamed.
    expect(explainBoth(hardeningSnapshot, reply).blockedBy).toContainEqual({
      control: 'security-group',
      direction: 'egress',
      groupIds: ['sg-db'],
    });
  });

  it("the reverse ACCEPT's tcp-flags say who opened the connection, before port order", () => {
    // The load balancer is not admitted by sg-db, so the groups cannot tell; its SYN can.
    const opened = flowOf({
      interfaceId: 'eni-db',
      srcaddr: '10.1.0.20',
      dstaddr: '10.1.20.10',
      srcport: 1024,
      dstport: 5432,
      action: 'ACCEPT',
      tcpFlags: 2,
    });
    const answered = { ...opened, tcpFlags: 18 };
    const reply = { interfaceId: 'eni-db', srcaddr: '10.1.20.10', dstaddr: '10.1.0.20', srcport: 5432, dstport: 1024 };
    expect(explainBoth(hardeningSnapshot, reply, [opened]).returnTraffic).toBe(true);
    expect(explainBoth(hardeningSnapshot, reply, [answered]).returnTraffic).toBe(false);
    expect(explainBoth(hardeningSnapshot, reply, [{ ...opened, tcpFlags: null }]).returnTraffic).toBe(false);
  });

  it("the initiator's packets stay requests: replies accepted earlier do not make a later refused request return traffic", () => {
    const replies = flowOf({ srcaddr: '10.1.20.10', dstaddr: '10.1.10.11', srcport: 5432, dstport: 41000, action: 'ACCEPT' });
    expect(
      explainBoth(hardeningSnapshot, { srcaddr: '10.1.10.11', dstaddr: '10.1.20.10', srcport: 41000, dstport: 5432 }, [replies])
        .returnTraffic,
    ).toBe(false);
  });
});

describe('a reply whose request the ACCEPT records lack', () => {
  // The db's request out to 10.1.10.11:443 and what comes back from that port, at eni-db.
  const request = {
    interfaceId: 'eni-db',
    srcaddr: '10.1.20.10',
    dstaddr: '10.1.10.11',
    srcport: 40000,
    dstport: 443,
    action: 'ACCEPT' as const,
  };
  const reply = { interfaceId: 'eni-db', srcaddr: '10.1.10.11', dstaddr: '10.1.20.10', srcport: 443, dstport: 40000 };
  const other = { ...request, dstaddr: '10.1.10.12' };

  it('is told only where the interface has ACCEPT records and none is the reverse of the reply, at any time', () => {
    const lacks = (...accepted: Partial<FlowAggregate>[]) => ReturnTrafficIndex.fromFlows(accepted.map(flowOf)).lacksReverse(flowOf(reply));
    expect(lacks(other)).toBe(true);
    expect(lacks(other, request)).toBe(false);
    expect(lacks(other, { ...request, firstSeen: 0, lastSeen: 1 })).toBe(false);
    // REJECT-only logs of the interface tell nothing, nor do another interface's ACCEPT records.
    expect(lacks()).toBe(false);
    expect(lacks({ ...other, interfaceId: 'eni-app' })).toBe(false);
  });

  it("marks the reply's verdict, and only an inbound reply's", () => {
    const model = NetworkModel.fromSnapshot(hardeningSnapshot);
    const explain = (fields: Partial<FlowAggregate>, ...accepted: Partial<FlowAggregate>[]) =>
      explainFlow(model, flowOf(fields), { returnTraffic: ReturnTrafficIndex.fromFlows(accepted.map(flowOf)) });
    expect(explain({ ...reply, tcpFlags: 18 }, other)).toMatchObject({ direction: 'ingress', returnTraffic: true, unrequested: true });
    expect(explain({ ...reply, tcpFlags: 18 }, other, request).unrequested).toBeUndefined();
    expect(explain({ ...reply, tcpFlags: 18 }).unrequested).toBeUndefined();
    // The request itself, refused on the way out: no reply, nothing to mark.
    expect(explain({ ...request, action: 'REJECT', tcpFlags: 2 }, other).unrequested).toBeUndefined();
  });
});

describe('an interface without a subnet', () => {
  it('is unknown (its network ACL cannot be known), not "blocked by security group"', () => {
    const noSubnet: NetworkSnapshot = {
      ...hardeningSnapshot,
      NetworkInterfaces: [
        ...hardeningSnapshot.NetworkInterfaces!,
        { NetworkInterfaceId: 'eni-nosubnet', VpcId: 'vpc-1', PrivateIpAddress: '10.1.30.5', Groups: [{ GroupId: 'sg-db' }] },
      ],
    };
    const verdict = explainBoth(noSubnet, {
      interfaceId: 'eni-nosubnet',
      srcaddr: '192.0.2.1',
      dstaddr: '10.1.30.5',
      srcport: 40000,
      dstport: 22,
    });
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/eni-nosubnet has no subnet/);
    expect(verdict.reason).toMatch(/sg-db/);
  });
});

describe('deterministic lists in a finding', () => {
  it('alsoBlockedBy comes out in one order whatever the order of the flows', () => {
    const nacl: BlockingControl = { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-db', ruleNumber: 32767 };
    const sgA: BlockingControl = { control: 'security-group', direction: 'ingress', groupIds: ['sg-b', 'sg-a'] };
    const sgC: BlockingControl = { control: 'security-group', direction: 'ingress', groupIds: ['sg-c'] };
    const item = (eni: string, also: BlockingControl): ExplainedFlow => ({
      flow: flowOf({
        interfaceId: eni,
        srcaddr: '192.0.2.1',
        dstaddr: '10.1.20.10',
        srcport: 40000,
        dstport: 6379,
        servicePortSide: 'dst',
      }),
      verdict: { verdict: 'blocked', direction: 'ingress', returnTraffic: false, blockedBy: [nacl, also], reason: 'x' },
    });
    const one = groupBlockedFlows([item('eni-1', sgC), item('eni-2', sgA)]);
    const two = groupBlockedFlows([item('eni-2', sgA), item('eni-1', sgC)]);
    expect(JSON.stringify(one.map((g) => g.alsoBlockedBy))).toBe(JSON.stringify(two.map((g) => g.alsoBlockedBy)));
    expect(one[0].alsoBlockedBy).toEqual([{ ...sgA, groupIds: ['sg-a', 'sg-b'] }, sgC]);
  });
});
