import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import {
  APP1,
  W1,
  allow,
  baseWorld,
  conversation,
  deny,
  linuxOnlyReplies,
  naclOut,
  runDiagnose,
  tcp,
} from '../../../support/factories/scenario-network';

/*
 * An aggregate collapses the client's ephemeral ports to the range it saw (the lowest of them
 * stands for the flow). A NACL filters on the destination port, so when that port is the collapsed
 * one (replies, requests from a low port), one range of observed ports can straddle an entry's
 * edge: the app subnet answers only the Linux range 32768-60999, and the window holds replies to a
 * Windows client both inside it and beyond it. The ports beyond it are still refused.
 */

const replies = (ports: [number, number], action: 'ACCEPT' | 'REJECT' = 'REJECT'): FlowAggregate =>
  flowAggregate({
    interfaceId: 'eni-app1',
    flowDirection: 'egress',
    srcaddr: APP1,
    dstaddr: W1,
    srcport: 8080,
    dstport: ports[0],
    tcpFlags: 18,
    servicePortSide: 'src',
    ephemeralPortMin: ports[0],
    ephemeralPortMax: ports[1],
    records: 4,
    action,
  });

/** The app subnet lets replies out to every client port but a band in the middle, which an entry before denies. */
const midBandDenied = () =>
  baseWorld()
    .ingress('sg-app', tcp(8080, '10.0.0.0/8'))
    .acl('acl-app', [allow(100, '0.0.0.0/0')], [deny(90, '0.0.0.0/0', '6', [50000, 50100]), allow(100, '0.0.0.0/0', '6', [1024, 65535])]);

describe('a collapsed range of destination ports', () => {
  const snapshot = linuxOnlyReplies().snapshot();
  const model = NetworkModel.fromSnapshot(snapshot);

  it('is blocked when its highest observed port is refused, though its lowest is let out', () => {
    const verdict = explainFlow(model, replies([40000, 62000]));
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclOut('acl-app', 32767)] });
    expect(verdict.reason).toContain('62000');
    const { reason: _r, ...reference } = referenceExplainFlow(snapshot, replies([40000, 62000]));
    const { reason: _f, ...fast } = verdict;
    expect(fast).toEqual(reference);
  });

  it('is allowed when both its lowest and highest ports are let out', () => {
    expect(explainFlow(model, replies([40000, 60999])).verdict).toBe('allowed');
    expect(referenceExplainFlow(snapshot, replies([40000, 60999])).verdict).toBe('allowed');
  });

  it('REJECTed, with both ends let out, is blocked where an entry between them denies: the first port refused stands for it', () => {
    const world = midBandDenied().snapshot();
    const verdict = explainFlow(NetworkModel.fromSnapshot(world), replies([40000, 62000]));
    expect(verdict).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclOut('acl-app', 90)] });
    expect(verdict.reason).toContain('50000');
    const { reason: _r, ...reference } = referenceExplainFlow(world, replies([40000, 62000]));
    const { reason: _f, ...fast } = verdict;
    expect(fast).toEqual(reference);
    // Accepted at every port it went to, whatever lies between; and a range that stops short of the band is let out.
    expect(explainFlow(NetworkModel.fromSnapshot(world), replies([40000, 62000], 'ACCEPT')).verdict).toBe('allowed');
    expect(explainFlow(NetworkModel.fromSnapshot(world), replies([40000, 49999])).verdict).toBe('allowed');
    expect(explainFlow(NetworkModel.fromSnapshot(world), replies([50100, 50101])).verdict).toBe('blocked');
  });

  it('diagnose: replies to client ports on both sides of a denied band and inside it: a NACL finding on the deny, its fix verified', () => {
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [40000, 50050, 62000],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const findings = runDiagnose(midBandDenied(), records).findings.filter((f) => f.kind === 'rule');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.blockedBy).toEqual(naclOut('acl-app', 90));
    const fix = findings[0]!.suggestedFix!;
    expect(fix.verified).toBe(true);
    const entry = fix.changes.find((c) => c.params.RuleAction === 'allow')!;
    expect(entry.params).toMatchObject({ NetworkAclId: 'acl-app', Egress: true, Protocol: '6' });
    expect(entry.params.RuleNumber).toBeLessThan(90);
    const range = entry.params.PortRange as { From: number; To: number };
    expect(range.From).toBeLessThanOrEqual(50050);
    expect(range.To).toBeGreaterThanOrEqual(50050);
  });

  it('diagnose: replies refused before the NACL was widened and after it, to a Windows client: still a NACL finding, its fix covering the refused ports', () => {
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [40000, 45000, 62000, 63000],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const result = runDiagnose(linuxOnlyReplies(), records);
    const findings = result.findings.filter((f) => f.kind === 'rule');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.blockedBy).toEqual(naclOut('acl-app', 32767));
    const fix = findings[0]!.suggestedFix!;
    expect(fix.verified).toBe(true);
    const entry = fix.changes.find((c) => c.params.RuleAction === 'allow')!;
    expect(entry.params).toMatchObject({ NetworkAclId: 'acl-app', Egress: true, Protocol: '6' });
    const range = entry.params.PortRange as { From: number; To: number };
    expect(range.To).toBeGreaterThanOrEqual(63000);
  });
});
