import { CodedError } from '../engine/errors/coded-error';

export type AthenaQueryFailure = 'failed' | 'cancelled' | 'timeout' | 'aborted';

/**
 * An Athena query that did not succeed. `failure` says how; `stateChangeReason` and the
 * `AthenaError` fields are Athena's own words, kept so an analysis can show why it failed.
 * Code `ATHENA.FAILED`, `ATHENA.CANCELLED`, `ATHENA.TIMEOUT` or `ATHENA.ABORTED`; retryable when
 * Athena marks the failure so (e.g. transient capacity) or on a timeout.
 */
export class AthenaQueryError extends CodedError<`ATHENA.${Uppercase<AthenaQueryFailure>}`> {
  constructor(
    readonly failure: AthenaQueryFailure,
    readonly queryExecutionId: string,
    message: string,
    readonly stateChangeReason: string | null = null,
    readonly athenaError: { errorCategory?: number; errorType?: number; retryable?: boolean; errorMessage?: string } | null = null,
  ) {
    super(`ATHENA.${failure.toUpperCase() as Uppercase<AthenaQueryFailure>}`, message, {
      retryable: athenaError?.retryable === true || failure === 'timeout',
    });
  }
}
