import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateNetworkAclRange } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { coverPeersForNacl } from '../../../../src/engine/fixes/peer-cover';
import { createFixVerifier } from '../../../../src/engine/fixes/verify-fix';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);

/** Repeated attempts from internal peers: misconfiguration, so the finding gets a fix. */
function repeated(fields: Partial<FlowAggregate>): FlowAggregate {
  return flowOf({ records: 40, packets: 120, ...fields });
}

/** A request to Redis (6379) on the db interface from `srcaddr`, from client ports `from`-`to`. */
function redisRequest(srcaddr: string, from: number, to: number): FlowAggregate {
  return repeated({
    interfaceId: 'eni-db',
    srcaddr,
    dstaddr: '10.1.20.10',
    srcport: from,
    dstport: 6379,
    servicePortSide: 'dst',
    ephemeralPortMin: from,
    ephemeralPortMax: to,
  });
}

/** The hardening snapshot with sg-db admitting Redis from the VPC: acl-db alone refuses it. */
function withRedisAdmittedBySgDb(): NetworkSnapshot {
  const snapshot: NetworkSnapshot = structuredClone(hardeningSnapshot);
  snapshot
    .SecurityGroups!.find((g) => g.GroupId === 'sg-db')!
    .IpPermissions!.push({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, IpRanges: [{ CidrIp: '10.1.0.0/16' }] });
  return snapshot;
}

function only(findings: Finding[]): Finding {
  expect(findings).toHaveLength(1);
  return findings[0];
}

/** The database's SYN-ACK to 10.1.0.20 (the web tier's first node) from its port 5432, REJECTed. */
function databaseReplyTo20(): FlowAggregate {
  return repeated({
    interfaceId: 'eni-db',
    srcaddr: '10.1.20.10',
    dstaddr: '10.1.0.20',
    srcport: 5432,
    dstport: 40000,
    tcpFlags: 18,
    servicePortSide: 'src',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 41000,
  });
}

describe('evaluateNetworkAclRange', () => {
  it.each<[string, 'ingress' | 'egress', { from: number; to: number } | null, string, object]>([
    ['a range inside one allow', 'ingress', { from: 33000, to: 40000 }, '192.0.2.1', { allowed: true, firstDeny: null }],
    ['a range that crosses the explicit deny at 90', 'ingress', { from: 40000, to: 50050 }, '192.0.2.1', { allowed: false, firstDeny: 90 }],
    [
      'a range partly past every allow ends at the catch-all',
      'ingress',
      { from: 60000, to: 62000 },
      '192.0.2.1',
      { allowed: false, firstDeny: 32767 },
    ],
    ['IPv6 ranges only see IPv6 entries', 'ingress', { from: 443, to: 443 }, '2001:db8::1', { allowed: true, firstDeny: null }],
  ])('%s', (_name, direction, ports, peer, expected) => {
    expect(evaluateNetworkAclRange(model, 'acl-web', direction, 6, ports, peer)).toEqual(expected);
  });
});

describe('NACL fixes', () => {
  it('return traffic: the allow lands before an explicit deny (90) that drops observed ephemeral ports, not only before the catch-all', () => {
    // Replies to the NAT gateway from an API server: the observed client ports 33000-50050 hit
    // rule 90 (50000-50100) as well as the catch-all below 32768.
    const replies = repeated({
      interfaceId: 'eni-nat',
      srcaddr: '203.0.113.5',
      dstaddr: '10.1.0.100',
      srcport: 443,
      dstport: 1030,
      tcpFlags: 18,
      servicePortSide: 'src',
      ephemeralPortMin: 1030,
      ephemeralPortMax: 50050,
    });
    const finding = only(diagnose(hardeningSnapshot, [replies]).findings);
    expect(finding.blockedBy).toMatchObject({ control: 'network-acl', networkAclId: 'acl-web', ruleNumber: 32767 });
    const [change, ...rest] = finding.suggestedFix!.changes;
    expect(rest).toEqual([]);
    expect(change.action).toBe('CreateNetworkAclEntry');
    expect(change.params).toMatchObject({
      NetworkAclId: 'acl-web',
      Egress: false,
      PortRange: { From: 1024, To: 65535 },
      CidrBlock: '203.0.113.5/32',
    });
    expect(change.params.RuleNumber as number).toBeLessThan(90);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('a request let in by the fix still needs its reply out: the same NACL gets the outbound ephemeral entry, and only then is it verified', () => {
    // The app tier (10.1.10.0/24) asks Redis on the db ENI; acl-db has no inbound 6379 and its
    // outbound replies only go to 10.1.10.0/24 — peers in the web subnets get no reply.
    const requests = [redisRequest('10.1.0.20', 40000, 52000), redisRequest('10.1.1.20', 41000, 43000)];
    const finding = only(diagnose(withRedisAdmittedBySgDb(), requests).findings);
    expect(finding.blockedBy).toMatchObject({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-db' });
    const changes = finding.suggestedFix!.changes;
    expect(changes[0]).toMatchObject({ action: 'CreateNetworkAclEntry', params: { Egress: false, PortRange: { From: 6379, To: 6379 } } });
    // The peers are the ALB's ENIs: load balancers use 1024-65535.
    expect(changes.slice(1)).toEqual([
      expect.objectContaining({
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-db',
          Egress: true,
          RuleAction: 'allow',
          Protocol: '6',
          PortRange: { From: 1024, To: 65535 },
        }),
      }),
      // The replies reach the load balancer through acl-web, whose rule 90 drops 50000-50100 inbound.
      expect.objectContaining({
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-web',
          Egress: false,
          RuleNumber: 10,
          CidrBlock: '10.1.20.10/32',
          PortRange: { From: 1024, To: 65535 },
        }),
      }),
    ]);
    expect(changes[1].params.RuleNumber as number).toBeLessThan(32767);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('verified stays false, with a reply-blocked risk, when the reply path is not fixed', () => {
    const request = repeated({
      interfaceId: 'eni-db',
      srcaddr: '10.1.0.20',
      dstaddr: '10.1.20.10',
      srcport: 40000,
      dstport: 5432,
      servicePortSide: 'dst',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 41000,
    });
    const result = diagnose(hardeningSnapshot, [request], {});
    const finding = only(result.findings);
    // Only the request half, applied by hand: simulation allows the flow, the reply is still dropped.
    const requestOnly = finding.suggestedFix!.changes.filter((c) => c.params.Egress === false);
    const [group] = groupBlockedFlows([{ flow: request, verdict: explainFlow(model, request) }]);
    const verdict = createFixVerifier(hardeningSnapshot, {}, model)(requestOnly, group);
    expect(verdict.verified).toBe(false);
    expect(verdict.risks.map((r) => r.kind)).toContain('reply-blocked');
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('return traffic gets no reply entry (it is the reply)', () => {
    const reply = databaseReplyTo20();
    const finding = only(diagnose(hardeningSnapshot, [reply]).findings);
    expect(finding.traffic.returnTraffic).toBe(true);
    expect(finding.suggestedFix!.changes).toHaveLength(1);
    expect(finding.suggestedFix!.changes[0].params).toMatchObject({ Egress: true, PortRange: { From: 1024, To: 65535 } });
  });
});

describe('AWS Lambda clients', () => {
  /** The hardening snapshot with the web tier's 10.1.0.20 a Lambda function's interface instead of an ALB node. */
  function withLambdaAt20(owner: { Description?: string; InterfaceType?: string }): NetworkSnapshot {
    const snapshot: NetworkSnapshot = structuredClone(hardeningSnapshot);
    snapshot.NetworkInterfaces = snapshot.NetworkInterfaces!.filter((n) => n.NetworkInterfaceId !== 'eni-alb-b');
    const eni = snapshot.NetworkInterfaces.find((n) => n.NetworkInterfaceId === 'eni-alb-a')!;
    delete eni.Description;
    Object.assign(eni, owner);
    return snapshot;
  }

  it.each([
    ['known by its description', { Description: 'AWS Lambda VPC ENI-orders-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' }],
    ['known by its interface type', { InterfaceType: 'lambda' }],
  ])('replies to a Lambda function (%s) are let back on 1024-65535, the ports Lambda uses, not the Linux range', (_name, owner) => {
    // The database answers a function at 10.1.0.20; acl-db lets replies out to the app tier only.
    const reply = databaseReplyTo20();
    const finding = only(diagnose(withLambdaAt20(owner), [reply]).findings);
    expect(finding.traffic.returnTraffic).toBe(true);
    expect(finding.suggestedFix!.changes).toHaveLength(1);
    expect(finding.suggestedFix!.changes[0].params).toMatchObject({
      NetworkAclId: 'acl-db',
      Egress: true,
      PortRange: { From: 1024, To: 65535 },
    });
  });

  it("a Lambda function's request let in by the fix gets its replies out on 1024-65535", () => {
    const snapshot = withLambdaAt20({ Description: 'AWS Lambda VPC ENI-orders-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' });
    snapshot
      .SecurityGroups!.find((g) => g.GroupId === 'sg-db')!
      .IpPermissions!.push({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, IpRanges: [{ CidrIp: '10.1.0.0/16' }] });
    const finding = only(diagnose(snapshot, [redisRequest('10.1.0.20', 40000, 41000)]).findings);
    const replies = finding.suggestedFix!.changes.filter((c) => c.params.NetworkAclId === 'acl-db' && c.params.Egress === true);
    expect(replies).toHaveLength(1);
    expect(replies[0].params).toMatchObject({ PortRange: { From: 1024, To: 65535 } });
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('load balancers are one owner across their interfaces', () => {
  it("a CIDR fix for traffic from one NLB node also covers the NLB's other interfaces", () => {
    const flows = [
      repeated({
        interfaceId: 'eni-backend',
        srcaddr: '10.1.0.21',
        dstaddr: '10.1.10.50',
        srcport: 40000,
        dstport: 7001,
        servicePortSide: 'dst',
        ephemeralPortMin: 40000,
        ephemeralPortMax: 45000,
      }),
    ];
    const finding = only(diagnose(hardeningSnapshot, flows).findings);
    const ranges = (finding.suggestedFix!.changes[0].params.IpPermissions as { IpRanges: { CidrIp: string }[] }[])[0].IpRanges.map(
      (r) => r.CidrIp,
    );
    const covers = (address: string) => ranges.some((cidr) => cidrContainsText(cidr, address));
    expect(covers('10.1.0.21')).toBe(true);
    expect(covers('10.1.1.21')).toBe(true);
    expect(ranges).not.toContain('0.0.0.0/0');
  });

  it.each([
    [
      'an Application Load Balancer: its subnet, where its next nodes will get their addresses',
      'ELB app/shop/0123456789abcdef',
      '10.1.0.0/24',
    ],
    ['a Network Load Balancer: its fixed address', 'ELB net/shop/0123456789abcdef', '10.1.0.20/32'],
    ['a Classic Load Balancer: its subnet, as for an ALB', 'ELB shop', '10.1.0.0/24'],
  ])('a NACL entry for %s', (_name, description, cidr) => {
    // One node, in subnet-web, asks Redis on the db interface; acl-db admits 5432 from the app tier only.
    const snapshot = withRedisAdmittedBySgDb();
    snapshot.NetworkInterfaces = snapshot.NetworkInterfaces!.filter((n) => n.NetworkInterfaceId !== 'eni-alb-b');
    snapshot.NetworkInterfaces.find((n) => n.NetworkInterfaceId === 'eni-alb-a')!.Description = description;
    const finding = only(diagnose(snapshot, [redisRequest('10.1.0.20', 40000, 45000)]).findings);
    const entries = finding.suggestedFix!.changes.filter((c) => c.params.NetworkAclId === 'acl-db');
    expect(entries.map((c) => c.params.CidrBlock)).toEqual([cidr, cidr]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it("an ALB whose subnets the snapshot does not give is covered by its nodes' addresses, not dropped", () => {
    const snapshot: NetworkSnapshot = structuredClone(hardeningSnapshot);
    snapshot.Subnets = snapshot.Subnets!.filter((x) => x.SubnetId !== 'subnet-web' && x.SubnetId !== 'subnet-web-b');
    expect(coverPeersForNacl(NetworkModel.fromSnapshot(snapshot), ['eni-db'], ['10.1.0.20'])).toEqual(['10.1.0.0/23']);
    // With its subnets known: the subnets.
    expect(coverPeersForNacl(model, ['eni-db'], ['10.1.0.20'])).toEqual(['10.1.0.0/23']);
    const oneSubnet: NetworkSnapshot = structuredClone(hardeningSnapshot);
    oneSubnet.NetworkInterfaces = oneSubnet.NetworkInterfaces!.filter((n) => n.NetworkInterfaceId !== 'eni-alb-b');
    expect(coverPeersForNacl(NetworkModel.fromSnapshot(oneSubnet), ['eni-db'], ['10.1.0.20'])).toEqual(['10.1.0.0/24']);
    const noV6: NetworkSnapshot = structuredClone(oneSubnet);
    delete noV6.Subnets!.find((x) => x.SubnetId === 'subnet-web')!.Ipv6CidrBlockAssociationSet;
    expect(coverPeersForNacl(NetworkModel.fromSnapshot(noV6), ['eni-db'], ['2600:1f18:1::20'])).toEqual(['2600:1f18:1::20/128']);
  });

  it("a fix on the ALB's group does not list the ALB's other interface as another exposed interface", () => {
    const flows = [
      repeated({
        interfaceId: 'eni-alb-a',
        srcaddr: '10.9.0.10',
        dstaddr: '10.1.0.20',
        srcport: 40000,
        dstport: 8443,
        servicePortSide: 'dst',
        ephemeralPortMin: 40000,
        ephemeralPortMax: 45000,
      }),
    ];
    const finding = only(diagnose(hardeningSnapshot, flows).findings);
    expect(finding.traffic.interfaces.map((i) => i.owner)).toEqual(['elb:app/shop']);
    const other = finding.suggestedFix!.risks.filter((r) => r.kind === 'other-interfaces');
    expect(JSON.stringify(other)).not.toContain('eni-alb-b');
  });
});

function cidrContainsText(cidr: string, address: string): boolean {
  const [base, bits] = cidr.split('/');
  const toNumber = (text: string) => text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
}
