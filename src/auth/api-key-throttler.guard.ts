import { Inject, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  type Resolvable,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import type { ExecutionContext } from '@nestjs/common';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { DEFERRED_ADDRESS_CHECK, PRINCIPAL_PROPERTY, type RequestWithDeferredCheck, type RequestWithPrincipal } from './principal';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { RouteSettings } from './route-settings';

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

  /** Each throttler's settings for a route: its decorators' (handler over controller), else the throttler's own. */
  private readonly settings = new RouteSettings<readonly RouteThrottle[]>((handler, controller) => {
    const read = <T>(key: string, throttler: ThrottlerOptions): T | undefined =>
      this.reflector.getAllAndOverride<T | undefined>(`${key}${throttler.name ?? 'default'}`, [handler, controller]);
    return this.throttlers.map((throttler) => ({
      throttler,
      skip: Boolean(read<boolean>(THROTTLER_SKIP, throttler)),
      limit: read<Resolvable<number>>(THROTTLER_LIMIT, throttler) ?? throttler.limit,
      ttl: read<Resolvable<number>>(THROTTLER_TTL, throttler) ?? throttler.ttl,
      blockDuration: read<Resolvable<number>>(THROTTLER_BLOCK_DURATION, throttler) ?? throttler.blockDuration,
      getTracker:
        read<ThrottlerRequest['getTracker']>(THROTTLER_TRACKER, throttler) ??
        throttler.getTracker ??
        (this.commonOptions.getTracker as ThrottlerRequest['getTracker']),
      generateKey:
        read<ThrottlerRequest['generateKey']>(THROTTLER_KEY_GENERATOR, throttler) ??
        throttler.generateKey ??
        (this.commonOptions.generateKey as ThrottlerRequest['generateKey']),
    }));
  });

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = await this.withinLimits(context);
    // A route without rate limit still answers a blocked address with 429.
    const request = context.switchToHttp().getRequest<RequestWithDeferredCheck>();
    const address = request[DEFERRED_ADDRESS_CHECK];
    if (address !== undefined) {
      delete request[DEFERRED_ADDRESS_CHECK];
      await this.failures.checkNotBlocked(address);
    }
    return allowed;
  }

  /**
   * What ThrottlerGuard.canActivate decides, with each route's settings read from its decorators
   * once (RouteSettings) rather than six metadata lookups per throttler on every request. A number
   * is taken as it is; a setting given as a function is called for every request.
   */
  private async withinLimits(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    let allowed = true;
    for (const route of this.settings.of(context)) {
      const skipIf = route.throttler.skipIf ?? this.commonOptions.skipIf;
      if (route.skip || skipIf?.(context)) continue;
      const limit = typeof route.limit === 'number' ? route.limit : await countOf(context, route.limit, 'limit', route.throttler.name);
      const ttl = typeof route.ttl === 'number' ? route.ttl : await countOf(context, route.ttl, 'ttl', route.throttler.name);
      const block = route.blockDuration ?? ttl;
      const blockDuration = typeof block === 'number' ? block : await countOf(context, block, 'blockDuration', route.throttler.name);
      const { throttler, getTracker, generateKey } = route;
      if (!(await this.handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }))) allowed = false;
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

/** One throttler's settings for one route (see ApiKeyThrottlerGuard.settings). */
interface RouteThrottle {
  throttler: ThrottlerOptions;
  skip: boolean;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration: Resolvable<number> | undefined;
  getTracker: ThrottlerRequest['getTracker'];
  generateKey: ThrottlerRequest['generateKey'];
}

/** A throttler setting's number for this request (called when given as a function), refused as ThrottlerGuard refuses one that is not a number. */
async function countOf(context: ExecutionContext, setting: Resolvable<number>, option: string, throttler = 'default'): Promise<number> {
  const value: unknown = typeof setting === 'function' ? await setting(context) : setting;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number))
    throw new Error(`Invalid "${option}" for the "${throttler}" throttler: expected a number, got ${JSON.stringify(value)}.`);
  return number;
}
