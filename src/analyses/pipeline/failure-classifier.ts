import { AthenaQueryError } from '../../aws/athena-query.error';
import { AwsAdapterError } from '../../aws/aws-adapter.error';
import { InsightsQueryError } from '../../aws/insights-query.error';
import { AppError } from '../../common/errors/app.error';
import { FlowLogFormatError } from '../../engine/flow-log/flow-log-format.error';
import { SnapshotValidationError } from '../../engine/network/snapshot-validation.error';
import { SnapshotFileError } from '../../snapshots/snapshot-file.error';

export interface ClassifiedFailure {
  code: string;
  reason: string;
  /** Retrying cannot help until the target or its data change. */
  permanent: boolean;
}

/** Why a run failed, in words for the analysis, and whether BullMQ should try again. */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof SnapshotValidationError) return { code: error.code, reason: `invalid snapshot: ${error.message}`, permanent: true };
  if (error instanceof SnapshotFileError) return { code: error.code, reason: error.message, permanent: true };
  if (error instanceof FlowLogFormatError) return { code: error.code, reason: error.message, permanent: true };
  if (error instanceof AwsAdapterError) return { code: error.code, reason: error.message, permanent: true };
  if (error instanceof AppError) {
    const fields = (error.details.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    return { code: error.code, reason: fields || error.message, permanent: true };
  }
  if (error instanceof AthenaQueryError) {
    const reason = `Athena query ${error.queryExecutionId} ${error.failure}: ${error.stateChangeReason ?? error.message}`;
    return { code: `ATHENA.${error.failure.toUpperCase()}`, reason, permanent: !error.retryable };
  }
  if (error instanceof InsightsQueryError) {
    return { code: `INSIGHTS.${error.failure.toUpperCase()}`, reason: error.message, permanent: !error.retryable };
  }
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (isThrottling(error, name)) {
    // The SDK's own retries (adaptive mode) are spent: the job's backoff is the next, slower, try.
    return { code: 'AWS.THROTTLED', reason: `AWS throttled the request (${name}): ${message}; the analysis is retried later`, permanent: false };
  }
  // AWS SDK service errors (AccessDenied, UnauthorizedOperation …) carry $fault 'client'.
  const fault = (error as { $fault?: string })?.$fault;
  if (fault === 'client') {
    return { code: `AWS.${name}`, reason: `${name}: ${message}`, permanent: true };
  }
  return { code: 'ANALYSIS.ERROR', reason: `${name}: ${message}`, permanent: false };
}

/** An AWS throttling answer: by its error name, or as the SDK marks it (`$retryable.throttling`). */
function isThrottling(error: unknown, name: string): boolean {
  if (/Throttl|RequestLimitExceeded|LimitExceededException|TooManyRequests|SlowDown/.test(name)) return true;
  return (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable?.throttling === true;
}
