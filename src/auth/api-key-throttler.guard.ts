import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { DEFERRED_ADDRESS_CHECK, PRINCIPAL_PROPERTY, type RequestWithDeferredCheck, type RequestWithPrincipal } from './principal';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Rate limits per API key (per client address before a key is known). Runs after ApiKeyGuard,
 * which has put the principal on the request. When ApiKeyGuard left the address-block check to
 * it (a key known in this process), the check and the count go to Redis in one round trip.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  @Inject(AuthFailureLimiter) private readonly failures!: AuthFailureLimiter;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = await super.canActivate(context);
    // A route without rate limit still answers a blocked address with 429.
    const request = context.switchToHttp().getRequest<RequestWithDeferredCheck>();
    const address = request[DEFERRED_ADDRESS_CHECK];
    if (address !== undefined) {
      delete request[DEFERRED_ADDRESS_CHECK];
      await this.failures.checkNotBlocked(address);
    }
    return allowed;
  }

  protected override async handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = requestProps;
    const { req, res } = this.getRequestResponse(context);
    const address = (req as RequestWithDeferredCheck)[DEFERRED_ADDRESS_CHECK];
    if (address === undefined || !(this.storageService instanceof RedisThrottlerStorage)) return super.handleRequest(requestProps);
    delete (req as RequestWithDeferredCheck)[DEFERRED_ADDRESS_CHECK];

    const name = throttler.name ?? 'default';
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, name);
    const { record, otherBlockedFor } = await this.storageService.incrementAndBlockedFor(
      key,
      ttl,
      limit,
      blockDuration,
      name,
      this.failures.counterOf(address),
    );
    if (otherBlockedFor > 0) throw this.failures.limited(otherBlockedFor);
    // As ThrottlerGuard.handleRequest does with the record (headers named for the default throttler).
    const suffix = name === 'default' ? '' : `-${name}`;
    if (record.isBlocked) {
      this.setResponseHeader(res, `Retry-After${suffix}`, record.timeToBlockExpire);
      await this.throwThrottlingException(context, { limit, ttl, key, tracker, ...record });
    }
    this.setResponseHeader(res, `${this.headerPrefix}-Limit${suffix}`, limit);
    this.setResponseHeader(res, `${this.headerPrefix}-Remaining${suffix}`, Math.max(0, limit - record.totalHits));
    this.setResponseHeader(res, `${this.headerPrefix}-Reset${suffix}`, record.timeToExpire);
    return true;
  }

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
