import { describe, expect, it } from 'vitest';

import type { DiagnoseResult } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import { APP1, APP2, type FlowRec, T0, WEB1, baseWorld, runDiagnose } from '../../../support/factories/scenario-network';

/*
 * Requests sent FROM a low port: the shared port-collapse rule keeps min(srcport, dstport), so a
 * request from port 80 to high ports is aggregated under port 80, its destination ports collapsed
 * into the range observed. The port such a request asks for is still its destination port: a SYN
 * from 80 to 1984 probes 1984. A scanner doing that to many high ports of a few hosts is a port
 * scan (its flows go to a campaign, no fix opens anything to it), while a client calling one
 * service from a fixed low port, or from ephemeral ports below the service port, asks for one port
 * and keeps its finding and its fix.
 *
 * Version 8 records with tcp-flags (a SYN unless given) and flow-direction, on the diagnose
 * scenarios' base world: every group allows all outbound and nothing inbound, every NACL is open.
 */

const SCANNER = '203.0.113.80';
/** Inside the VPC, but no interface of the snapshot: a peer the port-scan rule of fix scoping applies to. */
const BATCH = '10.0.9.50';
const HOSTS = [
  { eni: 'eni-app1', ip: APP1 },
  { eni: 'eni-app2', ip: APP2 },
  { eni: 'eni-web1', ip: WEB1 },
];

/** The scanner's SYNs from port 80, each retransmitted once, to `perHost` distinct high ports of each host, twenty minutes apart. */
function scanFromPort80(perHost = 12): FlowRec[] {
  return Array.from({ length: perHost * HOSTS.length }, (_, i) => {
    const host = HOSTS[i % HOSTS.length];
    return {
      eni: host.eni,
      src: SCANNER,
      dst: host.ip,
      sport: 80,
      dport: 1984 + i * 1013,
      packets: 2,
      flags: 2,
      dir: 'ingress',
      at: T0 + i * 1200,
    };
  });
}

/** A client's refused connects to `dst`:`dport`, retransmitted (three packets), ten minutes apart, from the source ports given. */
function retrying(src: string, dst: { eni: string; ip: string }, dport: number, sports: number[]): FlowRec[] {
  return sports.map((sport, i) => ({
    eni: dst.eni,
    src,
    dst: dst.ip,
    sport,
    dport,
    packets: 3,
    flags: 2,
    dir: 'ingress',
    at: T0 + i * 600,
  }));
}

const involving = (result: DiagnoseResult, address: string): Finding[] =>
  result.findings.filter((f) => f.traffic.peers.some((p) => p.address === address));

describe('requests from a low source port', () => {
  it('puts a scanner probing high ports from port 80 in a campaign, with no fix', () => {
    const result = runDiagnose(baseWorld(), scanFromPort80());
    const findings = involving(result, SCANNER);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'campaign', classification: 'likely-noise', suggestedFix: null });
    expect(findings[0].signals).toContain('port-scan');
    expect(result.findings.filter((f) => f.kind === 'rule')).toEqual([]);
  });

  it('keeps the fix of a client calling one service from a fixed low port, next to the scanner', () => {
    const active = retrying(BATCH, HOSTS[1], 45000, [20, 20, 20, 20]);
    const service = retrying(BATCH, HOSTS[0], 8080, [1500, 1500, 1500, 1500]);
    const result = runDiagnose(baseWorld(), [...scanFromPort80(), ...active, ...service]);
    const rules = involving(result, BATCH);
    expect(rules.map((f) => [f.kind, f.traffic.port, f.classification])).toEqual(
      expect.arrayContaining([
        ['rule', 45000, 'likely-misconfiguration'],
        ['rule', 8080, 'likely-misconfiguration'],
      ]),
    );
    expect(rules).toHaveLength(2);
    for (const finding of rules) {
      expect(finding.signals).not.toContain('port-scan');
      expect(finding.suggestedFix).not.toBeNull();
      expect(finding.fixNote).toBeUndefined();
    }
    expect(involving(result, SCANNER).map((f) => f.kind)).toEqual(['campaign']);
  });

  it('counts one port for a client whose ephemeral ports lie below the service port it calls', () => {
    // Each source port below 8080 is aggregated under itself (the lower port): twelve aggregates, one port asked for.
    const result = runDiagnose(
      baseWorld(),
      retrying(
        BATCH,
        HOSTS[0],
        8080,
        Array.from({ length: 12 }, (_, i) => 2000 + i * 7),
      ),
    );
    const [finding, ...others] = involving(result, BATCH);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ kind: 'rule', classification: 'likely-misconfiguration', traffic: { port: 8080 } });
    expect(finding.signals).not.toContain('port-scan');
    expect(finding.suggestedFix).not.toBeNull();
  });
});
