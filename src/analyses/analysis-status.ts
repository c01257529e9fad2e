export const ANALYSIS_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/** A queued or running analysis holds the target's one active slot (partial unique index). */
export const ACTIVE_ANALYSIS_STATUSES: readonly AnalysisStatus[] = ['queued', 'running'];

export const ANALYSIS_STAGES = ['snapshot', 'query', 'correlate', 'persist'] as const;
export type AnalysisStage = (typeof ANALYSIS_STAGES)[number];
