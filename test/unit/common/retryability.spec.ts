import { describe, expect, it } from 'vitest';
import { AthenaQueryError } from '../../../src/aws/athena-query.error';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { AppError } from '../../../src/common/errors/app.error';
import { DependencyUnavailableError } from '../../../src/common/errors/dependency-unavailable.error';
import { ErrorCode } from '../../../src/common/errors/error-code';
import { isRetryableHttpStatus, retryabilityOf } from '../../../src/common/errors/retryability';
import { ConfigValidationError } from '../../../src/config/config-validation.error';
import { CodedError } from '../../../src/engine/errors/coded-error';
import { FlowLogFormatError } from '../../../src/engine/flow-log/flow-log-format.error';
import { SnapshotValidationError } from '../../../src/engine/network/snapshot-validation.error';
import { PathQueryError } from '../../../src/engine/path/path-query.error';
import { SimulationError } from '../../../src/engine/simulate/simulation.error';
import { IntegrationError } from '../../../src/outbound-http/integration.errors';
import { SnapshotFileError } from '../../../src/snapshots/snapshot-file.error';
import { DeliveryTimeoutError, SsrfBlockedError } from '../../../src/outbound-http/delivery.errors';

describe('one error model', () => {
  it.each<[string, CodedError, string, boolean]>([
    ['AppError', new AppError(ErrorCode.TargetNotFound, 'no such target'), 'TARGET.NOT_FOUND', false],
    ['an unavailable dependency', new DependencyUnavailableError('redis'), 'DEPENDENCY.UNAVAILABLE', true],
    ['an AWS adapter error', new AwsAdapterError('AWS.ACCOUNT_MISMATCH', 'wrong account'), 'AWS.ACCOUNT_MISMATCH', false],
    ['a failed Athena query', new AthenaQueryError('failed', 'q-1', 'failed', 'x', { retryable: false }), 'ATHENA.FAILED', false],
    [
      'an Athena query Athena calls retryable',
      new AthenaQueryError('failed', 'q-1', 'failed', 'x', { retryable: true }),
      'ATHENA.FAILED',
      true,
    ],
    ['an Athena timeout', new AthenaQueryError('timeout', 'q-1', 'slow'), 'ATHENA.TIMEOUT', true],
    ['an unreadable snapshot file', new SnapshotFileError('not JSON'), 'SNAPSHOT.UNREADABLE', false],
    ['an invalid snapshot', new SnapshotValidationError('Vpcs[0]', 'missing VpcId'), 'SNAPSHOT.INVALID', false],
    ['a bad flow-log format', new FlowLogFormatError('unknown field'), 'FLOW_LOG.FORMAT', false],
    ['a refused simulation', new SimulationError('InvalidGroup.NotFound', 'no group'), 'InvalidGroup.NotFound', false],
    ['a bad path question', new PathQueryError('to', 'not an address'), 'PATH.INVALID_QUERY', false],
    [
      'a remote 503',
      new IntegrationError('INTEGRATION.REMOTE_ERROR', 'Jira answered 503', { status: 503, retryable: true }),
      'INTEGRATION.REMOTE_ERROR',
      true,
    ],
    [
      'a remote 400',
      new IntegrationError('INTEGRATION.REMOTE_ERROR', 'Jira answered 400', { status: 400 }),
      'INTEGRATION.REMOTE_ERROR',
      false,
    ],
    ['a refused destination', new SsrfBlockedError('private', 'hooks.example', '10.0.0.1'), 'DELIVERY.SSRF_BLOCKED', false],
    ['a delivery timeout', new DeliveryTimeoutError('headers', 5000), 'DELIVERY.TIMEOUT', true],
    ['bad configuration', new ConfigValidationError([{ setting: 'PORT', message: 'not a number' }]), 'CONFIG.INVALID', false],
  ])('%s is a CodedError with its code, and says whether retrying may help', (_name, error, code, retryable) => {
    expect(error).toBeInstanceOf(CodedError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(retryabilityOf(error)).toEqual({ retryable, kind: 'coded' });
  });

  it('an outage of PostgreSQL or Redis is waited out, naming the dependency', () => {
    expect(retryabilityOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toEqual({
      retryable: true,
      kind: 'outage',
      dependency: 'postgresql',
    });
    expect(retryabilityOf(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toEqual({
      retryable: true,
      kind: 'outage',
      dependency: 'redis',
    });
  });

  it('AWS: throttling is retried, a request AWS refuses is not, anything unexpected is', () => {
    expect(retryabilityOf(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $fault: 'client' }))).toEqual({
      retryable: true,
      kind: 'throttled',
    });
    expect(retryabilityOf(Object.assign(new Error('x'), { name: 'X', $retryable: { throttling: true } }))).toEqual({
      retryable: true,
      kind: 'throttled',
    });
    expect(retryabilityOf(Object.assign(new Error('no'), { name: 'AccessDeniedException', $fault: 'client' }))).toEqual({
      retryable: false,
      kind: 'refused',
    });
    expect(retryabilityOf(new TypeError('a bug'))).toEqual({ retryable: true, kind: 'unexpected' });
    expect(retryabilityOf('a string')).toEqual({ retryable: true, kind: 'unexpected' });
  });

  it('a remote HTTP answer is worth retrying on 429 and 5xx only', () => {
    expect([200, 400, 404, 409, 429, 500, 502, 503].filter(isRetryableHttpStatus)).toEqual([429, 500, 502, 503]);
  });
});
