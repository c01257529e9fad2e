import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';

/**
 * One hit, atomically. KEYS[1] counts the hits of the current window, KEYS[2] marks a block.
 * ARGV: window ms, limit, block ms. Returns {totalHits, msToExpire, blocked (0|1), msToBlockExpire}.
 *
 * - While blocked, hits are refused and not counted.
 * - The window starts at the first hit: the counter gets its expiry only when it has none
 *   (PEXPIRE NX semantics, written so that Redis before 7.0 runs it too).
 * - The hit after the limit starts a block; the counter is dropped, so when the block ends the
 *   caller starts a fresh window (as @nestjs/throttler's in-memory storage does).
 * - Without a block duration, hits over the limit are refused until the window ends.
 */
const INCREMENT_SCRIPT = `
local blockMs = redis.call('PTTL', KEYS[2])
if blockMs > 0 then
  return {tonumber(redis.call('GET', KEYS[2])) or 0, blockMs, 1, blockMs}
end
local hits = redis.call('INCR', KEYS[1])
local windowMs = redis.call('PTTL', KEYS[1])
if windowMs < 0 then
  windowMs = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
if hits <= tonumber(ARGV[2]) then
  return {hits, windowMs, 0, 0}
end
local blockFor = tonumber(ARGV[3])
if blockFor <= 0 then
  return {hits, windowMs, 1, windowMs}
end
redis.call('SET', KEYS[2], hits, 'PX', blockFor)
redis.call('DEL', KEYS[1])
return {hits, blockFor, 1, blockFor}`;

/** The package does not export its record type from the entry point. */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type IncrementReply = [hits: number, msToExpire: number, blocked: number, msToBlockExpire: number];

interface ThrottleCommands {
  throttleIncrement(hitsKey: string, blockKey: string, ttlMs: number, limit: number, blockMs: number): Promise<IncrementReply>;
}

/** How long a rate-limit check may wait on Redis before the request is let through. */
const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Rate-limit counters in Redis, so every API instance behind a load balancer counts against the
 * same limit. Keys live under `<REDIS_PREFIX>:throttle:`.
 *
 * When Redis cannot be reached (or answers too slowly) requests are let through, with one warning
 * per outage: the API stays available without Redis, at the cost of not limiting for that time.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis & ThrottleCommands;
  private readonly keyPrefix: string;
  private failing = false;

  constructor(config: RedisConfig) {
    this.keyPrefix = `${config.prefix}:throttle`;
    const redis = new Redis({
      ...redisOptionsFromUrl(config.url),
      // Fail at once while disconnected rather than hold requests in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectionName: 'sgdoctor-throttle',
    });
    // Outages are reported by increment(); without a listener ioredis logs every failed attempt.
    redis.on('error', () => undefined);
    redis.defineCommand('throttleIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    this.redis = redis as Redis & ThrottleCommands;
  }

  /** Waits (briefly) for the connection so the first requests are counted; never fails start-up. */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      this.redis.once('ready', done);
    });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = this.counterBase(key, throttlerName);
    try {
      const [hits, msToExpire, blocked, msToBlockExpire] = await this.redis.throttleIncrement(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
      );
      this.recovered();
      return {
        totalHits: hits,
        timeToExpire: toSeconds(msToExpire),
        isBlocked: blocked === 1,
        timeToBlockExpire: blocked === 1 ? toSeconds(msToBlockExpire) : 0,
      };
    } catch (error) {
      this.failedOpen(error);
      return { totalHits: 0, timeToExpire: toSeconds(ttl), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /**
   * increment() on one counter and blockedFor() on another, in one round trip (a pipeline: the
   * two live in different hash slots, so not one script). The hit is counted even when the
   * other counter is blocked. Fails open like both.
   */
  async incrementAndBlockedFor(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    other: { key: string; throttlerName: string },
  ): Promise<{ record: ThrottlerStorageRecord; otherBlockedFor: number }> {
    const base = this.counterBase(key, throttlerName);
    try {
      const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
        throttleIncrement(...args: Parameters<ThrottleCommands['throttleIncrement']>): unknown;
      };
      pipeline.pttl(`${this.counterBase(other.key, other.throttlerName)}:block`);
      pipeline.throttleIncrement(`${base}:hits`, `${base}:block`, ttl, limit, blockDuration);
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error);
      if (!replies || failed) throw failed?.[0] ?? new Error('the pipeline was not run');
      const blockMs = replies[0][1] as number;
      const [hits, msToExpire, blocked, msToBlockExpire] = replies[1][1] as IncrementReply;
      this.recovered();
      return {
        record: {
          totalHits: hits,
          timeToExpire: toSeconds(msToExpire),
          isBlocked: blocked === 1,
          timeToBlockExpire: blocked === 1 ? toSeconds(msToBlockExpire) : 0,
        },
        otherBlockedFor: blockMs > 0 ? toSeconds(blockMs) : 0,
      };
    } catch (error) {
      this.failedOpen(error);
      return { record: { totalHits: 0, timeToExpire: toSeconds(ttl), isBlocked: false, timeToBlockExpire: 0 }, otherBlockedFor: 0 };
    }
  }

  /**
   * Seconds left of a block on this counter, without counting a hit (0: not blocked). Fails
   * open like increment().
   */
  async blockedFor(key: string, throttlerName: string): Promise<number> {
    try {
      const ms = await this.redis.pttl(`${this.counterBase(key, throttlerName)}:block`);
      this.recovered();
      return ms > 0 ? toSeconds(ms) : 0;
    } catch (error) {
      this.failedOpen(error);
      return 0;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** The hash tag keeps both keys of one counter in one slot (Redis Cluster). */
  private counterBase(key: string, throttlerName: string): string {
    return `${this.keyPrefix}:{${throttlerName}:${key}}`;
  }

  private failedOpen(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(`Redis is unreachable, requests are not rate-limited until it is back: ${String(error)}`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Redis is reachable again, rate limits apply');
  }
}

/** The throttler reports whole seconds (Retry-After, X-RateLimit-Reset), at least 1 while counting. */
function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
