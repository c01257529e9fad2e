import { CodedError } from '../engine/errors/coded-error';

export type AwsAdapterErrorCode =
  'AWS.INVALID_IDENTIFIER' | 'AWS.INVALID_CONFIGURATION' | 'AWS.ACCOUNT_MISMATCH' | 'AWS.QUERY_TOO_LONG' | 'AWS.UNEXPECTED_RESPONSE';

/**
 * A problem with what sgdoctor was asked to do against AWS (bad identifier, wrong account, a
 * response that does not have the documented shape). Carries a stable code for the error filter;
 * never retryable: the same request would be refused again.
 */
export class AwsAdapterError extends CodedError<AwsAdapterErrorCode> {
  constructor(code: AwsAdapterErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}
