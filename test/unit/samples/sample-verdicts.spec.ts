import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../../samples/generate';
import { buildSnapshot } from '../../../samples/sample-snapshot';
import { SampleFlowGenerator, SampleRecord } from '../../../samples/sample-flows';
import { EXPECTED_FINDINGS, FLOW_LOG, NOISE_SCENARIOS, SEED } from '../../../samples/scenario';
import { SeededRandom } from '../../../samples/seeded-random';
import { explainFlow } from '../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../src/engine/evaluate/return-traffic-index';
import type { FlowVerdict } from '../../../src/engine/evaluate/verdict';
import { recordToFlow } from '../../../src/engine/flow-log/flow-aggregator';
import { createLineParser } from '../../../src/engine/flow-log/flow-log-parser';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';

/**
 * The sample data against the engine: every record, written as the flow log writes it and read
 * back by the parser, gets the verdict samples/README.md promises for its scenario.
 */
describe('sample flow logs under the current configuration', () => {
  const generator = new SampleFlowGenerator(new SeededRandom(SEED));
  generator.generate();
  const model = NetworkModel.fromSnapshot(validateSnapshot(buildSnapshot()));
  const flows = generator.records.map((record) => {
    const spec = FLOW_LOG[record.log];
    const parsed = createLineParser(spec.fields)(formatRecord(record, spec.fields));
    if (!parsed.ok) throw new Error(parsed.error);
    const flow = recordToFlow(parsed.record);
    if (!flow) throw new Error('record without a flow');
    return { record, flow };
  });
  const returnTraffic = ReturnTrafficIndex.fromFlows(flows.map((f) => f.flow));
  const verdicts: { record: SampleRecord; flow: FlowAggregate; verdict: FlowVerdict }[] = flows.map(({ record, flow }) => ({
    record,
    flow,
    verdict: explainFlow(model, flow, { returnTraffic }),
  }));
  const describeRecord = (r: SampleRecord) =>
    `${r.scenario ?? 'legit'} ${r.action} ${r.eni.name} ${r.direction} ${r.srcaddr}:${r.srcport} > ${r.dstaddr}:${r.dstport} p${r.protocol}`;

  it('allows every accepted record', () => {
    const wrong = verdicts
      .filter(({ record }) => record.action === 'ACCEPT')
      .filter(({ verdict }) => verdict.verdict !== 'allowed')
      .map(({ record, verdict }) => `${describeRecord(record)} -> ${verdict.verdict} ${verdict.reason ?? ''}`);
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  for (const expected of EXPECTED_FINDINGS) {
    it(`attributes scenario ${expected.key} as the README says: ${expected.title}`, () => {
      const mine = verdicts.filter(({ record }) => record.scenario === expected.key && record.action === 'REJECT');
      expect(mine.length).toBeGreaterThan(0);
      const wrong = mine
        .filter(
          ({ verdict }) =>
            verdict.verdict !== expected.verdict ||
            verdict.direction !== expected.direction ||
            verdict.returnTraffic !== expected.returnTraffic ||
            JSON.stringify(verdict.blockedBy) !== JSON.stringify(expected.explainBlockedBy),
        )
        .map(({ record, verdict }) => `${describeRecord(record)} -> ${JSON.stringify(verdict)}`);
      expect(wrong.slice(0, 5)).toEqual([]);
    });
  }

  for (const noise of NOISE_SCENARIOS) {
    it(`evaluates noise ${noise.key} as the README says: ${noise.title}`, () => {
      const mine = verdicts.filter(({ record }) => record.scenario === noise.key && record.action === 'REJECT');
      expect(mine.length).toBeGreaterThan(0);
      const allowedControls = noise.controlsByPort.map((c) => JSON.stringify(c.explainBlockedBy));
      const wrong = mine
        .filter(({ record, verdict }) => {
          if (verdict.verdict !== noise.verdict) return true;
          const controls = JSON.stringify(verdict.blockedBy);
          if (!allowedControls.includes(controls)) return true;
          // Below 1024 only 80/443 (and 22 from the corporate range) pass the public NACL.
          const naclFirst = record.dstport < 1024 && record.dstport !== 80 && record.dstport !== 443;
          return noise.verdict === 'blocked' && naclFirst !== (verdict.blockedBy[0]?.control === 'network-acl');
        })
        .map(({ record, verdict }) => `${describeRecord(record)} -> ${JSON.stringify(verdict)}`);
      expect(wrong.slice(0, 5)).toEqual([]);
    });
  }
});
