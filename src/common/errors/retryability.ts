import { CodedError } from '../../engine/errors/coded-error';
import { unavailableDependencyOf } from './dependency-failure.util';
import type { Dependency } from './dependency-unavailable.error';

/**
 * Why a failure is (not) worth trying again:
 * - `coded`: one of sgdoctor's own errors, which says so itself (`CodedError.retryable`);
 * - `outage`: PostgreSQL or Redis did not answer (`dependency` names which);
 * - `throttled`: AWS throttled the request after the SDK's own retries were spent;
 * - `refused`: AWS refused the request itself (`$fault: 'client'`: access denied, bad parameter);
 * - `unexpected`: anything else (a bug, a dropped connection): tried again, never dropped silently.
 */
export type FailureKind = 'coded' | 'outage' | 'throttled' | 'refused' | 'unexpected';

export interface Retryability {
  retryable: boolean;
  kind: FailureKind;
  dependency?: Dependency;
}

/**
 * The one place that decides whether a failure is worth trying again, for analysis runs, webhook
 * and integration deliveries and waits on PostgreSQL or Redis alike.
 */
export function retryabilityOf(error: unknown): Retryability {
  if (error instanceof CodedError) return { retryable: error.retryable, kind: 'coded' };
  if (isThrottling(error)) return { retryable: true, kind: 'throttled' };
  // AWS SDK service errors (AccessDenied, UnauthorizedOperation …) carry $fault 'client'.
  if ((error as { $fault?: string } | null)?.$fault === 'client') return { retryable: false, kind: 'refused' };
  const dependency = unavailableDependencyOf(error);
  if (dependency) return { retryable: true, kind: 'outage', dependency };
  return { retryable: true, kind: 'unexpected' };
}

export function isRetryable(error: unknown): boolean {
  return retryabilityOf(error).retryable;
}

/** A remote HTTP answer worth trying again later: rate limiting and server-side failures. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** An AWS throttling answer: by its error name, or as the SDK marks it (`$retryable.throttling`). */
function isThrottling(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && /Throttl|RequestLimitExceeded|LimitExceededException|TooManyRequests|SlowDown/.test(name)) return true;
  return (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable?.throttling === true;
}
