import { CodedError } from '../engine/errors/coded-error';

export type AthenaQueryFailure = 'failed' | 'cancelled' | 'timeout' | 'aborted';

/** What a query that did not succeed had done before it ended, and what stopping it did. */
export interface AthenaQueryErrorExtra {
  /** `Statistics.DataScannedInBytes` of the query as Athena last described it; null when not known. */
  dataScannedBytes?: number | null;
  /** On a timeout: why StopQueryExecution failed (the query may still be running); null when it was stopped. */
  stopFailure?: string | null;
}

/**
 * An Athena query that did not succeed. `failure` says how; `stateChangeReason` and the
 * `AthenaError` fields are Athena's own words, kept so an analysis can show why it failed;
 * `dataScannedBytes` what it scanned (and, unless it FAILED, is billed for) before it ended.
 * Code `ATHENA.FAILED`, `ATHENA.CANCELLED`, `ATHENA.TIMEOUT` or `ATHENA.ABORTED`; retryable when
 * Athena marks the failure so (e.g. transient capacity) or on a timeout.
 */
export class AthenaQueryError extends CodedError<`ATHENA.${Uppercase<AthenaQueryFailure>}`> {
  readonly dataScannedBytes: number | null;
  readonly stopFailure: string | null;

  constructor(
    readonly failure: AthenaQueryFailure,
    readonly queryExecutionId: string,
    message: string,
    readonly stateChangeReason: string | null = null,
    readonly athenaError: { errorCategory?: number; errorType?: number; retryable?: boolean; errorMessage?: string } | null = null,
    extra: AthenaQueryErrorExtra = {},
  ) {
    super(`ATHENA.${failure.toUpperCase() as Uppercase<AthenaQueryFailure>}`, message, {
      retryable: athenaError?.retryable === true || failure === 'timeout',
    });
    this.dataScannedBytes = extra.dataScannedBytes ?? null;
    this.stopFailure = extra.stopFailure ?? null;
  }
}
