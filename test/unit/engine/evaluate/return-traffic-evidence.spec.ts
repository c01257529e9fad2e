import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeFlow, explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { servicePortSide } from '../../../../src/engine/evaluate/flow-ports';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import { returnTrafficSnapshot as base } from '../../../support/factories/return-traffic-snapshot';
import { ADDRESSES, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';

// Return traffic without tcp-flags (layout of the snapshot: test/support/factories/return-traffic-snapshot.ts).

const tcp = (interfaceId: string, src: string, dst: string, action: 'ACCEPT' | 'REJECT' = 'REJECT'): FlowAggregate => {
  const [srcaddr, srcport] = src.split(':');
  const [dstaddr, dstport] = dst.split(':');
  return flowAggregate({
    interfaceId,
    srcaddr,
    dstaddr,
    srcport: Number(srcport),
    dstport: Number(dstport),
    action,
    records: 3,
    packets: 9,
  });
};

/** explainFlow and the reference evaluator on the same input: they must agree, then the verdict is checked. */
function explain(snapshot: NetworkSnapshot, flow: FlowAggregate, accepted: FlowAggregate[] = []): FlowVerdict {
  const verdict = explainFlow(NetworkModel.fromSnapshot(snapshot), flow, { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) });
  const { reason: _r, ...reference } = referenceExplainFlow(snapshot, flow, accepted);
  const { reason: _f, ...fast } = verdict;
  expect(fast).toEqual(reference);
  return verdict;
}

const sgBlocks = (verdict: FlowVerdict): boolean => verdict.blockedBy.some((c) => c.control === 'security-group');
const naclIn = (id: string, ruleNumber = 32767) => ({ control: 'network-acl', direction: 'ingress', networkAclId: id, ruleNumber });
const naclOut = (id: string, ruleNumber = 32767) => ({ control: 'network-acl', direction: 'egress', networkAclId: id, ruleNumber });

describe('a reply whose request the groups may or may not have let out: the snapshot cannot tell', () => {
  const fromS3 = tcp('eni-app', '52.95.1.1:443', '10.0.2.20:50000');

  it('is unknown, naming the prefix list without entries, not a security-group block', () => {
    const verdict = explain(base, fromS3);
    expect(verdict).toMatchObject({ verdict: 'unknown', returnTraffic: false, blockedBy: [] });
    expect(verdict.reason).toMatch(/pl-s3 has no entries in the snapshot/);
    expect(verdict.reason).toMatch(/return traffic/);
  });

  it('is return traffic once the entries show the request was allowed out, and a new connection when they show it was not', () => {
    const withEntries = { ...base, PrefixListEntries: { 'pl-s3': [{ Cidr: '52.95.0.0/16' }] } };
    expect(explain(withEntries, fromS3)).toMatchObject({ verdict: 'allowed', returnTraffic: true });
    const elsewhere = { ...base, PrefixListEntries: { 'pl-s3': [{ Cidr: '54.231.0.0/16' }] } };
    expect(explain(elsewhere, fromS3)).toMatchObject({
      verdict: 'blocked',
      returnTraffic: false,
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-app'] }],
    });
  });

  it('is unknown for a group of another account the peer may carry', () => {
    const verdict = explain(base, tcp('eni-app', '10.20.0.5:8443', '10.0.2.20:50000'));
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/sg-partner of account 999999999999/);
  });

  it('a NACL that drops the packets either way still blocks, and the groups are not blamed', () => {
    // acl-app admits 49152–65535 inbound: 40000 is dropped whatever opened the connection.
    const verdict = explain(base, tcp('eni-app', '52.95.1.1:443', '10.0.2.20:40000'));
    expect(verdict).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app')] });
  });

  it('the same on the way out: a reply from a port opened to a prefix list without entries', () => {
    // acl-app lets 32768–65535 out to the public subnet, where no interface has 10.0.1.99.
    const verdict = explain(base, tcp('eni-app', '10.0.2.20:9443', '10.0.1.99:50000'));
    expect(verdict).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(verdict.reason).toMatch(/pl-corp has no entries in the snapshot/);
  });
});

describe('an inbound reply whose request this interface sent out (the reverse ACCEPT)', () => {
  const request = tcp('eni-app', '10.0.2.20:40000', '10.0.3.30:50051', 'ACCEPT');
  const reply = tcp('eni-app', '10.0.3.30:50051', '10.0.2.20:40000');

  it('is return traffic even when the service port (50051) is above the client port: only the NACL is blamed', () => {
    const verdict = explain(base, reply, [request]);
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclIn('acl-app')] });
    expect(sgBlocks(verdict)).toBe(false);
  });

  it('with a client port above the service port it already was', () => {
    const high = [tcp('eni-app', '10.0.2.20:55000', '10.0.3.30:50051', 'ACCEPT')];
    expect(explain(base, tcp('eni-app', '10.0.3.30:50051', '10.0.2.20:55000'), high)).toMatchObject({
      verdict: 'allowed',
      returnTraffic: true,
    });
  });

  it('without the accepted request the outbound rules tell: sg-app may reach 50051 of sg-db, not 40000, and opens 40000 to nobody', () => {
    const verdict = explain(base, reply);
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclIn('acl-app')] });
    expect(sgBlocks(verdict)).toBe(false);
  });

  it('without it, when the outbound rules reach every port of the peer, nothing tells: port order makes 40000 the service', () => {
    const open: NetworkSnapshot = {
      ...base,
      SecurityGroups: base.SecurityGroups!.map((g) =>
        g.GroupId === 'sg-app' ? { ...g, IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] } : g,
      ),
    };
    expect(explain(open, reply)).toMatchObject({ returnTraffic: false, blockedBy: [naclIn('acl-app'), expect.anything()] });
  });

  it("the reverse ACCEPT's tcp-flags still decide first: an ACK means the accepted packets answered, these are requests", () => {
    const answered = { ...request, tcpFlags: 18 };
    expect(explain(base, { ...reply, tcpFlags: null }, [answered]).returnTraffic).toBe(false);
  });

  it('a request to a port the interface serves stays a request, even after its replies were accepted', () => {
    // sg-app opens 8080 (to the load balancers): a peer it does not admit knocking on 8080 is refused by the group.
    const replies = tcp('eni-app', '10.0.2.20:8080', '10.0.3.30:50051', 'ACCEPT');
    const knock = tcp('eni-app', '10.0.3.30:50051', '10.0.2.20:8080');
    const verdict = explain(base, knock, [replies]);
    expect(verdict.returnTraffic).toBe(false);
    expect(sgBlocks(verdict)).toBe(true);
  });
});

describe('a protocol tracked by address and protocol only (GRE): a reply within 600 seconds of the accepted flow', () => {
  // EC2 User Guide, connection tracking: for protocols other than TCP, UDP or ICMP only the addresses and
  // the protocol are tracked; the peer's traffic is a response when it comes within 600 seconds.
  const gre = (src: string, dst: string, action: 'ACCEPT' | 'REJECT', firstSeen: number): FlowAggregate =>
    flowAggregate({
      interfaceId: 'eni-app',
      srcaddr: src,
      dstaddr: dst,
      protocol: 47,
      action,
      records: 1,
      packets: 3,
      firstSeen,
      lastSeen: firstSeen + 60,
    });
  const sent = gre('10.0.2.20', '10.0.3.30', 'ACCEPT', 1_700_000_000);

  it('is return traffic when it comes within 600 seconds of the accepted flow: the group is not blamed', () => {
    const verdict = explain(base, gre('10.0.3.30', '10.0.2.20', 'REJECT', 1_700_000_000 + 60 + 600), [sent]);
    expect(verdict.returnTraffic).toBe(true);
    expect(sgBlocks(verdict)).toBe(false);
  });

  it('is a new inbound flow when it comes later: the group that admits no GRE is blamed', () => {
    const verdict = explain(base, gre('10.0.3.30', '10.0.2.20', 'REJECT', 1_700_000_000 + 7200), [sent]);
    expect(verdict.returnTraffic).toBe(false);
    expect(sgBlocks(verdict)).toBe(true);
  });

  it('is a new inbound flow when it came before the accepted flow', () => {
    const verdict = explain(base, gre('10.0.3.30', '10.0.2.20', 'REJECT', 1_700_000_000 - 7200), [sent]);
    expect(verdict.returnTraffic).toBe(false);
    expect(sgBlocks(verdict)).toBe(true);
  });
});

describe('a request to a service port above the client port, nothing recorded of its replies', () => {
  // sg-db serves 50051 to the whole VPC and lets everything out; acl-db admits 50051 from the app subnet only.
  const served: NetworkSnapshot = {
    ...base,
    SecurityGroups: base.SecurityGroups!.map((g) =>
      g.GroupId === 'sg-db'
        ? {
            ...g,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 50051, ToPort: 50051, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
            IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          }
        : g,
    ),
  };
  const request = tcp('eni-db', '10.0.1.40:40000', '10.0.3.30:50051');

  it('is a request when the groups open the destination port to the peer and not the source port: only the NACL refuses it', () => {
    expect(explain(served, request)).toMatchObject({ verdict: 'blocked', returnTraffic: false, blockedBy: [naclIn('acl-db')] });
  });

  it('port order stands when the groups admit both ports from the peer (nothing tells them apart)', () => {
    const everything: NetworkSnapshot = {
      ...served,
      SecurityGroups: served.SecurityGroups!.map((g) =>
        g.GroupId === 'sg-db'
          ? { ...g, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }
          : g,
      ),
    };
    expect(explain(everything, request)).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclIn('acl-db')] });
  });

  it('port order stands when the outbound rules reach the source port and not the destination port (a reply to the interface)', () => {
    const reaches: NetworkSnapshot = {
      ...served,
      SecurityGroups: served.SecurityGroups!.map((g) =>
        g.GroupId === 'sg-db'
          ? { ...g, IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 40000, ToPort: 40000, IpRanges: [{ CidrIp: '10.0.1.0/24' }] }] }
          : g,
      ),
    };
    expect(explain(reaches, request)).toMatchObject({ returnTraffic: true });
  });
});

describe("a reply to a load balancer's client port below the service port", () => {
  // sg-app admits 8080 from sg-lb; acl-app lets replies out to the public subnet on 32768–65535 only.
  it('is return traffic (the load balancer uses 1024–65535), blocked by the NACL only', () => {
    const verdict = explain(base, tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:1500'));
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclOut('acl-app')] });
    expect(explain(base, tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:9000')).returnTraffic).toBe(true);
  });

  it('also at the load balancer: its reply from the target arrives on its own client port', () => {
    const verdict = explain(base, tcp('eni-lb', '10.0.2.20:8080', '10.0.1.10:1500'));
    expect(verdict).toMatchObject({ returnTraffic: true });
    expect(sgBlocks(verdict)).toBe(false);
  });

  it('a load balancer known by its interface type or requester only', () => {
    for (const extra of [{ InterfaceType: 'network_load_balancer' }, { RequesterId: 'amazon-elb' }]) {
      const bare: NetworkSnapshot = {
        ...base,
        NetworkInterfaces: base.NetworkInterfaces!.map((e) =>
          e.NetworkInterfaceId === 'eni-lb' ? { ...e, Description: '', ...extra } : e,
        ),
      };
      expect(explain(bare, tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:1500')).returnTraffic, JSON.stringify(extra)).toBe(true);
    }
  });

  it('not when the groups admit every port from the load balancer: a request to its port (a listener) reads the same', () => {
    const allFromLb: NetworkSnapshot = {
      ...base,
      SecurityGroups: base.SecurityGroups!.map((g) =>
        g.GroupId === 'sg-app'
          ? { ...g, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: 'sg-lb' }] }] }
          : g,
      ),
    };
    const verdict = explain(allFromLb, tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:1500'));
    expect(verdict.returnTraffic).toBe(false);
    expect(sgBlocks(verdict)).toBe(true);
  });

  it('not over UDP, whose replies to a load balancer nothing sets apart', () => {
    expect(explain(base, { ...tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:1500'), protocol: 17 }).returnTraffic).toBe(false);
  });

  it('not to an instance: the lower port stays its service port', () => {
    const verdict = explain(base, tcp('eni-app', '10.0.2.20:8080', '10.0.1.40:1500'));
    expect(verdict.returnTraffic).toBe(false);
    expect(sgBlocks(verdict)).toBe(true);
  });

  it('not from a port the groups do not admit from the load balancer, nor to a port below 1024', () => {
    expect(explain(base, tcp('eni-app', '10.0.2.20:9090', '10.0.1.10:1500')).returnTraffic).toBe(false);
    expect(explain(base, tcp('eni-app', '10.0.2.20:8080', '10.0.1.10:800')).returnTraffic).toBe(false);
  });
});

describe('inbound at a NAT gateway from a remote service port', () => {
  // A NAT gateway accepts no connection from outside: what reaches its own address answers one it opened.
  it('is return traffic on every port of 1024–65535, blocked by the NACL that lacks them', () => {
    for (const port of [1500, 5000, 12000, 28000]) {
      expect(explain(base, tcp('eni-nat', `198.51.100.80:443`, `10.0.1.50:${port}`)), String(port)).toMatchObject({
        verdict: 'blocked',
        returnTraffic: true,
        blockedBy: [naclIn('acl-pub')],
      });
    }
    expect(explain(base, tcp('eni-nat', '198.51.100.80:443', '10.0.1.50:40000'))).toMatchObject({
      verdict: 'allowed',
      returnTraffic: true,
    });
    // It has no security groups to speak of.
    const reason = explain(base, tcp('eni-nat', '198.51.100.80:443', '10.0.1.50:5000')).reason;
    expect(reason).toMatch(/return traffic, recognised from the service port/);
    expect(reason).not.toMatch(/security group/);
  });

  it('from a port above its own (8443 → 1500) when the logs hold what it sent there, port order standing without them', () => {
    const reply = tcp('eni-nat', '198.51.100.80:8443', '10.0.1.50:1500');
    const sent = tcp('eni-nat', '10.0.1.50:1500', '198.51.100.80:8443', 'ACCEPT');
    expect(explain(base, reply, [sent])).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclIn('acl-pub')] });
    // Nothing sent there: a probe of port 1500 from an ephemeral port looks the same.
    expect(explain(base, reply).returnTraffic).toBe(false);
  });

  it('a NAT gateway known by its interface type only', () => {
    const bare: NetworkSnapshot = {
      ...base,
      NetworkInterfaces: base.NetworkInterfaces!.map((e) => (e.NetworkInterfaceId === 'eni-nat' ? { ...e, Description: '' } : e)),
    };
    expect(explain(bare, tcp('eni-nat', '198.51.100.80:443', '10.0.1.50:5000')).returnTraffic).toBe(true);
  });

  it('not a probe of a port below 1024 nor one from an ephemeral port to a lower one', () => {
    expect(explain(base, tcp('eni-nat', '198.51.100.80:443', '10.0.1.50:22')).returnTraffic).toBe(false);
    expect(explain(base, tcp('eni-nat', '203.0.113.9:54321', '10.0.1.50:3389')).returnTraffic).toBe(false);
  });

  it('not at an instance without groups of its own kind', () => {
    const bare: NetworkSnapshot = {
      ...base,
      NetworkInterfaces: base.NetworkInterfaces!.map((e) =>
        e.NetworkInterfaceId === 'eni-nat' ? { ...e, Description: '', InterfaceType: 'interface' } : e,
      ),
    };
    expect(explain(bare, tcp('eni-nat', '198.51.100.80:443', '10.0.1.50:5000')).returnTraffic).toBe(false);
  });
});

/**
 * The snapshot with sg-svc on some of its interfaces: a service's group that opens single ports
 * inbound (8080, and 50000–65535) to the VPCs' private space, as random rules seldom do.
 */
function withServiceGroup(snapshot: NetworkSnapshot): fc.Arbitrary<NetworkSnapshot> {
  const ids = snapshot.NetworkInterfaces!.map((e) => e.NetworkInterfaceId);
  return fc.subarray(ids).map((carriers) => ({
    ...snapshot,
    SecurityGroups: [
      ...snapshot.SecurityGroups!,
      {
        GroupId: 'sg-svc',
        VpcId: 'vpc-a',
        OwnerId: '111111111111',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
          { IpProtocol: 'tcp', FromPort: 50000, ToPort: 65535, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
        IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
      },
    ],
    NetworkInterfaces: snapshot.NetworkInterfaces!.map((e) =>
      carriers.includes(e.NetworkInterfaceId) ? { ...e, Groups: [...(e.Groups ?? []), { GroupId: 'sg-svc' }] } : e,
    ),
  }));
}

/**
 * Rejected flows at the generated snapshots' interfaces, from or to their own address, some with
 * their reverse ACCEPTed (with or without tcp-flags): replies to client ports below and above the
 * service port, to load balancers and NAT gateways, under rules that cannot always be decided.
 */
const repliesArbitrary = snapshotArbitrary.chain(withServiceGroup).chain((snapshot) =>
  fc.tuple(
    fc.constant(snapshot),
    fc.array(
      fc.record({
        eni: fc.constantFrom(...snapshot.NetworkInterfaces!),
        inbound: fc.boolean(),
        // Often another interface of the snapshot: a load balancer or NAT gateway as the peer.
        other: fc.oneof(
          fc.constantFrom(...ADDRESSES.filter((a) => !a.includes(':'))),
          fc.constantFrom(...snapshot.NetworkInterfaces!.map((e) => e.PrivateIpAddress!)),
        ),
        srcport: fc.constantFrom(22, 443, 1024, 1500, 8080, 32768, 40000, 50000, 50051, 65535),
        dstport: fc.constantFrom(22, 443, 1024, 1500, 8080, 32768, 40000, 50000, 50051, 65535),
        protocol: fc.constantFrom(6, 6, 17),
        reverse: fc.constantFrom('none', 'none', 'accepted', 'syn', 'syn-ack'),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  ),
);

type ReplyItem = typeof repliesArbitrary extends fc.Arbitrary<[NetworkSnapshot, (infer I)[]]> ? I : never;

describe('replies at generated snapshots (property)', () => {
  const flowsOf = (items: ReplyItem[]) => {
    const rejected: FlowAggregate[] = [];
    const accepted: FlowAggregate[] = [];
    for (const item of items) {
      const own = item.eni.PrivateIpAddress!;
      const [srcaddr, dstaddr] = item.inbound ? [item.other, own] : [own, item.other];
      const flow = flowAggregate({
        interfaceId: item.eni.NetworkInterfaceId,
        srcaddr,
        dstaddr,
        srcport: item.srcport,
        dstport: item.dstport,
        protocol: item.protocol,
      });
      rejected.push(flow);
      if (item.reverse === 'none') continue;
      const tcpFlags = item.protocol !== 6 || item.reverse === 'accepted' ? null : item.reverse === 'syn' ? 2 : 18;
      accepted.push({
        ...flow,
        srcaddr: dstaddr,
        dstaddr: srcaddr,
        srcport: item.dstport,
        dstport: item.srcport,
        action: 'ACCEPT',
        tcpFlags,
      });
    }
    return { rejected, accepted };
  };

  it('explainFlow agrees with the reference evaluator', () => {
    fc.assert(
      fc.property(repliesArbitrary, ([snapshot, items]) => {
        const { rejected, accepted } = flowsOf(items);
        const model = NetworkModel.fromSnapshot(snapshot);
        const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
        for (const flow of rejected) {
          // Whether a reply was asked for is the diagnosis's, not the reference's.
          const { reason: _fast, unrequested: _unrequested, ...fast } = explainFlow(model, flow, ctx);
          const { reason: _slow, ...slow } = referenceExplainFlow(snapshot, flow, accepted);
          expect(fast).toEqual(slow);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the generator reaches every way of telling return traffic this suite is about', () => {
    const seen = new Set<string>();
    for (const [snapshot, items] of fc.sample(repliesArbitrary, { numRuns: 400, seed: 3 })) {
      const { rejected, accepted } = flowsOf(items);
      const model = NetworkModel.fromSnapshot(snapshot);
      const index = ReturnTrafficIndex.fromFlows(accepted);
      for (const flow of rejected) {
        const analysis = analyzeFlow(model, flow, { returnTraffic: index });
        const reversed = index.acceptedReverse(flow)?.tcpFlags === null;
        const below = servicePortSide(flow) === 'dst';
        if (analysis.returnTrafficUndecided !== null && analysis.verdict.verdict === 'unknown') seen.add('undecided');
        if (!analysis.verdict.returnTraffic) continue;
        if (analysis.returnTrafficSignal === 'service-port' && below) seen.add('full-range client');
        if (analysis.returnTrafficSignal === 'service-port' && analysis.groupIds.length === 0) seen.add('nat gateway');
        if (analysis.returnTrafficSignal === 'reverse-accept' && below && reversed && analysis.verdict.direction === 'ingress') {
          seen.add('reverse of a port served to nobody');
        }
      }
    }
    expect([...seen].sort()).toEqual(['full-range client', 'nat gateway', 'reverse of a port served to nobody', 'undecided']);
  });
});
