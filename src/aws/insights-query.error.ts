export type InsightsQueryFailure = 'failed' | 'cancelled' | 'capped';

/**
 * A CloudWatch Logs Insights query that gave no usable result: it ended Failed, Cancelled or
 * Unknown, or its result stayed capped at 10,000 rows (or timed out) on a slice too short to split.
 */
export class InsightsQueryError extends Error {
  constructor(
    readonly failure: InsightsQueryFailure,
    readonly queryId: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'InsightsQueryError';
  }

  /** A failed or cancelled query may succeed when run again; a capped one cannot until the scope narrows. */
  get retryable(): boolean {
    return this.failure !== 'capped';
  }
}
