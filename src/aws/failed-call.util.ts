import { CodedError } from '../engine/errors/coded-error';

/**
 * Puts the call that failed, and the account and region it was made in, in front of an AWS
 * error's message: EC2 and S3 refusals name neither (`UnauthorizedOperation: You are not
 * authorized to perform this operation.`, `AccessDenied: Access Denied`), and neither does a
 * throttling error whose retries ran out. The error itself is kept — its name, `$fault`,
 * `$retryable` and `$metadata` decide whether it is tried again — and is returned for rethrowing.
 * sgdoctor's own errors, which say what failed already, and cancellations pass unchanged.
 */
export function withFailedCall(error: unknown, operation: string, where: { accountId: string; region: string }): unknown {
  if (!(error instanceof Error) || error instanceof CodedError || error.name === 'AbortError') return error;
  const prefix = `${operation} (account ${where.accountId}, ${where.region})`;
  if (!error.message.startsWith(prefix)) error.message = `${prefix}: ${error.message}`;
  return error;
}
