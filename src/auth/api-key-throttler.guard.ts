import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { DEFERRED_ADDRESS_CHECK, PRINCIPAL_PROPERTY, type RequestWithDeferredCheck, type RequestWithPrincipal } from './principal';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Trackers whose keys are remembered per route; past this many the route's are forgotten (clients by address are unbounded). */
const MAX_KEYS_PER_ROUTE = 10_000;

/** Who a request counts against: its API key, or its client address before a key is known. */
function trackerOf(request: Record<string, unknown>): string {
  const principal = (request as RequestWithPrincipal)[PRINCIPAL_PROPERTY];
  return principal ? `key:${principal.keyId}` : `ip:${String(request.ip)}`;
}

/**
 * Rate limits per API key (per client address before a key is known). Runs after ApiKeyGuard,
 * which has put the principal on the request. Hits are counted through
 * RedisThrottlerStorage.hit(): in this process, from batches taken from Redis, so most requests
 * make no round trip. When ApiKeyGuard left the address-block check to it (a key known in this
 * process), the block is the one this process last saw (at most BLOCK_RECHECK_MS old).
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  @Inject(AuthFailureLimiter) private readonly failures!: AuthFailureLimiter;
  /** Counter keys by route handler, then by controller, throttler and tracker (see keyOf). */
  private readonly keys = new WeakMap<object, Map<string, string>>();

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
    if (!(this.storageService instanceof RedisThrottlerStorage)) return super.handleRequest(requestProps);
    const { context, limit, ttl, throttler, blockDuration, generateKey } = requestProps;
    const { req, res } = this.getRequestResponse(context);
    const name = throttler.name ?? 'default';
    const tracker = trackerOf(req);
    const key = this.keyOf(context, tracker, name, generateKey);
    const record = await this.storageService.hit(key, ttl, limit, blockDuration, name);
    const address = (req as RequestWithDeferredCheck)[DEFERRED_ADDRESS_CHECK];
    if (address !== undefined) {
      delete (req as RequestWithDeferredCheck)[DEFERRED_ADDRESS_CHECK];
      const { key: addressKey, throttlerName } = this.failures.counterOf(address);
      const blockedFor = await this.storageService.recentlyBlockedFor(addressKey, throttlerName);
      if (blockedFor > 0) throw this.failures.limited(blockedFor);
    }
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

  /**
   * The counter's key as ThrottlerGuard makes it (a SHA-256 of the route and the tracker),
   * remembered per route and tracker rather than hashed on every request.
   */
  private keyOf(context: ExecutionContext, tracker: string, name: string, generateKey: ThrottlerRequest['generateKey']): string {
    let byTracker = this.keys.get(context.getHandler());
    if (!byTracker) {
      byTracker = new Map();
      this.keys.set(context.getHandler(), byTracker);
    }
    const id = `${context.getClass().name}\n${name}\n${tracker}`;
    let key = byTracker.get(id);
    if (key === undefined) {
      if (byTracker.size >= MAX_KEYS_PER_ROUTE) byTracker.clear();
      key = generateKey(context, tracker, name);
      byTracker.set(id, key);
    }
    return key;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return trackerOf(request);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppError(ErrorCode.RateLimited, `Rate limit exceeded: at most ${detail.limit} requests per ${detail.ttl / 1000} s.`, {
      retryAfterSeconds: detail.timeToBlockExpire,
    });
  }
}
