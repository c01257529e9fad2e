import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code';
import { ApiExtension } from '@nestjs/swagger';
import { ApiProblemResponses } from '../common/openapi/api-problem-responses.decorator';
import { REQUIRED_SCOPE_EXTENSION } from '../common/openapi/openapi-document';
import { SCOPES, type Scope } from './scope';

export const REQUIRED_SCOPE_KEY = 'sgdoctor:required-scope';

/**
 * The scope a route needs. Without it, reads (GET, HEAD) need `read` and everything else
 * needs `write`. Also documents the scope (as `x-required-scope`) and the 403 a key without it
 * gets; every key holds at least `read`, so a read route has none.
 */
export const RequireScope = (scope: Scope) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE_KEY, scope),
    ApiExtension(REQUIRED_SCOPE_EXTENSION, scope),
    ...(scope === SCOPES[0] ? [] : [ApiProblemResponses([ErrorCode.Forbidden, `the API key lacks the \`${scope}\` scope`])]),
  );
