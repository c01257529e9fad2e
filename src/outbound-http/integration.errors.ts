export type IntegrationErrorCode =
  | 'INTEGRATION.INVALID_KEY'
  | 'INTEGRATION.DECRYPT_FAILED'
  | 'INTEGRATION.REMOTE_ERROR'
  | 'INTEGRATION.INVALID_RESPONSE'
  | 'INTEGRATION.INVALID_INPUT';

/** A failure talking to (or preparing data for) Jira, ServiceNow or Slack. */
export class IntegrationError extends Error {
  constructor(
    readonly code: IntegrationErrorCode,
    message: string,
    readonly details: { status?: number; system?: string; retryable?: boolean } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IntegrationError';
  }

  /** Worth trying again later: rate limiting and server-side failures. */
  get retryable(): boolean {
    return this.details.retryable ?? false;
  }
}
