import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrafficContext } from '../../../../src/engine/classify/traffic-context';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import type { FindingGroup } from '../../../../src/engine/findings/finding-group';
import { servicePortOf } from '../../../../src/engine/findings/service-port.util';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';

function probe(
  src: string,
  dst: string,
  protocol: number,
  dstport: number,
  options: { egress?: boolean; returnTraffic?: boolean } = {},
): ExplainedFlow {
  const flow: FlowAggregate = {
    interfaceId: 'eni-1',
    accountId: null,
    vpcId: null,
    subnetId: null,
    flowDirection: null,
    srcaddr: src,
    dstaddr: dst,
    srcport: 40000,
    dstport,
    protocol,
    action: 'REJECT',
    tcpFlags: null,
    rejectReason: null,
    servicePortSide: 'dst',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 40000,
    records: 1,
    packets: 1,
    bytes: 40,
    firstSeen: 0,
    lastSeen: 0,
  };
  return {
    flow,
    verdict: {
      verdict: 'blocked',
      direction: options.egress ? 'egress' : 'ingress',
      returnTraffic: options.returnTraffic ?? false,
      blockedBy: [],
    },
  };
}

/** The scan statistics as plain sets: distinct hosts, and the most distinct services on one host. */
function reference(items: ExplainedFlow[], source: string): { maxPortsOnOneHost: number; hostsReached: number } {
  const byHost = new Map<string, Set<string>>();
  for (const item of items) {
    if (item.verdict.direction !== 'ingress' || item.verdict.returnTraffic || item.flow.srcaddr !== source) continue;
    const services = byHost.get(item.flow.dstaddr) ?? new Set<string>();
    services.add(`${item.flow.protocol}/${servicePortOf(item.flow) ?? '-'}`);
    byHost.set(item.flow.dstaddr, services);
  }
  return { maxPortsOnOneHost: Math.max(0, ...[...byHost.values()].map((s) => s.size)), hostsReached: byHost.size };
}

describe('TrafficContext.sourceActivity', () => {
  it('counts the hosts a source reached and the most services it asked of one host, like plain sets do', () => {
    // Few sources and hosts, mostly inbound requests: sources ask the same host for several services.
    const rarely = fc.constantFrom(false, false, false, true);
    const item = fc
      .record({
        // Sources as flow logs write them, and spellings that are other texts: each its own source.
        src: fc.constantFrom('198.51.100.1', '198.51.100.2', '10.0.0.1', '2001:db8::1', '2001:db8:0:0:0:0:0:1', '010.0.0.1'),
        dst: fc.constantFrom('10.0.0.1', '10.0.0.2'),
        protocol: fc.constantFrom(6, 17, 1),
        port: fc.constantFrom(22, 80, 443, 3389),
        egress: rarely,
        returnTraffic: rarely,
      })
      .map((p) => probe(p.src, p.dst, p.protocol, p.port, p));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), (items) => {
        const context = TrafficContext.build(items, []);
        for (const source of ['198.51.100.1', '198.51.100.2', '10.0.0.1', '10.0.0.9', '2001:db8::1', '2001:db8:0:0:0:0:0:1', '010.0.0.1']) {
          expect(context.sourceActivity(source)).toEqual(reference(items, source));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts one service asked again of the same host once', () => {
    const context = TrafficContext.build(
      [probe('198.51.100.1', '10.0.0.1', 6, 22), probe('198.51.100.1', '10.0.0.1', 6, 22), probe('198.51.100.1', '10.0.0.1', 6, 80)],
      [],
    );
    expect(context.sourceActivity('198.51.100.1')).toEqual({ maxPortsOnOneHost: 2, hostsReached: 1 });
  });

  it('keeps statistics too large to pack exactly: thousands of ports asked of one host', () => {
    const items = Array.from({ length: 3000 }, (_, i) => probe('198.51.100.1', `10.0.0.${1 + (i % 3)}`, 6, 1 + i));
    expect(TrafficContext.build(items, []).sourceActivity('198.51.100.1')).toEqual({ maxPortsOnOneHost: 1000, hostsReached: 3 });
    const many = Array.from({ length: 1100 }, (_, i) => probe('2001:db8::7', '10.0.0.1', 17, 1 + i));
    expect(TrafficContext.build(many, []).sourceActivity('2001:db8::7')).toEqual({ maxPortsOnOneHost: 1100, hostsReached: 1 });
  });
});

describe('TrafficContext.acceptedFromOtherPeers', () => {
  /** An ACCEPT flow of `eni-1` for TCP `port`, its client `client` and its server 10.0.0.1. */
  function accepted(client: string, port: number, inbound: boolean): FlowAggregate {
    const flow = probe(inbound ? client : '10.0.0.1', inbound ? '10.0.0.1' : client, 6, port).flow;
    return { ...flow, action: 'ACCEPT' };
  }

  it('is true exactly when the same service was accepted with a peer outside the group, like plain sets say', () => {
    const peer = fc.constantFrom<string>('198.51.100.1', '198.51.100.2', '198.51.100.3');
    const port = fc.constantFrom(22, 443);
    fc.assert(
      fc.property(
        fc.array(fc.record({ client: peer, port, inbound: fc.boolean() }), { maxLength: 12 }),
        fc.array(peer, { minLength: 1, maxLength: 3 }),
        port,
        fc.boolean(),
        (flows, peers, groupPort, egress) => {
          const acceptedFlows = flows.map((f) => accepted(f.client, f.port, f.inbound));
          const context = TrafficContext.build([], acceptedFlows);
          const members = peers.map((p) => (egress ? probe('10.0.0.1', p, 6, groupPort, { egress }) : probe(p, '10.0.0.1', 6, groupPort)));
          const group = {
            fingerprint: 'f',
            blockedBy: { control: 'network-acl', networkAclId: 'acl-1', ruleNumber: 100, direction: 'ingress' },
            alsoBlockedBy: [],
            direction: egress ? 'egress' : 'ingress',
            protocol: 6,
            port: groupPort,
            returnTraffic: false,
            flows: members,
          } as unknown as FindingGroup;
          // The reference: the peers seen on the group's side of the same service of the same interface.
          const sameSide = acceptedFlows.filter((f) => f.dstport === groupPort && f.servicePortSide === 'dst');
          const others = sameSide.map((f) => (egress ? f.dstaddr : f.srcaddr)).filter((address) => !peers.includes(address));
          expect(context.acceptedFromOtherPeers(group)).toBe(others.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
