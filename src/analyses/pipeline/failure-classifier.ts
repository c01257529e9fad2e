import { AthenaQueryError } from '../../aws/athena-query.error';
import { AwsAdapterError } from '../../aws/aws-adapter.error';
import { InsightsQueryError } from '../../aws/insights-query.error';
import { AppError } from '../../common/errors/app.error';
import { retryabilityOf } from '../../common/errors/retryability';
import { FlowLogFormatError } from '../../engine/flow-log/flow-log-format.error';
import { SnapshotValidationError } from '../../engine/network/snapshot-validation.error';
import { SnapshotFileError } from '../../snapshots/snapshot-file.error';
import { BudgetExceededError } from '../../costs/budget-exceeded.error';
import type { AnalysisFailure, AthenaErrorDetails } from '../analysis-statistics';

export interface ClassifiedFailure {
  code: string;
  reason: string;
  /** Retrying cannot help until the target or its data change. */
  permanent: boolean;
  details?: AnalysisFailure['details'];
}

/**
 * Why a run failed, in words for the analysis, and whether BullMQ should try again (decided by
 * `retryabilityOf`, like every other retry).
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  const { retryable, kind } = retryabilityOf(error);
  const permanent = !retryable;
  if (error instanceof SnapshotValidationError) return { code: error.code, reason: `invalid snapshot: ${error.message}`, permanent };
  if (error instanceof SnapshotFileError || error instanceof FlowLogFormatError || error instanceof AwsAdapterError) {
    return { code: error.code, reason: error.message, permanent };
  }
  if (error instanceof BudgetExceededError) {
    return { code: error.code, reason: error.message, permanent, details: { limit: error.limit, estimate: error.estimate } };
  }
  if (error instanceof AppError) {
    const fields = (error.details.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    return { code: error.code, reason: fields || error.message, permanent };
  }
  if (error instanceof AthenaQueryError) {
    const reason = `Athena query ${error.queryExecutionId} ${error.failure}: ${error.stateChangeReason ?? error.message}`;
    if (!error.athenaError) return { code: error.code, reason, permanent };
    return { code: error.code, reason, permanent, details: { athenaError: athenaErrorDetails(error.athenaError) } };
  }
  if (error instanceof InsightsQueryError) {
    return { code: `INSIGHTS.${error.failure.toUpperCase()}`, reason: error.message, permanent: !error.retryable };
  }
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'throttled') {
    // The SDK's own retries (adaptive mode) are spent: the job's backoff is the next, slower, try.
    return { code: 'AWS.THROTTLED', reason: `AWS throttled the request (${name}): ${message}; the analysis is retried later`, permanent };
  }
  if (kind === 'refused') return { code: `AWS.${name}`, reason: `${name}: ${message}`, permanent };
  return { code: 'ANALYSIS.ERROR', reason: `${name}: ${message}`, permanent };
}

const ATHENA_ERROR_CATEGORIES: Readonly<Record<number, AthenaErrorDetails['category']>> = { 1: 'system', 2: 'user', 3: 'other' };

function athenaErrorDetails(error: NonNullable<AthenaQueryError['athenaError']>): AthenaErrorDetails {
  const errorCategory = error.errorCategory ?? null;
  return {
    category: errorCategory === null ? null : (ATHENA_ERROR_CATEGORIES[errorCategory] ?? null),
    errorCategory,
    type: error.errorType ?? null,
    retryable: error.retryable ?? null,
    message: error.errorMessage ?? null,
  };
}
