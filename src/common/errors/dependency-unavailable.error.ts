import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/** The services sgdoctor cannot answer without; named in 503 answers. */
export type Dependency = 'postgresql' | 'redis';

const NAMES: Record<Dependency, string> = { postgresql: 'PostgreSQL', redis: 'Redis' };

/** Seconds a client is asked to wait before trying again (`Retry-After`). */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** A dependency did not answer: 503 with `dependency` and `Retry-After`, never a hang or a 500. */
export class DependencyUnavailableError extends AppError {
  constructor(
    readonly dependency: Dependency,
    what = 'the request',
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.DependencyUnavailable,
      `${NAMES[dependency]} is unavailable; ${what} could not be completed. Try again shortly.`,
      { dependency },
      { cause: options?.cause, retryable: true },
    );
  }
}
