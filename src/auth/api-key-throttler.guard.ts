import { Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { PRINCIPAL_PROPERTY, type RequestWithPrincipal } from './principal';

/**
 * Rate limits per API key (per client address before a key is known). Runs after ApiKeyGuard,
 * which has put the principal on the request.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as RequestWithPrincipal)[PRINCIPAL_PROPERTY];
    return principal ? `key:${principal.keyId}` : `ip:${String(request.ip)}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppError(ErrorCode.RateLimited, `Rate limit exceeded: at most ${detail.limit} requests per ${detail.ttl / 1000} s.`, {
      retryAfterSeconds: detail.timeToBlockExpire,
    });
  }
}
