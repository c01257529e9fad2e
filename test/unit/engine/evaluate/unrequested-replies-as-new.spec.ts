import { describe, expect, it } from 'vitest';

import type { Finding } from '../../../../src/engine/findings/finding';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import {
  DB1,
  type FlowRec,
  OPEN,
  T0,
  WEB1,
  allow,
  baseWorld,
  naclIn,
  runDiagnose,
  sgIn,
  tcp,
} from '../../../support/factories/scenario-network';

/*
 * A packet from a service port (443) to a high port of a public web host looks like a reply by port
 * order. A security group passes replies of the connections it tracks only: when the input holds
 * the host interface's ACCEPT records and none is the request the packet would answer, the group
 * saw no connection to pass it on, and judged it as a new inbound connection to that high port —
 * which no rule admits. That refusal is what the REJECT record shows.
 *
 * On the base world (eni-web1 WEB1 in subnet-web, eni-db1 DB1 in subnet-data), with:
 *
 *   sg-web   tcp 443 from anywhere in, all out
 *   acl-web  in: 100 tcp 443 from anywhere, 110 tcp 1024–65535 from anywhere; out: everything
 */

const SCANNER = '203.0.113.99';
const API = '198.51.100.7';

const world = (inbound = [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '0.0.0.0/0', '6', [1024, 65535])]) =>
  baseWorld().ingress('sg-web', tcp(443, '0.0.0.0/0')).acl('acl-web', inbound, OPEN);
const WORLD = world();
/** acl-web admitting 443 only inbound: its catch-all refuses the high ports. */
const NARROW = world([allow(100, '0.0.0.0/0', '6', [443, 443])]);

const flow = (fields: Partial<FlowAggregate>): FlowAggregate =>
  flowAggregate({ interfaceId: 'eni-web1', records: 1, packets: 1, firstSeen: T0, lastSeen: T0 + 60, ...fields });

/** The packet: from SCANNER:443 to WEB1:50000, no SYN. */
const PROBE = flow({ srcaddr: SCANNER, dstaddr: WEB1, srcport: 443, dstport: 50000, tcpFlags: 0 });

/** The host's own HTTPS connection to API, accepted both ways: its flow log keeps accepted traffic. */
const OUTBOUND_HTTPS = [
  flow({ srcaddr: WEB1, dstaddr: API, srcport: 40000, dstport: 443, action: 'ACCEPT', tcpFlags: 2 }),
  flow({ srcaddr: API, dstaddr: WEB1, srcport: 443, dstport: 40000, action: 'ACCEPT', tcpFlags: 18 }),
];
/** The host's request the probe would answer, accepted on the way out. */
const REQUEST = flow({ srcaddr: WEB1, dstaddr: SCANNER, srcport: 50000, dstport: 443, action: 'ACCEPT', tcpFlags: 2 });

/** explainFlow and the reference evaluator on the same input: they must agree on what the contract prints. */
function explain(network: typeof WORLD, rejected: FlowAggregate, accepted: FlowAggregate[]): FlowVerdict {
  const snapshot = network.snapshot();
  const verdict = explainFlow(NetworkModel.fromSnapshot(snapshot), rejected, { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) });
  const { reason: _fast, unrequested: _unrequested, ...fast } = verdict;
  const { reason: _slow, ...slow } = referenceExplainFlow(snapshot, rejected, accepted);
  expect(fast).toEqual(slow);
  return verdict;
}

describe('(1) a "reply" the interface accepted traffic holds no request for: a new connection to the group', () => {
  it.each([
    ['without SYN', 0],
    ['without tcp-flags (version 2)', null],
  ])('%s: blocked by the host group, not return traffic, and the reason says why', (_, tcpFlags) => {
    const verdict = explain(WORLD, { ...PROBE, tcpFlags }, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'blocked', direction: 'ingress', returnTraffic: false, unrequested: true });
    expect(verdict.blockedBy).toEqual([sgIn('sg-web')]);
    expect(verdict.reason).toMatch(/no rule of sg-web allows tcp\/50000 from 203\.0\.113\.99/);
    expect(verdict.reason).toMatch(/accepted traffic of eni-web1 holds no request it answers/);
    expect(verdict.reason).toMatch(/new connection/);
  });

  it('a SYN-ACK that answers no SYN the interface sent: blocked by the group too (backscatter, or a scanner)', () => {
    const verdict = explain(WORLD, { ...PROBE, tcpFlags: 18 }, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: false, unrequested: true, blockedBy: [sgIn('sg-web')] });
    expect(verdict.reason).toMatch(/tcp-flags/);
  });

  it('where the NACL refuses the high port too, both are listed in path order: the NACL first', () => {
    const verdict = explain(NARROW, PROBE, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: false, unrequested: true });
    expect(verdict.blockedBy).toEqual([naclIn('acl-web', 32767), sgIn('sg-web')]);
  });
});

describe('(2) with its request accepted, it is a reply: unchanged', () => {
  it('return traffic the NACL admits: allowed', () => {
    const verdict = explain(WORLD, PROBE, [...OUTBOUND_HTTPS, REQUEST]);
    expect(verdict).toMatchObject({ verdict: 'allowed', returnTraffic: true, blockedBy: [] });
    expect(verdict.unrequested).toBeUndefined();
  });

  it('return traffic the NACL refuses: a NACL block, the group never asked', () => {
    const verdict = explain(NARROW, PROBE, [...OUTBOUND_HTTPS, REQUEST]);
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclIn('acl-web', 32767)] });
    expect(verdict.unrequested).toBeUndefined();
  });
});

describe('(3) without the evidence, nothing changes', () => {
  const otherInterface = OUTBOUND_HTTPS.map((f) => ({ ...f, interfaceId: 'eni-app1' }));

  it.each([
    ['no ACCEPT records at all', []],
    ['ACCEPT records of another interface only', otherInterface],
  ])('%s: return traffic, allowed, nothing marked', (_, accepted) => {
    const verdict = explain(WORLD, PROBE, accepted);
    expect(verdict).toMatchObject({ verdict: 'allowed', returnTraffic: true, blockedBy: [] });
    expect(verdict.unrequested).toBeUndefined();
  });

  it('an internal peer sending from a service port: still return traffic, marked unrequested, and unknown where the group refuses it as new', () => {
    const fromDb = { ...PROBE, srcaddr: DB1, srcport: 5432 };
    const verdict = explain(WORLD, fromDb, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'unknown', returnTraffic: true, unrequested: true, blockedBy: [] });
    expect(verdict.reason).toMatch(/accepted traffic of eni-web1 holds no request it answers/);
    expect(verdict.reason).toMatch(/no rule of sg-web allows tcp\/50000 from 10\.\d+\.\d+\.\d+/);
    expect(verdict.reason).toMatch(/another interface/);
  });

  it('an internal peer to a port the group opens to it: allowed, a reply or not', () => {
    const fromDb = { ...PROBE, srcaddr: DB1, srcport: 5432 };
    const open = world().ingress('sg-web', tcp(443, '0.0.0.0/0'), tcp(50000, '10.0.0.0/8'));
    const verdict = explain(open, fromDb, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'allowed', blockedBy: [] });
  });

  it('an internal peer the group might admit as new (a prefix list without entries): unknown too, saying why', () => {
    const fromDb = { ...PROBE, srcaddr: DB1, srcport: 5432 };
    const maybe = world().ingress('sg-web', tcp(443, '0.0.0.0/0'), {
      IpProtocol: 'tcp',
      FromPort: 50000,
      ToPort: 50000,
      PrefixListIds: [{ PrefixListId: 'pl-0unknown' }],
    });
    const verdict = explain(maybe, fromDb, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'unknown', returnTraffic: true, unrequested: true });
    expect(verdict.reason).toMatch(/pl-0unknown/);
  });

  it('an internal SYN-ACK answering no SYN the interface sent: unknown, not "already fixed"', () => {
    const synAck = { ...PROBE, srcaddr: DB1, srcport: 5432, tcpFlags: 18 };
    const verdict = explain(WORLD, synAck, OUTBOUND_HTTPS);
    expect(verdict).toMatchObject({ verdict: 'unknown', returnTraffic: true, unrequested: true });
  });
});

describe('(4) diagnose: the unsolicited packets go to a campaign, with no fix', () => {
  const adminSession: FlowRec[] = [
    { eni: 'eni-web1', src: WEB1, dst: API, sport: 40000, dport: 443, at: T0, action: 'ACCEPT', flags: 2 },
    { eni: 'eni-web1', src: API, dst: WEB1, sport: 443, dport: 40000, at: T0, action: 'ACCEPT', flags: 18 },
  ];
  /** Eight single-packet probes from SCANNER:443 to high ports of WEB1, a minute apart, without SYN. */
  const probes: FlowRec[] = Array.from({ length: 8 }, (_, i) => ({
    eni: 'eni-web1',
    src: SCANNER,
    dst: WEB1,
    sport: 443,
    dport: 50000 + i * 101,
    packets: 1,
    flags: 0,
    at: T0 + i * 60,
  }));
  const peersOf = (f: Finding): string[] => f.traffic.peers.map((p) => (typeof p === 'string' ? p : p.address));

  it.each([
    ['the NACL admitting the high ports', WORLD],
    ['the NACL refusing them', NARROW],
  ])('with %s: one likely-noise campaign for the scanner, no rule finding, no fix', (_, network) => {
    const result = runDiagnose(network, [...probes, ...adminSession]);
    const mine = result.findings.filter((f) => peersOf(f).includes(SCANNER));
    expect(mine.map((f) => [f.kind, f.classification])).toEqual([['campaign', 'likely-noise']]);
    expect(mine[0].suggestedFix).toBeNull();
    expect(mine[0].signals).toContain('unsolicited-reply');
    expect(result.findings.filter((f) => f.kind === 'rule')).toEqual([]);
    for (const f of result.findings) expect(JSON.stringify(f.suggestedFix ?? null)).not.toContain(SCANNER);
  });
});
