import { CodedError } from '../engine/errors/coded-error';

export type IntegrationErrorCode =
  | 'INTEGRATION.INVALID_KEY'
  | 'INTEGRATION.DECRYPT_FAILED'
  | 'INTEGRATION.REMOTE_ERROR'
  | 'INTEGRATION.INVALID_RESPONSE'
  | 'INTEGRATION.INVALID_INPUT';

/** A failure talking to (or preparing data for) Jira, ServiceNow or Slack. */
export class IntegrationError extends CodedError<IntegrationErrorCode, { status?: number; system?: string; retryable?: boolean }> {
  constructor(
    code: IntegrationErrorCode,
    message: string,
    details: { status?: number; system?: string; retryable?: boolean } = {},
    options?: { cause?: unknown },
  ) {
    // Worth trying again later: rate limiting and server-side failures (details.retryable).
    super(code, message, { details, cause: options?.cause, retryable: details.retryable ?? false });
  }
}
