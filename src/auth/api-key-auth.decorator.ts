import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses } from '../common/openapi/api-problem-responses.decorator';
import { API_KEY_SECURITY } from '../common/openapi/openapi-document';

/**
 * Documents what the global guards do to every route of a controller that is not @Public():
 * an API key in either header, 401 without a valid one, 429 over the per-key rate limit (or
 * after too many failed attempts from one address), 503 while PostgreSQL (where keys are looked
 * up) or Redis is unreachable, and 500 for anything unexpected.
 * (403 comes with @RequireScope, which knows the scope.)
 */
export const ApiKeyAuth = (): ClassDecorator =>
  applyDecorators(
    ApiBearerAuth(),
    ApiSecurity(API_KEY_SECURITY),
    ApiProblemResponses(
      [
        ErrorCode.Unauthenticated,
        'no API key, or one that is unknown or revoked, whatever the body: a body is judged only once the key is',
      ],
      [
        ErrorCode.RateLimited,
        'over RATE_LIMIT_PER_MINUTE requests of this key in a minute; `retryAfterSeconds` and the `Retry-After` header say when to try again',
      ],
      [
        ErrorCode.DependencyUnavailable,
        'PostgreSQL or Redis is unreachable; `dependency` names it and `Retry-After` says when to try again',
      ],
      [ErrorCode.Internal, 'an unexpected failure; `detail` says no more, the logs have it under `requestId`'],
    ),
  );
