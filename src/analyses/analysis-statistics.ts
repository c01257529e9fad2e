import type { DegradedSignal, UndecidedGroup } from '../engine/coverage/analysis-coverage';
import type { CoverageGap } from '../engine/coverage/flow-log-coverage';
import type { MemberReading } from '../aws/organization-snapshotter';

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
  /**
   * Organisation targets: each member account × region and whether its configuration was read.
   * A failed member is left out of the snapshot (its rejected flows stay undecided) and named
   * here with the AWS error; the analysis goes on with the others.
   */
  accounts?: MemberReading[];
  /**
   * `history: 'aws-config'`: the window was evaluated against the configuration AWS Config recorded
   * as in force at `evaluatedAt` (its start). `deletedInterfaces`: interfaces deleted since, read
   * back from their history (no longer `unknown`); `notRecorded`: resources Config has no history
   * of, evaluated as they are now; `fixedDuringWindow`: findings whose control was changed during
   * the window so that their flows are allowed (each says when, as `fixedAt`).
   */
  configHistory?: {
    source: 'aws-config';
    evaluatedAt: string;
    resources: number;
    changesDuringWindow: number;
    deletedInterfaces: string[];
    notRecorded: string[];
    fixedDuringWindow?: number;
  };
  /** How many member account × region pairs could not be read. */
  accountsFailed?: number;
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
}
