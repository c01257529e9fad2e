/** What a target may spend on its scans (USD); a limit left out is no limit. */
export interface TargetBudget {
  perAnalysisUsd: number | null;
  monthlyUsd: number | null;
}

/** Rolling analyses every `everyMinutes` over data delivered up to `deliveryDelayMinutes` ago. */
export interface ContinuousSettings {
  everyMinutes: number;
  deliveryDelayMinutes: number;
}

/** What the last ticks of a continuous target did, shown with the target. */
export interface ContinuousState {
  /** Flows before this instant have been analysed by a rolling analysis that succeeded. */
  watermark: string;
  /** The rolling analysis last started, and the window it covers. */
  lastAnalysisId: string | null;
  lastWindow: { from: string; to: string } | null;
  lastTickAt: string | null;
  /** What the last tick did: started an analysis, or skipped and why. */
  lastTick: 'started' | 'skipped-busy' | 'skipped-no-new-data' | null;
  message: string | null;
  /** Ticks skipped because an analysis of the target was still queued or running. */
  skippedTicks: number;
}
