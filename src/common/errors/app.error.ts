import { CodedError } from '../../engine/errors/coded-error';
import { ErrorCode } from './error-code';

export interface FieldError {
  /** Dotted path of the offending field in the request (`body.name`, `query.limit`). */
  field: string;
  message: string;
}

/**
 * Base class of every error a service may throw. Services never throw HttpException; the
 * problem+json filter maps `code` to an HTTP status, so the same errors work in workers and CLI.
 * Not retryable unless said otherwise (an unavailable dependency is).
 */
export class AppError extends CodedError<ErrorCode, { errors?: FieldError[]; [key: string]: unknown }> {
  constructor(
    code: ErrorCode,
    message: string,
    details: { errors?: FieldError[]; [key: string]: unknown } = {},
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, message, { details, cause: options?.cause, retryable: options?.retryable });
  }
}
