import { describe, expect, it } from 'vitest';
import { analysisJobId, analysisJobPayloadSchema } from '../../../src/analyses/analysis-job';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AthenaQueryError } from '../../../src/aws/athena-query.error';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { InsightsQueryError } from '../../../src/aws/insights-query.error';

const sdkError = (name: string, fault: 'client' | 'server', message = 'message') =>
  Object.assign(new Error(message), { name, $fault: fault });

describe('classifyFailure', () => {
  it('keeps Athena’s StateChangeReason; a FAILED query is final unless Athena marks it retryable', () => {
    const reason = "TABLE_NOT_FOUND: Table 'awsdatacatalog.db.t' does not exist";
    const failed = new AthenaQueryError('failed', 'q-1', `Athena query q-1 FAILED: ${reason}`, reason, { retryable: false });
    expect(classifyFailure(failed)).toMatchObject({ code: 'ATHENA.FAILED', reason: `Athena query q-1 failed: ${reason}`, permanent: true });
    const transient = new AthenaQueryError('failed', 'q-2', 'Athena query q-2 FAILED', 'capacity', { retryable: true });
    expect(classifyFailure(transient)).toMatchObject({ code: 'ATHENA.FAILED', permanent: false });
  });

  it('keeps Athena’s AthenaError with its category named, so a user error reads apart from Athena’s own', () => {
    const reason = "COLUMN_NOT_FOUND: line 3:8: Column 'pkt_srcaddr' cannot be resolved";
    const user = new AthenaQueryError('failed', 'q-4', `Athena query q-4 FAILED: ${reason}`, reason, {
      errorCategory: 2,
      errorType: 1006,
      retryable: false,
      errorMessage: reason,
    });
    expect(classifyFailure(user)).toEqual({
      code: 'ATHENA.FAILED',
      reason: `Athena query q-4 failed: ${reason}`,
      permanent: true,
      details: { athenaError: { category: 'user', errorCategory: 2, type: 1006, retryable: false, message: reason } },
    });
    const system = new AthenaQueryError('failed', 'q-5', 'Athena query q-5 FAILED', 'internal', { errorCategory: 1, retryable: true });
    expect(classifyFailure(system).details).toEqual({
      athenaError: { category: 'system', errorCategory: 1, type: null, retryable: true, message: null },
    });
    // A category Athena may add later is kept by its number.
    const later = new AthenaQueryError('failed', 'q-6', 'Athena query q-6 FAILED', null, { errorCategory: 9 });
    expect(classifyFailure(later).details).toEqual({
      athenaError: { category: null, errorCategory: 9, type: null, retryable: null, message: null },
    });
  });

  it('a timeout may be retried; its reason says how long the query ran', () => {
    const timeout = new AthenaQueryError('timeout', 'q-3', 'Athena query q-3 still RUNNING after 900000 ms; stopped');
    expect(classifyFailure(timeout)).toEqual({
      code: 'ATHENA.TIMEOUT',
      reason: 'Athena query q-3 timeout: Athena query q-3 still RUNNING after 900000 ms; stopped',
      permanent: false,
    });
  });

  it('an Insights query that failed or was cancelled may be retried; one still capped on the shortest slice is final', () => {
    expect(classifyFailure(new InsightsQueryError('failed', 'q-1', 'CloudWatch Logs Insights query q-1 on /vpc/x ended Failed'))).toEqual({
      code: 'INSIGHTS.FAILED',
      reason: 'CloudWatch Logs Insights query q-1 on /vpc/x ended Failed',
      permanent: false,
    });
    expect(classifyFailure(new InsightsQueryError('capped', 'q-2', 'capped'))).toMatchObject({ code: 'INSIGHTS.CAPPED', permanent: true });
    // The account's concurrent-query limit, once the source's own backoff is spent: the job tries again later.
    expect(classifyFailure(sdkError('LimitExceededException', 'client'))).toMatchObject({ code: 'AWS.THROTTLED', permanent: false });
  });

  it('client faults are final, except throttling', () => {
    expect(classifyFailure(sdkError('AccessDeniedException', 'client', 'not authorized'))).toEqual({
      code: 'AWS.AccessDeniedException',
      reason: 'AccessDeniedException: not authorized',
      permanent: true,
    });
    for (const name of ['RequestLimitExceeded', 'ThrottlingException', 'TooManyRequestsException']) {
      expect(classifyFailure(sdkError(name, 'client')), name).toMatchObject({ code: 'AWS.THROTTLED', permanent: false });
    }
    const marked = Object.assign(sdkError('SomeServiceError', 'client'), { $retryable: { throttling: true } });
    expect(classifyFailure(marked)).toMatchObject({ code: 'AWS.THROTTLED', permanent: false });
    expect(classifyFailure(sdkError('InternalServerException', 'server')).permanent).toBe(false);
  });

  it('configuration problems are final; anything unknown is retried', () => {
    expect(classifyFailure(new AwsAdapterError('AWS.INVALID_IDENTIFIER', 'invalid Athena table name'))).toMatchObject({
      code: 'AWS.INVALID_IDENTIFIER',
      permanent: true,
    });
    expect(classifyFailure(new Error('socket hang up'))).toEqual({
      code: 'ANALYSIS.ERROR',
      reason: 'Error: socket hang up',
      permanent: false,
    });
    expect(classifyFailure('text')).toEqual({ code: 'ANALYSIS.ERROR', reason: 'Error: text', permanent: false });
  });
});

describe('analysis jobs', () => {
  it('one job id per analysis attempt: the first is the analysis id, each explicit retry its own', () => {
    const id = '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab';
    expect(analysisJobId(id, 0)).toBe(id);
    expect(analysisJobId(id, 2)).toBe(`${id}-retry-2`);
    expect(new Set([0, 1, 2].map((n) => analysisJobId(id, n))).size).toBe(3);
  });

  it('payloads carry only ids', () => {
    expect(analysisJobPayloadSchema.safeParse({ analysisId: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab', attempt: 1 }).success).toBe(true);
    expect(analysisJobPayloadSchema.safeParse({ analysisId: 'x', attempt: 0 }).success).toBe(false);
    expect(analysisJobPayloadSchema.safeParse({ analysisId: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab', attempt: -1 }).success).toBe(false);
  });
});
