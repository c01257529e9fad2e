import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../../samples/sample-snapshot';
import { diagnose, diagnoseStream } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { VerdictPool } from '../../../../src/engine/evaluate/verdict-pool';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { FlowAggregateStore } from '../../../../src/engine/flow-log/flow-aggregate-store';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { selectRows } from '../../../../src/engine/flow-log/flow-rows';
import { sampleDayAggregates } from '../../../support/sample-day';

const snapshot = validateSnapshot(buildSnapshot());
const aggregates = sampleDayAggregates();

describe('diagnoseStream', () => {
  it('yields what diagnose returns, in the same order, and counts findings and fixes as they are drawn', () => {
    const whole = diagnose(snapshot, aggregates);
    const stream = diagnoseStream(snapshot, aggregates);
    expect(stream.total).toBe(whole.findings.length);
    expect(stream.stats.findings.total).toBe(0);
    expect(stream.stats.fixes.suggested).toBe(0);
    expect(stream.stats.coverage).toEqual(whole.stats.coverage);

    const drawn = [...stream.findings];
    expect(JSON.stringify(drawn.map((item) => item.finding))).toBe(JSON.stringify(whole.findings));
    expect(stream.stats).toEqual(whole.stats);
    expect(whole.stats.fixes.suggested).toBeGreaterThan(0);
    for (const { finding, flows } of drawn)
      expect(flows.map((item) => item.flow)).toEqual(whole.flowsByFingerprint.get(finding.fingerprint));
    // Every rejected flow the verdicts call blocked stands in exactly one finding.
    const blocked = whole.stats.rejected.blocked.flows;
    expect(drawn.reduce((sum, item) => sum + item.flows.length, 0)).toBeGreaterThanOrEqual(blocked);
    expect(new Set(drawn.flatMap((item) => item.flows.map((e) => e.flow))).size).toBe(
      drawn.reduce((sum, item) => sum + item.flows.length, 0),
    );
  });

  it('gives each blocked flow to one finding with its own verdict, whatever part of the input in whatever order', () => {
    const model = NetworkModel.fromSnapshot(snapshot);
    const wholeFindings = JSON.stringify(diagnose(snapshot, aggregates).findings);
    fc.assert(
      fc.property(fc.shuffledSubarray(aggregates, { minLength: 1 }), fc.boolean(), (part, whole) => {
        const input = whole ? [...part, ...aggregates.filter((flow) => !part.includes(flow))] : part;
        const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(input.filter((flow) => flow.action === 'ACCEPT')) };
        const stream = diagnoseStream(snapshot, input);
        const drawn = [...stream.findings];
        const seen = new Set<unknown>();
        for (const { flows } of drawn) {
          for (const item of flows) {
            expect(seen.has(item.flow)).toBe(false);
            seen.add(item.flow);
            const { reason: _reason, ...own } = explainFlow(model, item.flow, ctx);
            expect(item.verdict).toEqual(own);
          }
        }
        // Exactly the blocked flows, each in one finding.
        expect(seen.size).toBe(stream.stats.rejected.blocked.flows);
        // The same findings whatever the order of the input.
        if (whole) expect(JSON.stringify(drawn.map((item) => item.finding))).toBe(wholeFindings);
      }),
      { numRuns: 12 },
    );
  });

  it('gives the same findings, stats and flows from a FlowAggregateStore, whose rows are read afresh each time', () => {
    const store = new FlowAggregateStore();
    for (const flow of aggregates) store.add(flow);
    const fromArray = diagnose(snapshot, aggregates);
    const fromStore = diagnose(snapshot, store);
    expect(JSON.stringify(fromStore.findings)).toBe(JSON.stringify(fromArray.findings));
    expect(fromStore.stats).toEqual(fromArray.stats);
    expect(JSON.stringify([...fromStore.flowsByFingerprint])).toBe(JSON.stringify([...fromArray.flowsByFingerprint]));
    // And in scope only: some rows of the store, read through it.
    const ingress = (flow: FlowAggregate) => flow.action === 'ACCEPT' || flow.dstaddr.startsWith('10.');
    expect(JSON.stringify(diagnose(snapshot, selectRows(store, ingress)).findings)).toBe(
      JSON.stringify(diagnose(snapshot, aggregates.filter(ingress)).findings),
    );
  });

  it('can be drawn once: a second pass yields nothing', () => {
    const stream = diagnoseStream(snapshot, aggregates);
    expect([...stream.findings]).toHaveLength(stream.total);
    expect([...stream.findings]).toHaveLength(0);
  });
});

describe('VerdictPool', () => {
  const model = NetworkModel.fromSnapshot(snapshot);
  const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(aggregates.filter((flow) => flow.action === 'ACCEPT')) };
  const rejected = aggregates.filter((flow) => flow.action === 'REJECT');

  it('shares one verdict among flows judged alike, equal to each flow’s own verdict but its per-flow reason', () => {
    const pool = new VerdictPool();
    const kinds = new Set<string>();
    for (const flow of rejected) {
      const own = explainFlow(model, flow, ctx);
      const shared = pool.shared(explainFlow(model, flow, ctx));
      kinds.add(own.verdict);
      if (own.verdict === 'unknown') {
        expect(shared).toEqual(own);
        continue;
      }
      const { reason: _reason, ...rest } = own;
      expect(shared).toEqual(rest);
      expect(shared).toBe(pool.shared(own));
    }
    expect(kinds).toContain('blocked');
  });

  it('keeps verdicts that differ apart: direction, return-ness, controls, rule numbers and unrequested replies', () => {
    const pool = new VerdictPool();
    const base = { verdict: 'blocked' as const, direction: 'ingress' as const, returnTraffic: false };
    const acl = (ruleNumber: number) => ({
      control: 'network-acl' as const,
      direction: 'ingress' as const,
      networkAclId: 'acl-1',
      ruleNumber,
    });
    const sg = (...groupIds: string[]) => ({ control: 'security-group' as const, direction: 'ingress' as const, groupIds });
    const verdicts = [
      { ...base, blockedBy: [acl(100)] },
      { ...base, blockedBy: [acl(200)] },
      { ...base, blockedBy: [sg('sg-1')] },
      { ...base, blockedBy: [sg('sg-1', 'sg-2')] },
      { ...base, blockedBy: [acl(100), sg('sg-1')] },
      { ...base, returnTraffic: true, blockedBy: [acl(100)] },
      { ...base, returnTraffic: true, blockedBy: [acl(100)], unrequested: true as const },
      { ...base, direction: 'egress' as const, blockedBy: [{ ...acl(100), direction: 'egress' as const }] },
      { ...base, blockedBy: [{ control: 'block-public-access' as const, direction: 'ingress' as const }] },
      { verdict: 'allowed' as const, direction: 'ingress' as const, returnTraffic: false, blockedBy: [] },
    ];
    const shared = verdicts.map((verdict) => pool.shared({ ...verdict, reason: 'why' }));
    expect(new Set(shared).size).toBe(verdicts.length);
    shared.forEach((verdict, i) => expect(verdict).toEqual(verdicts[i]));
  });
});
