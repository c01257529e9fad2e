import { ErrorCode } from './error-code';

export interface FieldError {
  /** Dotted path of the offending field in the request (`body.name`, `query.limit`). */
  field: string;
  message: string;
}

/**
 * Base class of every error a service may throw. Services never throw HttpException; the
 * problem+json filter maps `code` to an HTTP status, so the same errors work in workers and CLI.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { errors?: FieldError[]; [key: string]: unknown } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
