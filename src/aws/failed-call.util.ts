import { CodedError } from '../engine/errors/coded-error';

/** Errors already given their call: one error may reach several calls (a credential refresh they waited on together). */
const named = new WeakSet<Error>();

/**
 * Puts the call that failed, and the account and region it was made in, in front of an AWS
 * error's message: EC2 and S3 refusals name neither (`UnauthorizedOperation: You are not
 * authorized to perform this operation.`, `AccessDenied: Access Denied`), and neither does a
 * throttling error whose retries ran out. The error itself is kept — its name, `$fault`,
 * `$retryable` and `$metadata` decide whether it is tried again — and is returned for rethrowing.
 * sgdoctor's own errors, which say what failed already, and cancellations pass unchanged; an
 * error is named once, by the first call it reached.
 */
export function withFailedCall(error: unknown, operation: string, where: { accountId: string; region: string }): unknown {
  if (!(error instanceof Error) || error instanceof CodedError || error.name === 'AbortError' || named.has(error)) return error;
  named.add(error);
  error.message = `${operation} (account ${where.accountId}, ${where.region}): ${error.message}`;
  return error;
}
