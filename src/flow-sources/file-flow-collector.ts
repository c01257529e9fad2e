import { posix, sep } from 'node:path';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { partialResultsMessage } from '../flow-files/cloudwatch-subscription';
import { drainFlowFiles, type FlowReadStats } from '../flow-files/flow-file-reader';
import type { FlowSourceWarning } from './flow-source';

export interface FileFlowCollection {
  stats: FlowReadStats;
  recordsOutsideWindow: number;
  /** SKIPDATA records inside the window. */
  skipdataInWindow: number;
}

/**
 * The warnings an analysis records from reading its files: inputs not read to their end, entries
 * skipped, Logs Insights results whose query had not completed, unknown fields, and the malformed lines left out (see malformedLineWarnings). Files are
 * named as the target stores them (relative to the data root): `resolved[i]` is the real path of
 * `stored[i]`.
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
    ...stats.readErrors.map((e) => ({
      file: shown(e.file),
      message: `cannot be read to its end: ${e.error} (the records read before were used)`,
    })),
    ...stats.skipped.map((e) => ({ file: shown(e.file), message: `skipped: ${e.reason}` })),
    ...stats.partialResults.map((p) => ({ file: shown(p.file), message: partialResultsMessage(p.status) })),
    ...stats.unknownFields.map((u) => ({
      file: shown(u.file),
      message: `unknown flow-log field "${u.field}": values kept under its name`,
    })),
    ...malformedLineWarnings(stats, shown, stored.join(', ')),
  ];
}

/**
 * The malformed lines a read left out of the analysis: each line the read kept as an example (the
 * first 20) named with its file, line (a Parquet file's row) and why it is malformed, then one
 * warning counting the others, named with `inputs` (what was read).
 */
export function malformedLineWarnings(stats: FlowReadStats, shown: (file: string) => string, inputs: string): FlowSourceWarning[] {
  const warnings = stats.malformedExamples.map((e) => ({
    file: shown(e.file),
    message: `line ${e.line} is malformed, not in the analysis: ${e.error}`,
  }));
  const more = stats.malformed - stats.malformedExamples.length;
  if (more > 0) warnings.push({ file: inputs, message: `${more} more malformed line${more === 1 ? '' : 's'}, not in the analysis` });
  return warnings;
}

/**
 * Reads flow-log files (plain, gzip, Parquet, directories in S3 layout) for one window in one
 * pass: records outside it are counted and skipped, the rest aggregated (REJECT and ACCEPT) with
 * the engine's aggregator, plain lines straight from their bytes (the byte-level reader the CLI
 * uses), and REJECT records also counted per hour of their start under the same key — what the
 * Athena REJECT query returns as `hourly_records` — for the findings' counts over time. The
 * aggregates go to `sink` one at a time (a REJECT one with `hourly` when its records have a start).
 * With `dataRoot`, only files that really lie under it when opened are read (see FlowReadOptions).
 */
export async function collectFileFlows(
  paths: readonly string[],
  window: { from: Date; to: Date },
  options: { format?: string; signal?: AbortSignal; dataRoot?: string },
  sink: (aggregate: FlowAggregate) => void,
): Promise<FileFlowCollection> {
  const read = await drainFlowFiles(
    paths,
    { format: options.format, actions: ['ACCEPT', 'REJECT'], window, hourly: true, signal: options.signal, dataRoot: options.dataRoot },
    sink,
  );
  return { stats: read.stats, recordsOutsideWindow: read.recordsOutsideWindow, skipdataInWindow: read.skipdataInWindow };
}
