import { formatRecord } from '../../samples/generate';
import { SampleFlowGenerator } from '../../samples/sample-flows';
import { FLOW_LOG, SEED } from '../../samples/scenario';
import { SeededRandom } from '../../samples/seeded-random';
import { FlowAggregator } from '../../src/engine/flow-log/flow-aggregator';
import { createLineParser } from '../../src/engine/flow-log/flow-log-parser';
import type { FlowAggregate } from '../../src/engine/flow-log/flow-record';

/** The sample day's records, parsed as the flow log writes them and aggregated (ACCEPT and REJECT) as the CLI does. */
export function sampleDayAggregates(): FlowAggregate[] {
  const generator = new SampleFlowGenerator(new SeededRandom(SEED));
  generator.generate();
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const record of generator.records) {
    const spec = FLOW_LOG[record.log];
    const parsed = createLineParser(spec.fields)(formatRecord(record, spec.fields));
    if (!parsed.ok) throw new Error(parsed.error);
    aggregator.add(parsed.record);
  }
  return aggregator.aggregates();
}
