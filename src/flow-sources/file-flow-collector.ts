import { posix, sep } from 'node:path';
import { readFlowRecords, createFlowReadStats, type FlowReadStats } from '../flow-files/flow-file-reader';
import type { FlowSourceWarning } from './flow-source';
import { FlowAggregator } from '../engine/flow-log/flow-aggregator';
import type { FlowAggregate, FlowRecord } from '../engine/flow-log/flow-record';
import { flowKey, hourOf } from '../engine/flow-log/flow-key';

export interface FileFlowCollection {
  /** REJECT and ACCEPT aggregates; a REJECT aggregate carries its records per hour (`hourly`) when its records have a `start`. */
  aggregates: FlowAggregate[];
  stats: FlowReadStats;
  recordsOutsideWindow: number;
}

/**
 * The warnings an analysis records from reading its files: inputs not read to their end, entries
 * skipped, unknown fields. Files are named as the target stores them (relative to the data root):
 * `resolved[i]` is the real path of `stored[i]`.
 */
export function flowReadWarnings(stats: FlowReadStats, resolved: readonly string[], stored: readonly string[]): FlowSourceWarning[] {
  const shown = (file: string): string => {
    for (let i = 0; i < resolved.length; i++) {
      if (file === resolved[i]) return stored[i];
      if (file.startsWith(resolved[i] + sep)) return posix.join(stored[i], ...file.slice(resolved[i].length + 1).split(sep));
    }
    return file;
  };
  return [
    ...stats.readErrors.map((e) => ({ file: shown(e.file), message: `cannot be read to its end: ${e.error} (the records read before were used)` })),
    ...stats.skipped.map((e) => ({ file: shown(e.file), message: `skipped: ${e.reason}` })),
    ...stats.unknownFields.map((u) => ({ file: shown(u.file), message: `unknown flow-log field "${u.field}": values kept under its name` })),
  ];
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
 * REJECT records also summed per hour of their start — what the Athena REJECT query returns as
 * `hourly_records` — for the findings' counts over time.
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
  // One aggregator per hour keys the records exactly as the window's aggregator does (the shared port collapse).
  const perHour = new Map<number, FlowAggregator>();
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
      const hour = hourOf(record.start);
      let bucket = perHour.get(hour);
      if (!bucket) perHour.set(hour, (bucket = new FlowAggregator({ actions: ['REJECT'] })));
      bucket.add(record);
    }
  }
  const hourlyByKey = new Map<string, Record<number, number>>();
  for (const [hour, aggregator] of perHour) {
    for (const flow of aggregator.aggregates()) {
      const key = flowKey(flow);
      const hourly = hourlyByKey.get(key) ?? {};
      hourly[hour] = flow.records;
      hourlyByKey.set(key, hourly);
    }
  }
  const aggregates = all.aggregates().map((flow) => {
    const hourly = flow.action === 'REJECT' ? hourlyByKey.get(flowKey(flow)) : undefined;
    return hourly ? { ...flow, hourly } : flow;
  });
  return { aggregates, stats, recordsOutsideWindow: outside };
}
