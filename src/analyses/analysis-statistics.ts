import type { DegradedSignal, UndecidedGroup } from '../engine/coverage/analysis-coverage';
import type { CoverageGap } from '../engine/coverage/flow-log-coverage';
import type { FlowSourceStatistics, FlowSourceWarning } from '../flow-sources/flow-source';

/**
 * What an analysis read, cost and concluded. Filled in stage by stage: what the flow source read
 * (FlowSourceStatistics), then what the analysis made of it.
 */
export interface AnalysisStatistics extends FlowSourceStatistics {
  /** Distinct aggregated flows (REJECT and ACCEPT). */
  aggregates?: number;
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

export type AnalysisWarning = FlowSourceWarning;

export interface AnalysisFailure {
  reason: string;
  /** Stable code of the error (e.g. `SNAPSHOT.INVALID`, `ATHENA.FAILED`). */
  code: string;
  stage: string | null;
  /** True when retrying cannot help without changing the target or its data. */
  permanent: boolean;
  at: string;
}
