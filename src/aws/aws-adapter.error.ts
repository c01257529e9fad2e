export type AwsAdapterErrorCode =
  | 'AWS.INVALID_IDENTIFIER'
  | 'AWS.INVALID_CONFIGURATION'
  | 'AWS.ACCOUNT_MISMATCH'
  | 'AWS.QUERY_TOO_LONG'
  | 'AWS.UNEXPECTED_RESPONSE';

/**
 * A problem with what sgdoctor was asked to do against AWS (bad identifier, wrong account, a
 * response that does not have the documented shape). Carries a stable code for the error filter.
 */
export class AwsAdapterError extends Error {
  constructor(
    readonly code: AwsAdapterErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsAdapterError';
  }
}
