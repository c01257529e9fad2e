import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateNetworkAclRange, networkAclPortSegments } from '../../../../src/engine/evaluate/network-acl-evaluator';
import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { Direction, FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import type { PathHop } from '../../../../src/engine/path/path-result';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { ADDRESSES, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

const RUNS = { numRuns: 500 };
const ENDPOINTS = ['eni-1', 'eni-2', 'eni-3', 'eni-4', 'eni-404', ...ADDRESSES];
const PORTS = [22, 53, 80, 443, 1024, 8080, 32768, 50000, 65535];

/** The flow-log record a capturing interface would write for one packet of the path. */
function record(
  interfaceId: string,
  direction: Direction,
  src: string,
  dst: string,
  protocol: number,
  srcport: number | null,
  dstport: number | null,
  reply: boolean,
): FlowAggregate {
  const ported = protocol === 6 || protocol === 17;
  return flowAggregate({
    interfaceId,
    accountId: '111111111111',
    flowDirection: direction,
    srcaddr: src,
    dstaddr: dst,
    srcport: ported ? srcport : null,
    dstport: ported ? dstport : null,
    protocol,
    // SYN: the packet opens the connection; SYN-ACK: it answers one.
    tcpFlags: protocol === 6 ? (reply ? 18 : 2) : null,
    servicePortSide: reply ? 'src' : 'dst',
    firstSeen: 1700000000,
    lastSeen: 1700000060,
  });
}

/** The path's hops of one side agree with `explain` of that side's record: same blocking controls, same doubt. */
function expectAgreement(hops: PathHop[], controls: BlockingControl[], explained: FlowVerdict): void {
  const denies = hops.filter((h) => h.verdict === 'deny');
  const unknown = hops.some((h) => h.verdict === 'unknown');
  const bypassed = explained.bypassedLoadBalancer;
  if (bypassed !== undefined) {
    // A REJECT the NACL let in tells what a path question cannot: the packets came directly, not
    // through the load balancer whose forwarding the groups admit. The path leaves the groups open.
    expect(controls).toEqual(explained.blockedBy.filter((c) => c.control !== 'security-group'));
    expect(hops.some((h) => h.verdict === 'unknown' && h.checked.includes('security group') && (h.reason ?? '').includes(bypassed))).toBe(
      true,
    );
  } else if (explained.verdict === 'blocked') {
    expect(controls).toEqual(explained.blockedBy);
  } else {
    expect(denies).toEqual([]);
    expect(unknown).toBe(explained.verdict === 'unknown');
  }
}

const sideHops = (hops: PathHop[], direction: Direction, interfaceId: string): PathHop[] =>
  hops.filter((h) => h.hop !== 'route' && h.direction === direction && h.interfaceId === interfaceId);
const controlsOf = (controls: BlockingControl[], direction: Direction): BlockingControl[] =>
  controls.filter((c) => c.direction === direction);

describe('path analysis agrees with explain of the equivalent flow-log records', () => {
  it('on every control of the request and of the reply', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(6, 6, 17, 1, 58, 50),
        fc.constantFrom(...PORTS),
        fc.constantFrom(...PORTS),
        (snapshot, from, to, protocol, port, sourcePort) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const ported = protocol === 6 || protocol === 17;
          const path = analyzePath(model, { from, to, protocol, port: ported ? port : null, sourcePort: ported ? sourcePort : null });
          const src = path.source.address?.key;
          const dst = path.destination.address?.key;
          const seen = path.sourceSeen?.key;
          if (path.source.missing) {
            expect(
              explainFlow(model, record(from, 'egress', '10.0.1.10', dst ?? '203.0.113.7', protocol, sourcePort, port, false)).verdict,
            ).toBe('unknown');
            expect(path.hops.filter((h) => h.direction === 'egress').every((h) => h.verdict === 'unknown')).toBe(true);
          }
          if (path.source.eni && src && dst) {
            const eniId = path.source.eni.NetworkInterfaceId;
            const request = explainFlow(model, record(eniId, 'egress', src, dst, protocol, sourcePort, port, false));
            expectAgreement(sideHops(path.hops, 'egress', eniId), controlsOf(path.blockedBy, 'egress'), request);
            if (protocol === 6) {
              const reply = explainFlow(model, record(eniId, 'ingress', dst, src, protocol, port, sourcePort, true));
              expect(reply.returnTraffic).toBe(true);
              expectAgreement(sideHops(path.reply.hops, 'ingress', eniId), controlsOf(path.reply.blockedBy, 'ingress'), reply);
            }
          }
          if (path.destination.eni && seen && dst) {
            const eniId = path.destination.eni.NetworkInterfaceId;
            const request = explainFlow(model, record(eniId, 'ingress', seen, dst, protocol, sourcePort, port, false));
            expectAgreement(sideHops(path.hops, 'ingress', eniId), controlsOf(path.blockedBy, 'ingress'), request);
            if (protocol === 6) {
              const reply = explainFlow(model, record(eniId, 'egress', dst, seen, protocol, port, sourcePort, true));
              expect(reply.returnTraffic).toBe(true);
              expectAgreement(sideHops(path.reply.hops, 'egress', eniId), controlsOf(path.reply.blockedBy, 'egress'), reply);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('the port segments of a range agree with the range evaluator fixes rely on', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom('acl-a', 'acl-a2', 'acl-b'),
        fc.constantFrom('ingress', 'egress') as fc.Arbitrary<Direction>,
        fc.constantFrom(6, 17, 1, 58, 50),
        fc.constantFrom(...PORTS),
        fc.constantFrom(...PORTS),
        fc.constantFrom(...ADDRESSES),
        (snapshot, aclId, direction, protocol, a, b, peer) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const ports = { from: Math.min(a, b), to: Math.max(a, b) };
          const segments = networkAclPortSegments(model, aclId, direction, protocol, ports, peer)!;
          const range = evaluateNetworkAclRange(model, aclId, direction, protocol, ports, peer);
          const denies = segments.filter((s) => s.action === 'deny');
          // Segments tile the range.
          if (protocol === 6 || protocol === 17) {
            expect(segments[0].ports?.from).toBe(ports.from);
            expect(segments.at(-1)?.ports?.to).toBe(ports.to);
            segments.slice(1).forEach((s, i) => expect(s.ports!.from).toBe(segments[i].ports!.to + 1));
          }
          if (!segments.some((s) => s.uncertain)) {
            expect(range.allowed).toBe(denies.length === 0);
            expect(range.firstDeny).toBe(denies.length ? Math.min(...denies.map((s) => s.ruleNumber)) : null);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('a verified path fix, checked through explain', () => {
  it('every record of the path, request and reply, is allowed by explain once the fix is applied', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(6, 6, 17, 1),
        fc.constantFrom(...PORTS),
        (snapshot, from, to, protocol, port) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const ported = protocol === 6 || protocol === 17;
          if (from.includes(':') !== to.includes(':') && !from.startsWith('eni-') && !to.startsWith('eni-')) return;
          const path = explainPath(model, { from, to, protocol, port: ported ? port : null, sourcePort: ported ? 40000 : null });
          const fix = path.suggestedFix;
          if (!fix?.verified) return;
          const after = NetworkModel.fromSnapshot(applyChanges(snapshot, fix.changes));
          const src = path.source.address!.key;
          const dst = path.destination.address!.key;
          const seen = path.sourceSeen?.key;
          const records: FlowAggregate[] = [];
          if (path.source.eni) {
            const id = path.source.eni.NetworkInterfaceId;
            records.push(record(id, 'egress', src, dst, protocol, 40000, port, false));
            if (protocol === 6) records.push(record(id, 'ingress', dst, src, protocol, port, 40000, true));
          }
          if (path.destination.eni && seen) {
            const id = path.destination.eni.NetworkInterfaceId;
            records.push(record(id, 'ingress', seen, dst, protocol, 40000, port, false));
            if (protocol === 6) records.push(record(id, 'egress', dst, seen, protocol, port, 40000, true));
          }
          for (const flow of records) expect(explainFlow(after, flow).verdict, JSON.stringify(flow)).toBe('allowed');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ICMP paths that name a type', () => {
  const TYPES: Record<number, number[]> = { 1: [0, 3, 8, 13], 58: [128, 129, 1] };
  const typed = fc.constantFrom(1, 58).chain((protocol) => fc.tuple(fc.constant(protocol), fc.constantFrom(...TYPES[protocol])));

  it("agree with explain of the request's records carrying the type", () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(...ENDPOINTS),
        typed,
        (snapshot, from, to, [protocol, type]) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const path = analyzePath(model, { from, to, protocol, port: type, sourcePort: null });
          const src = path.source.address?.key;
          const dst = path.destination.address?.key;
          const seen = path.sourceSeen?.key;
          const typedRecord = (eni: string, direction: Direction, a: string, b: string) => ({
            ...record(eni, direction, a, b, protocol, null, null, false),
            icmpType: type,
          });
          if (path.source.eni && src && dst) {
            const eniId = path.source.eni.NetworkInterfaceId;
            const request = explainFlow(model, typedRecord(eniId, 'egress', src, dst));
            expectAgreement(sideHops(path.hops, 'egress', eniId), controlsOf(path.blockedBy, 'egress'), request);
          }
          if (path.destination.eni && seen && dst) {
            const eniId = path.destination.eni.NetworkInterfaceId;
            const request = explainFlow(model, typedRecord(eniId, 'ingress', seen, dst));
            expectAgreement(sideHops(path.hops, 'ingress', eniId), controlsOf(path.blockedBy, 'ingress'), request);
          }
        },
      ),
      RUNS,
    );
  });

  it('get a fix that opens the type and the answer type only, verified by the path analysed again', () => {
    let fixes = 0;
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom(...ENDPOINTS),
        fc.constantFrom(...ENDPOINTS),
        typed,
        (snapshot, from, to, [protocol, type]) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const path = explainPath(model, { from, to, protocol, port: type, sourcePort: null });
          const fix = path.suggestedFix;
          // A path between two addresses of the protocol's IP family, refused by security groups and NACLs alone, every hop
          // decided, gets a fix. (An interface asked at its own private address is left out: the packets never leave it.)
          if (path.source.eni && path.source.eni === path.destination.eni && path.destination.address?.key === path.source.address?.key)
            return;
          const family = protocol === 1 ? 4 : 6;
          const coherent =
            path.source.address?.family === family &&
            path.destination.address?.family === family &&
            path.source.address.key !== path.destination.address.key;
          const decided = [...path.hops, ...path.reply.hops].every((h) => h.verdict !== 'unknown');
          const controlsOnly = [...path.hops, ...path.reply.hops].every((h) => h.verdict !== 'deny' || h.hop !== 'route');
          if (path.verdict === 'blocked' && coherent && decided && controlsOnly) expect(fix, path.reason).not.toBeNull();
          if (!fix) return;
          fixes++;
          const reply = { 1: { 8: 0, 13: 14 }, 58: { 128: 129 } }[protocol]?.[type as 8] ?? null;
          for (const change of fix.changes) {
            const p = change.params as Record<string, unknown>;
            if (change.action.startsWith('Authorize')) {
              for (const permission of p.IpPermissions as { FromPort?: number; ToPort?: number }[])
                expect(permission).toMatchObject({ FromPort: type, ToPort: -1 });
            } else if (p.RuleAction === 'allow') {
              const opened = (p.IcmpTypeCode as { Type: number }).Type;
              expect(opened === type || (reply !== null ? opened === reply : opened === -1), JSON.stringify(change)).toBe(true);
            }
          }
          if (reply !== null) expect(fix.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
          if (fix.verified)
            expect(analyzePath(NetworkModel.fromSnapshot(applyChanges(snapshot, fix.changes)), path.query).verdict).toBe('allowed');
          else
            expect(
              fix.risks.map((r) => r.kind),
              path.reason,
            ).toEqual(expect.arrayContaining([expect.stringMatching(/path-still-blocked|invalid-change/)]));
        },
      ),
      RUNS,
    );
    expect(fixes).toBeGreaterThan(20);
  });
});
