import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ERROR_TITLE, ErrorCode } from '../errors/error-code';
import { PROBLEM_CONTENT_TYPE } from '../http/problem-details';
import { ProblemDetailsDto } from './problem-details.dto';
import { ValidationProblemDetailsDto } from './validation-problem-details.dto';

/** An error code an operation can answer, optionally with when it does. */
export type ProblemEntry = ErrorCode | readonly [code: ErrorCode, when: string];

/** What every route that takes a JSON body can answer before the handler runs. */
export const BODY_PROBLEMS: readonly ProblemEntry[] = [
  [ErrorCode.ValidationFailed, 'a field of the body is missing, unknown or invalid'],
  [ErrorCode.BadRequest, 'the body is not JSON in UTF-8, or holds a `__proto__` or `constructor.prototype` key'],
  [ErrorCode.PayloadTooLarge, 'the body is larger than HTTP_BODY_LIMIT_BYTES'],
  [
    ErrorCode.UnsupportedMediaType,
    'the body is not `application/json` (text, form and every other media type are refused), declares a charset other than UTF-8 ' +
      '(`charset=latin1`), or declares a `Content-Encoding` (gzip, br …)',
  ],
];

/** A route with an `:id` (or other UUID) path parameter. */
export const PATH_ID_PROBLEM: ProblemEntry = [ErrorCode.ValidationFailed, 'an id in the path is not a UUID'];

/** A route that validates its query string. */
export const QUERY_PROBLEM: ProblemEntry = [
  ErrorCode.ValidationFailed,
  'a query parameter is unknown, invalid, or given more than once though it takes one value (one message each, in `errors`), ' +
    'or `cursor` is not one this API returned for this list, sort and order',
];

/** An API route that reads no query string: any parameter is refused (UnreadQueryGuard). */
export const UNREAD_QUERY_PROBLEM: ProblemEntry = [ErrorCode.ValidationFailed, 'a query parameter was given, and this route reads none'];

/** Sent with every 429 by the throttler. */
const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until the rate limit lets this key through again.', schema: { type: 'integer' } },
};

/**
 * Documents the errors an operation (or every operation of a controller) answers: one
 * application/problem+json response per HTTP status, its codes and titles taken from the
 * ErrorCode tables, so the document says exactly what ProblemDetailsFilter sends. A 400 has the
 * ValidationProblemDetails schema (with `errors`), every other status ProblemDetails.
 * Applied several times to one operation, descriptions of the same status are joined.
 */
export function ApiProblemResponses(...entries: ProblemEntry[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string[]>();
  for (const entry of entries) {
    const [code, when] = typeof entry === 'string' ? [entry, undefined] : entry;
    const status = ERROR_STATUS[code];
    const lines = byStatus.get(status) ?? [];
    lines.push(`\`${code}\` ${ERROR_TITLE[code]}${when ? `: ${when}` : ''}.`);
    byStatus.set(status, lines);
  }
  const responses = [...byStatus].map(([status, lines]) =>
    ApiResponse({
      status,
      description: lines.join('\n\n'),
      ...(status === ERROR_STATUS[ErrorCode.RateLimited] ? { headers: RATE_LIMIT_HEADERS } : {}),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(status === 400 ? ValidationProblemDetailsDto : ProblemDetailsDto) },
        },
      },
    }),
  );
  return applyDecorators(ApiExtraModels(ProblemDetailsDto, ValidationProblemDetailsDto), ...responses);
}

/** A route that may read a target's configuration now (`"snapshot": "fresh"`). */
export const FRESH_UNREADABLE: ProblemEntry = [
  ErrorCode.PathConfigurationUnreadable,
  'with `"snapshot": "fresh"`, the configuration source could not give a snapshot (a file that is not one, EC2 refusing or unreachable); `reason` names the error',
];
