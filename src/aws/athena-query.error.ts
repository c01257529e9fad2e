export type AthenaQueryFailure = 'failed' | 'cancelled' | 'timeout' | 'aborted';

/**
 * An Athena query that did not succeed. `failure` says how; `stateChangeReason` and the
 * `AthenaError` fields are Athena's own words, kept so an analysis can show why it failed.
 */
export class AthenaQueryError extends Error {
  constructor(
    readonly failure: AthenaQueryFailure,
    readonly queryExecutionId: string,
    message: string,
    readonly stateChangeReason: string | null = null,
    readonly athenaError: { errorCategory?: number; errorType?: number; retryable?: boolean; errorMessage?: string } | null = null,
  ) {
    super(message);
    this.name = 'AthenaQueryError';
  }

  /** Athena marks some failures (e.g. transient capacity) retryable; a timeout may be retried too. */
  get retryable(): boolean {
    return this.athenaError?.retryable === true || this.failure === 'timeout';
  }
}
