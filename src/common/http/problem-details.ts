import type { FieldError } from '../errors/app.error';
import type { ErrorCode } from '../errors/error-code';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, with sgdoctor's `code`, `requestId` and field-level `errors`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemTypeFor(code: ErrorCode): string {
  return `urn:sgdoctor:problem:${code.toLowerCase()}`;
}
