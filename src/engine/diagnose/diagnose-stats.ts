import type { DegradedSignal, UndecidedGroup } from '../coverage/analysis-coverage';
import type { Classification, FindingKind, Severity } from '../findings/finding';

/** Counts of one verdict kind, in aggregated flows and in the flow-log records they sum. */
export interface VerdictCount {
  flows: number;
  records: number;
}

/** What a diagnosis saw and concluded; the CLI prints it beside the findings. */
export interface DiagnoseStats {
  /** Aggregated flows given (ACCEPT and REJECT). */
  flows: number;
  /** Flow-log records those flows sum. */
  records: number;
  acceptedRecords: number;
  rejectedRecords: number;
  /** What the current configuration does to the rejected flows. */
  rejected: { blocked: VerdictCount; allowed: VerdictCount; unknown: VerdictCount; returnTraffic: VerdictCount };
  findings: {
    total: number;
    byKind: Record<FindingKind, number>;
    byClassification: Record<Classification, number>;
    bySeverity: Record<Severity, number>;
  };
  fixes: { suggested: number; verified: number };
  /**
   * What the analysis could not see: the undecided rejected flows grouped by reason (their
   * records sum to `rejected.unknown.records`), and the signals the input lacks with what each costs.
   */
  coverage: { undecided: UndecidedGroup[]; degradedSignals: DegradedSignal[] };
  /** Counts from reading the input (lines, malformed lines …), passed through as given. */
  input?: Record<string, number>;
}
