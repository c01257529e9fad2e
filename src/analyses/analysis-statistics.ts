import type { DegradedSignal, UndecidedGroup } from '../engine/coverage/analysis-coverage';
import type { CoverageGap } from '../engine/coverage/flow-log-coverage';
import type { ScanEstimate } from '../costs/scan-estimate';

/** What an analysis read, cost and concluded. Filled in stage by stage. */
export interface AnalysisStatistics {
  /** Flow-log records read (files) or summed over the aggregates Athena returned. */
  records?: number;
  rejectedRecords?: number;
  /** Files: every ACCEPT record read; Athena: the ACCEPT records of the evidence returned (reverse flows, accepted peers of rejected services). */
  acceptedRecords?: number;
  /** Distinct aggregated flows (REJECT and ACCEPT). */
  aggregates?: number;
  /** Files source: lines that were not valid records, and records outside the window. */
  malformedLines?: number;
  recordsOutsideWindow?: number;
  /**
   * Files source: what was read only in part or not at all, by file (relative to the data root):
   * a file that could not be read to its end (permission, truncated gzip, I/O error), a directory
   * entry skipped, a flow-log field sgdoctor does not know.
   */
  warnings?: AnalysisWarning[];
  /** Athena source. */
  bytesScanned?: number;
  estimatedCostUsd?: number;
  queryExecutionIds?: string[];
  /** Athena source with a budget: what the scan was estimated to read and cost before it ran (S3 listing). */
  scanEstimate?: ScanEstimate;
  findings?: { total: number; new: number; updated: number; resolved: number; reopened: number };
  fixes?: { suggested: number; verified: number };
  /** Resources in scope with no flow log capturing REJECT traffic. */
  coverageGaps?: CoverageGap[];
  /** Rejected flows the snapshot could not decide, grouped by reason with their records and interfaces. */
  undecided?: UndecidedGroup[];
  /** Signals the input lacks (REJECT-only logs, no tcp-flags, SKIPDATA …) and what each costs. */
  degradedSignals?: DegradedSignal[];
  stageDurationsMs?: Partial<Record<'snapshot' | 'query' | 'correlate' | 'persist', number>>;
}

export interface AnalysisWarning {
  file: string;
  message: string;
}

export interface AnalysisFailure {
  reason: string;
  /** Stable code of the error (e.g. `SNAPSHOT.INVALID`, `ATHENA.FAILED`). */
  code: string;
  stage: string | null;
  /** True when retrying cannot help without changing the target or its data. */
  permanent: boolean;
  at: string;
  /** A scan refused over budget (`BUDGET.EXCEEDED`): the limit it broke and its estimate. */
  details?: { limit: 'perAnalysis' | 'monthly'; estimate: ScanEstimate };
}
