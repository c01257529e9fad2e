import { compareAggregates } from '../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../../src/engine/flow-log/flow-record';
import { collectFileFlows, type FileFlowCollection } from '../../src/flow-sources/file-flow-collector';

/** collectFileFlows with the aggregates it hands out gathered, in compareAggregates order (as aggregateFlowFiles returns them). */
export async function collectedFileFlows(
  paths: readonly string[],
  window: { from: Date; to: Date },
  options: { format?: string; signal?: AbortSignal } = {},
): Promise<FileFlowCollection & { aggregates: FlowAggregate[] }> {
  const aggregates: FlowAggregate[] = [];
  const read = await collectFileFlows(paths, window, options, (aggregate) => aggregates.push(aggregate));
  return { ...read, aggregates: aggregates.sort(compareAggregates) };
}
