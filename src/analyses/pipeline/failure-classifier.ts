import { AthenaQueryError } from '../../aws/athena-query.error';
import { AwsAdapterError } from '../../aws/aws-adapter.error';
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
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  // AWS SDK service errors (AccessDenied, UnauthorizedOperation …) carry $fault 'client'.
  const fault = (error as { $fault?: string })?.$fault;
  if (fault === 'client' && !/Throttl|RequestLimitExceeded|TooManyRequests/.test(name)) {
    return { code: `AWS.${name}`, reason: `${name}: ${message}`, permanent: true };
  }
  return { code: 'ANALYSIS.ERROR', reason: `${name}: ${message}`, permanent: false };
}
