import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../../samples/generate';
import { buildSnapshot } from '../../../samples/sample-snapshot';
import { SampleFlowGenerator } from '../../../samples/sample-flows';
import { EXPECTED_FINDINGS, FLOW_LOG, SEED } from '../../../samples/scenario';
import { SeededRandom } from '../../../samples/seeded-random';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import { FlowAggregator } from '../../../src/engine/flow-log/flow-aggregator';
import { createLineParser } from '../../../src/engine/flow-log/flow-log-parser';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';

/**
 * The sample day through `diagnose`: every misconfiguration of samples/README.md gets the fix the
 * table describes — its first request, and every further request it needs (`fix.also`), in order.
 */
describe('diagnosis of the sample day', () => {
  const generator = new SampleFlowGenerator(new SeededRandom(SEED));
  generator.generate();
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const record of generator.records) {
    const spec = FLOW_LOG[record.log];
    const parsed = createLineParser(spec.fields)(formatRecord(record, spec.fields));
    if (!parsed.ok) throw new Error(parsed.error);
    aggregator.add(parsed.record);
  }
  const { findings } = diagnose(validateSnapshot(buildSnapshot()), aggregator.aggregates());

  for (const want of EXPECTED_FINDINGS.filter((e) => e.fix !== null)) {
    it(`row ${want.key}: ${want.title}`, () => {
      const got = findings.find((f) => JSON.stringify(f.blockedBy) === JSON.stringify(want.blockedBy)
        && f.traffic.port === want.port && f.traffic.direction === want.direction && f.traffic.returnTraffic === want.returnTraffic);
      expect(got).toBeDefined();
      expect(got!.classification).toBe(want.classification);
      const fix = got!.suggestedFix!;
      expect(fix.verified).toBe(true);
      const [first, ...rest] = fix.changes;
      expect(first.action).toBe(want.fix!.action);
      // Rows that list alternatives accept other parameters for the first request.
      if (!want.fix!.alternatives) expect(first.params).toMatchObject(want.fix!.params);
      const also = want.fix!.also ?? [];
      expect(rest.map((c) => c.action)).toEqual(also.map((c) => c.action));
      rest.forEach((change, i) => expect(change.params).toMatchObject(also[i].params));
    });
  }
});
