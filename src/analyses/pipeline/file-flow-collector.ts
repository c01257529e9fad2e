import { readFlowRecords, createFlowReadStats, type FlowReadStats } from '../../flow-files/flow-file-reader';
import { FlowAggregator } from '../../engine/flow-log/flow-aggregator';
import type { FlowAggregate, FlowRecord } from '../../engine/flow-log/flow-record';
import type { BucketCount } from './correlate';
import { flowKey } from './flow-key.util';

const HOUR_SECONDS = 3600;

export interface FileFlowCollection {
  aggregates: FlowAggregate[];
  /** REJECT records per flow key and hour. */
  bucketCounts: BucketCount[];
  stats: FlowReadStats;
  recordsOutsideWindow: number;
}

/** A record belongs to the window [from, to) when its capture interval overlaps it. */
function inWindow(record: FlowRecord, fromSec: number, toSec: number): boolean {
  const start = typeof record.start === 'number' ? record.start : null;
  const end = typeof record.end === 'number' ? record.end : start;
  if (start === null || end === null) return true;
  return start < toSec && end >= fromSec;
}

/**
 * Reads flow-log files (plain, gzip, directories in S3 layout) for one window: records outside
 * it are skipped, the rest aggregated (REJECT and ACCEPT) with the engine's aggregator, and
 * REJECT records also summed per hour of their start for the findings' counts over time.
 */
export async function collectFileFlows(
  paths: readonly string[],
  window: { from: Date; to: Date },
  options: { format?: string; signal?: AbortSignal } = {},
): Promise<FileFlowCollection> {
  const fromSec = Math.floor(window.from.getTime() / 1000);
  const toSec = Math.ceil(window.to.getTime() / 1000);
  const stats = createFlowReadStats();
  const all = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  const hourly = new Map<number, FlowAggregator>();
  let outside = 0;
  let sinceCheck = 0;
  for await (const { record } of readFlowRecords(paths, { format: options.format, stats })) {
    if (++sinceCheck >= 10_000) {
      sinceCheck = 0;
      options.signal?.throwIfAborted();
    }
    if (!inWindow(record, fromSec, toSec)) {
      outside++;
      continue;
    }
    all.add(record);
    if (record.action === 'REJECT' && typeof record.start === 'number') {
      const hour = Math.floor(record.start / HOUR_SECONDS) * HOUR_SECONDS;
      let bucket = hourly.get(hour);
      if (!bucket) hourly.set(hour, (bucket = new FlowAggregator({ actions: ['REJECT'] })));
      bucket.add(record);
    }
  }
  const bucketCounts: BucketCount[] = [];
  for (const [hour, aggregator] of [...hourly.entries()].sort((a, b) => a[0] - b[0])) {
    const bucket = new Date(hour * 1000).toISOString();
    for (const flow of aggregator.aggregates()) bucketCounts.push({ key: flowKey(flow), bucket, records: flow.records });
  }
  return { aggregates: all.aggregates(), bucketCounts, stats, recordsOutsideWindow: outside };
}
