import { describe, expect, it } from 'vitest';

import type { DiagnoseResult } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import {
  APP1,
  APP2,
  DB1,
  type FlowRec,
  OPEN,
  T0,
  allow,
  baseWorld,
  conversation,
  runDiagnose,
  tcp,
} from '../../../support/factories/scenario-network';

/*
 * Packets that come FROM a service port (443, 53) TO a high port of an instance look like replies
 * by port order. A real reply answers a connection the instance opened: that request left the
 * instance's interface, allowed by its group and NACL outbound, and a flow log that keeps ACCEPT
 * records logged it at that interface, to the peer's service port. When the input holds the
 * interface's ACCEPT records but none of its requests to that peer and port, the "replies" were
 * never asked for (a scanner sending from a service port to slip past stateless filters, or
 * backscatter): no rule must be opened for them. Without ACCEPT records of the interface the
 * evidence is missing and nothing new is concluded.
 *
 * Version 2 records (no tcp-flags, no flow-direction), through the parser and the aggregator into
 * the store the CLI hands to `diagnose` (`runDiagnose`), on the diagnose scenarios' base world
 * (eni-app1 APP1 and eni-app2 APP2 in subnet-app, eni-db1 DB1 in subnet-data) with:
 *
 *   sg-app   tcp 22 from the VPC in, all out
 *   sg-db    tcp 5432 from sg-app in, all out
 *   acl-app  in: 100 tcp 22 from the VPC, 110 tcp 443 from anywhere; out: everything
 *   acl-data open both ways
 *
 *   acl-app has no inbound rule for the ephemeral ports: replies to the instances' own requests
 *   are REJECTed by its catch-all deny (32767).
 */

const ADMIN = '10.0.3.99';
const SCANNER = '203.0.113.99';
const SERVER = '203.0.113.10';
const RESOLVER = '198.51.100.53';

const WORLD = baseWorld()
  .ingress('sg-app', tcp(22, '10.0.0.0/16'))
  .ingress('sg-db', tcp(5432, 'sg-app'))
  .acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22]), allow(110, '0.0.0.0/0', '6', [443, 443])], OPEN);

function run(records: FlowRec[]): DiagnoseResult {
  return runDiagnose(WORLD, records, 'v2');
}

/**
 * A scanner sending from `sport` to `count` high ports of `dst`, two packets a probe (a retransmission:
 * the one-packet probe is already told by `single-packet`), `gap` seconds apart.
 */
function scan(opts: { eni: string; dst: string; src?: string; sport: number; protocol?: number; count?: number; gap?: number }): FlowRec[] {
  return Array.from({ length: opts.count ?? 30 }, (_, i) => ({
    eni: opts.eni,
    src: opts.src ?? SCANNER,
    dst: opts.dst,
    sport: opts.sport,
    dport: 40000 + i * 17,
    protocol: opts.protocol ?? 6,
    packets: 2,
    at: T0 + i * (opts.gap ?? 20),
  }));
}

/**
 * eni-app1's own connections to `server`:`port`, ten minutes apart from client ports 40100 on: the
 * requests ACCEPTed on the way out, the replies REJECTed on the way in (three packets: the server
 * retransmits its unanswered SYN-ACK).
 */
function app1Conversation(server: string, port: number, count = 4): FlowRec[] {
  return conversation({
    client: APP1,
    server,
    port,
    clientPorts: Array.from({ length: count }, (_, i) => 40100 + i),
    acceptedAt: { eni: 'eni-app1', dir: 'egress' },
    rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
  });
}

/** An administrator's SSH session to the instance, accepted both ways: the interface's ACCEPT traffic is in the logs. */
function adminSession(eniId: string, host: string): FlowRec[] {
  return [
    { eni: eniId, src: ADMIN, dst: host, sport: 51000, dport: 22, at: T0, action: 'ACCEPT' },
    { eni: eniId, src: host, dst: ADMIN, sport: 22, dport: 51000, at: T0, action: 'ACCEPT' },
  ];
}

const peersOf = (f: Finding): string[] => f.traffic.peers.map((p) => (typeof p === 'string' ? p : p.address));
const findingsWith = (result: DiagnoseResult, address: string): Finding[] => result.findings.filter((f) => peersOf(f).includes(address));
const fixText = (f: Finding): string => JSON.stringify(f.suggestedFix ?? null);

function expectNothingOpenedTo(result: DiagnoseResult, address: string): void {
  for (const f of result.findings) expect(fixText(f), `fix of ${f.fingerprint}`).not.toContain(address);
}

/** The one finding whose peers include `address`. */
function findingOf(result: DiagnoseResult, address: string): Finding {
  const found = findingsWith(result, address);
  expect(found, JSON.stringify(result.findings.map((f) => [f.kind, f.classification, f.traffic.port, peersOf(f)]))).toHaveLength(1);
  return found[0];
}

describe('replies nobody asked for, with the interface accepted traffic in the logs', () => {
  it('(a) a scanner sending from tcp/443 to thirty high ports, two packets each: noise, nothing opened to it', () => {
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 443, gap: 1 }), ...adminSession('eni-app1', APP1)]);
    expectNothingOpenedTo(result, SCANNER);
    const f = findingOf(result, SCANNER);
    expect(f.classification).toBe('likely-noise');
    expect(f.suggestedFix).toBeNull();
    expect(f.signals).toContain('unsolicited-reply');
  });

  it('(a) the same scanner coming back over two hours, on a port the NACL opens inbound: still noise', () => {
    // Spread out (repeated over time) and on 443, which acl-app admits from anywhere (a port opened for others):
    // the misconfiguration side adds up, and must not outweigh replies that answer nothing.
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 443, gap: 240 }), ...adminSession('eni-app1', APP1)]);
    expectNothingOpenedTo(result, SCANNER);
    const f = findingOf(result, SCANNER);
    expect(f.classification).toBe('likely-noise');
    expect(f.suggestedFix).toBeNull();
  });

  it('(a) udp/53 "answers" to an instance that asked no resolver at that address: noise, nothing opened to the sender', () => {
    const result = run([
      ...scan({ eni: 'eni-app1', dst: APP1, src: RESOLVER, sport: 53, protocol: 17 }),
      ...adminSession('eni-app1', APP1),
    ]);
    expectNothingOpenedTo(result, RESOLVER);
    const f = findingOf(result, RESOLVER);
    expect(f.classification).toBe('likely-noise');
    expect(f.suggestedFix).toBeNull();
  });

  it('(a)+(b) one interface, a scanner from tcp/53 and real replies from tcp/443: the scanner is noise, the replies keep their NACL fix', () => {
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 53 }), ...app1Conversation(SERVER, 443)]);
    expectNothingOpenedTo(result, SCANNER);
    expect(findingOf(result, SCANNER).classification).toBe('likely-noise');
    const real = findingOf(result, SERVER);
    expect(real.classification).toBe('likely-misconfiguration');
    expect(fixText(real)).toContain(`${SERVER}/32`);
  });
});

describe('a scanner and real replies on the same service port', () => {
  // Both come from tcp/443 into acl-app's catch-all deny: one rule, one fingerprint. The scanner's
  // flows must neither widen the real finding's fix to its address nor, when they outnumber the
  // real replies, carry that finding into the noise.
  it.each([
    ['fewer', 4],
    ['more', 30],
  ])('with %s scanner records than real ones: the replies keep their fix, the scanner is noise and left out of it', (_, count) => {
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 443, count, gap: 1 }), ...app1Conversation(SERVER, 443, 8)]);
    expectNothingOpenedTo(result, SCANNER);
    const scanner = findingOf(result, SCANNER);
    expect(scanner.classification).toBe('likely-noise');
    expect(peersOf(scanner)).not.toContain(SERVER);
    const real = findingOf(result, SERVER);
    expect(real.classification).toBe('likely-misconfiguration');
    expect(fixText(real)).toContain(`${SERVER}/32`);
    expect(real.suggestedFix?.verified).toBe(true);
  });

  it('requests to the same peer on another port do not make its tcp/443 packets replies', () => {
    // The instance talks to the scanner's address on 80 only: what comes from 443 answers none of it.
    const toPort80 = app1Conversation(SCANNER, 80).filter((r) => r.action === 'ACCEPT');
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 443, gap: 1 }), ...toPort80]);
    expectNothingOpenedTo(result, SCANNER);
    expect(findingOf(result, SCANNER).classification).toBe('likely-noise');
  });
});

describe('real replies', () => {
  it('(b) replies from 203.0.113.10:443 to the requests the instance sent there: a NACL gap, fixed on the ephemeral range', () => {
    const result = run([...app1Conversation(SERVER, 443), ...adminSession('eni-app1', APP1)]);
    const f = findingOf(result, SERVER);
    expect(f.kind).toBe('rule');
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.signals).not.toContain('unsolicited-reply');
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32767 });
    const changes = f.suggestedFix?.changes ?? [];
    expect(changes.map((c) => c.action)).toEqual(['CreateNetworkAclEntry']);
    const params = changes[0].params;
    expect(params).toMatchObject({ NetworkAclId: 'acl-app', Egress: false, RuleAction: 'allow', CidrBlock: `${SERVER}/32` });
    const range = params.PortRange as { From: number; To: number };
    expect(range.From).toBeLessThanOrEqual(40100);
    expect(range.To).toBeGreaterThanOrEqual(40103);
    expect(f.suggestedFix?.verified).toBe(true);
  });
});

describe('without the evidence, nothing new is concluded', () => {
  // Today's outcome for the scanner of (a): port order makes it return traffic, a NACL gap.
  const expectReadAsReplies = (f: Finding) => {
    expect(f.signals).not.toContain('unsolicited-reply');
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.classification).toBe('likely-misconfiguration');
  };

  it('(c) REJECT-only logs: the same scanner is read as replies, as before', () => {
    expectReadAsReplies(findingOf(run(scan({ eni: 'eni-app1', dst: APP1, sport: 443 })), SCANNER));
  });

  it("(c) ACCEPT records of another interface only say nothing of this one's requests", () => {
    const result = run([...scan({ eni: 'eni-app1', dst: APP1, sport: 443 }), ...adminSession('eni-app2', APP2)]);
    expectReadAsReplies(findingOf(result, SCANNER));
  });

  it('(c) real replies in REJECT-only logs keep their fix', () => {
    const result = run(app1Conversation(SERVER, 443).filter((r) => r.action !== 'ACCEPT'));
    const f = findingOf(result, SERVER);
    expect(f.signals).not.toContain('unsolicited-reply');
    expect(fixText(f)).toContain(`${SERVER}/32`);
  });

  it('(d) an internal peer sending from 5432 to high ports, no request to it in the logs: unchanged', () => {
    const result = run([
      ...scan({ eni: 'eni-app1', dst: APP1, src: DB1, sport: 5432, count: 4, gap: 600 }),
      ...adminSession('eni-app1', APP1),
    ]);
    const f = findingOf(result, DB1);
    expect(f.signals).not.toContain('unsolicited-reply');
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.classification).toBe('likely-misconfiguration');
  });
});
