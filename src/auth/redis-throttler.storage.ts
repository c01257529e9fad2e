import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import type { RedisConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';

/**
 * Hits taken atomically. KEYS[1] counts the hits of the current window, KEYS[2] marks a block.
 * ARGV: window ms, limit, block ms, hits wanted, fraction. Returns {totalHits, msToExpire,
 * blocked (0|1), msToBlockExpire, hits granted}.
 *
 * - While blocked, hits are refused and not counted.
 * - Under the limit, grants the hits wanted but never more than a `fraction`-th of what is left
 *   of the limit (and at least one): a grant never takes the counter past the limit, and as the
 *   window's budget runs out grants shrink to one hit. One hit wanted is exactly one hit counted.
 * - The window starts at the first hit: the counter gets its expiry only when it has none
 *   (PEXPIRE NX semantics, written so that Redis before 7.0 runs it too).
 * - The hit after the limit starts a block; the counter is dropped, so when the block ends the
 *   caller starts a fresh window (as @nestjs/throttler's in-memory storage does).
 * - Without a block duration, hits over the limit are refused until the window ends.
 */
const TAKE_SCRIPT = `
local blockMs = redis.call('PTTL', KEYS[2])
if blockMs > 0 then
  return {tonumber(redis.call('GET', KEYS[2])) or 0, blockMs, 1, blockMs, 0}
end
local limit = tonumber(ARGV[2])
local left = limit - (tonumber(redis.call('GET', KEYS[1])) or 0)
local grant = 1
if left > 1 then
  grant = math.max(1, math.min(tonumber(ARGV[4]), math.floor(left / tonumber(ARGV[5]))))
end
local hits = redis.call('INCRBY', KEYS[1], grant)
local windowMs = redis.call('PTTL', KEYS[1])
if windowMs < 0 then
  windowMs = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
if hits <= limit then
  return {hits, windowMs, 0, 0, grant}
end
local blockFor = tonumber(ARGV[3])
if blockFor <= 0 then
  return {hits, windowMs, 1, windowMs, 0}
end
redis.call('SET', KEYS[2], hits, 'PX', blockFor)
redis.call('DEL', KEYS[1])
return {hits, blockFor, 1, blockFor, 0}`;

/** The package does not export its record type from the entry point. */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type TakeReply = [hits: number, msToExpire: number, blocked: number, msToBlockExpire: number, granted: number];

interface ThrottleCommands {
  throttleTake(
    hitsKey: string,
    blockKey: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
    wanted: number,
    fraction: number,
  ): Promise<TakeReply>;
}

/** How long a rate-limit check may wait on Redis before the request is let through. */
const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
/**
 * While Redis is failing, requests send it nothing (each would wait out COMMAND_TIMEOUT_MS when
 * it hangs rather than refuses), and a PING this often finds out when it answers again.
 */
const RECOVERY_PROBE_MS = 1000;

/**
 * hit() takes at most this many hits of a counter from Redis at once, and at most a
 * LEASE_FRACTION-th of what is left of the counter's limit in its window. A process keeps the
 * hits it took until it has used them or the window ends, and no other process can use them:
 * a client whose requests are spread over N API processes may be refused up to
 * (N - 1) / LEASE_FRACTION of the limit early (each other process holding at most a
 * LEASE_FRACTION-th), and is never admitted over the limit.
 */
export const LEASE_MAX_HITS = 1000;
export const LEASE_FRACTION = 32;

/** How long recentlyBlockedFor() trusts what it last read of a block made by another process. */
export const BLOCK_RECHECK_MS = 1000;

/** At most this many counters (and as many blocks seen) are kept in a process; expired ones are dropped first. */
const MAX_LOCAL_ENTRIES = 10_000;

/** What this process holds of one counter: hits taken from Redis and not used yet, or a block. */
interface LocalCounter {
  /** The window's number of the next hit this process may use, and of the last one it took. */
  next: number;
  last: number;
  /** performance.now() at which the window (and with it the hits held) ends. */
  windowEnd: number;
  /** performance.now() until which the counter is blocked, and the hit count it was blocked at. */
  blockedUntil: number;
  blockedHits: number;
  /** A take from Redis under way: hits arriving meanwhile wait for it rather than start their own. */
  taking?: Promise<boolean>;
}

/** A counter's block as this process last read it (or made it). */
interface SeenBlock {
  until: number;
  checkedAt: number;
  reading?: Promise<number>;
}

/**
 * Rate-limit counters in Redis, so every API instance behind a load balancer counts against the
 * same limit. Keys live under `<REDIS_PREFIX>:throttle:`. increment() counts each hit in Redis;
 * hit() (the per-request limit) takes hits in batches and counts them here, so most requests
 * cost no round trip.
 *
 * When Redis cannot be reached (or answers too slowly) requests are let through, with one warning
 * per outage: the API stays available without Redis, at the cost of not limiting for that time.
 * Once a command has failed, later requests do not wait on Redis: they are let through at once
 * until a probe sees it answer again.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis & ThrottleCommands;
  private readonly keyPrefix: string;
  private failing = false;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly counters = new Map<string, LocalCounter>();
  private readonly seenBlocks = new Map<string, SeenBlock>();

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
    redis.defineCommand('throttleTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
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

  /**
   * One hit counted in Redis, a round trip each: the exact count, for what must see every other
   * process's hits at once (failed authentications).
   */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = this.counterBase(key, throttlerName);
    if (this.failing) return openRecord(ttl);
    try {
      const [hits, msToExpire, blocked, msToBlockExpire] = await this.redis.throttleTake(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
        1,
        1,
      );
      this.recovered();
      if (blocked === 1) this.sawBlock(base, msToBlockExpire);
      return {
        totalHits: hits,
        timeToExpire: toSeconds(msToExpire),
        isBlocked: blocked === 1,
        timeToBlockExpire: blocked === 1 ? toSeconds(msToBlockExpire) : 0,
      };
    } catch (error) {
      this.failedOpen(error);
      return openRecord(ttl);
    }
  }

  /**
   * One hit against the same limit as increment(), mostly without a round trip: hits are taken
   * from Redis in batches (see LEASE_MAX_HITS and LEASE_FRACTION) and used here until they run
   * out or the window ends, and a block is remembered here until it ends. Across processes the
   * limit is never passed, though a client spread over several may be refused a little early;
   * in one process, or with the limit nearly used up (one hit taken at a time), the count is
   * exact. Fails open like increment().
   */
  async hit(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = this.counterBase(key, throttlerName);
    let counter = this.counters.get(base);
    if (!counter) {
      counter = { next: 1, last: 0, windowEnd: 0, blockedUntil: 0, blockedHits: 0 };
      keep(this.counters, base, counter, (entry, now) => entry.windowEnd <= now && entry.blockedUntil <= now && !entry.taking);
    }
    for (;;) {
      const now = performance.now();
      if (counter.blockedUntil > now) {
        const seconds = toSeconds(counter.blockedUntil - now);
        return { totalHits: counter.blockedHits, timeToExpire: seconds, isBlocked: true, timeToBlockExpire: seconds };
      }
      if (counter.next <= counter.last && counter.windowEnd > now) {
        return { totalHits: counter.next++, timeToExpire: toSeconds(counter.windowEnd - now), isBlocked: false, timeToBlockExpire: 0 };
      }
      if (counter.taking) {
        await counter.taking;
        continue;
      }
      const taking = this.take(base, counter, ttl, limit, blockDuration);
      counter.taking = taking;
      try {
        if (!(await taking)) return openRecord(ttl);
      } finally {
        counter.taking = undefined;
      }
    }
  }

  /**
   * Seconds left of a block on this counter (0: not blocked) as this process last saw it: blocks
   * it made or read are known at once, others are read from Redis when what it knows is more than
   * BLOCK_RECHECK_MS old. Fails open like blockedFor().
   */
  async recentlyBlockedFor(key: string, throttlerName: string): Promise<number> {
    const base = this.counterBase(key, throttlerName);
    const now = performance.now();
    let seen = this.seenBlocks.get(base);
    if (seen && now - seen.checkedAt < BLOCK_RECHECK_MS) return seen.until > now ? toSeconds(seen.until - now) : 0;
    if (seen?.reading) return seen.reading;
    if (!seen) {
      seen = { until: 0, checkedAt: -Infinity };
      keep(this.seenBlocks, base, seen, (entry, at) => at - entry.checkedAt >= BLOCK_RECHECK_MS && entry.until <= at && !entry.reading);
    }
    const entry = seen;
    const reading = this.blockedFor(key, throttlerName);
    entry.reading = reading;
    try {
      return await reading;
    } finally {
      entry.reading = undefined;
    }
  }

  /**
   * Seconds left of a block on this counter, without counting a hit (0: not blocked). Fails
   * open like increment().
   */
  async blockedFor(key: string, throttlerName: string): Promise<number> {
    if (this.failing) return 0;
    const base = this.counterBase(key, throttlerName);
    const checkedAt = performance.now();
    try {
      const ms = await this.redis.pttl(`${base}:block`);
      this.recovered();
      const seen = this.seenBlocks.get(base);
      if (seen) Object.assign(seen, { until: ms > 0 ? checkedAt + ms : 0, checkedAt });
      return ms > 0 ? toSeconds(ms) : 0;
    } catch (error) {
      this.failedOpen(error);
      return 0;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.probe);
    this.probe = undefined;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Takes hits of the counter from Redis into `counter` (or learns that it is blocked); false
   * when Redis failed (the caller lets the hit through).
   */
  private async take(base: string, counter: LocalCounter, ttl: number, limit: number, blockDuration: number): Promise<boolean> {
    const sentAt = performance.now();
    if (this.failing) return false;
    try {
      const [hits, msToExpire, blocked, msToBlockExpire, granted] = await this.redis.throttleTake(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
        LEASE_MAX_HITS,
        LEASE_FRACTION,
      );
      this.recovered();
      // Measured from before the round trip: the window never ends later here than in Redis.
      if (blocked === 1) {
        counter.blockedUntil = sentAt + msToBlockExpire;
        counter.blockedHits = hits;
        counter.next = 1;
        counter.last = 0;
      } else {
        counter.next = hits - granted + 1;
        counter.last = hits;
        counter.windowEnd = sentAt + msToExpire;
      }
      return true;
    } catch (error) {
      this.failedOpen(error);
      return false;
    }
  }

  /** Remembers a block this process made or read, for recentlyBlockedFor(). */
  private sawBlock(base: string, msToBlockExpire: number): void {
    const now = performance.now();
    const seen = this.seenBlocks.get(base);
    if (seen) Object.assign(seen, { until: now + msToBlockExpire, checkedAt: now });
    else keep(this.seenBlocks, base, { until: now + msToBlockExpire, checkedAt: now }, (entry, at) => entry.until <= at && !entry.reading);
  }

  /** The hash tag keeps both keys of one counter in one slot (Redis Cluster). */
  private counterBase(key: string, throttlerName: string): string {
    return `${this.keyPrefix}:{${throttlerName}:${key}}`;
  }

  private failedOpen(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(`Redis is unreachable, requests are not rate-limited until it is back: ${String(error)}`);
    this.probe = setInterval(() => void this.probeOnce(), RECOVERY_PROBE_MS);
    this.probe.unref();
  }

  /** One PING at a time while failing; the first answer ends the outage. */
  private async probeOnce(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.redis.ping();
      this.recovered();
    } catch {
      // Still failing: the next probe tries again.
    } finally {
      this.probing = false;
    }
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    clearInterval(this.probe);
    this.probe = undefined;
    this.logger.log('Redis is reachable again, rate limits apply');
  }
}

/** What a hit gets while Redis is unreachable: let through, not counted. */
function openRecord(ttl: number): ThrottlerStorageRecord {
  return { totalHits: 0, timeToExpire: toSeconds(ttl), isBlocked: false, timeToBlockExpire: 0 };
}

/** When each bounded map was last swept of the entries that no longer matter. */
const lastSweeps = new WeakMap<Map<string, unknown>, number>();

/**
 * Adds an entry to a bounded map: when it is full, entries that no longer matter are dropped (at
 * most one sweep a second, so a flood of new keys does not sweep on every request), else the
 * oldest (the limit still holds in Redis; only this process's unused hits of it are lost).
 */
function keep<T>(entries: Map<string, T>, key: string, entry: T, expired: (entry: T, now: number) => boolean): void {
  if (entries.size >= MAX_LOCAL_ENTRIES) {
    const now = performance.now();
    if (now - (lastSweeps.get(entries) ?? -Infinity) >= 1000) {
      lastSweeps.set(entries, now);
      for (const [name, existing] of entries) if (expired(existing, now)) entries.delete(name);
    }
    if (entries.size >= MAX_LOCAL_ENTRIES) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
  }
  entries.set(key, entry);
}

/** The throttler reports whole seconds (Retry-After, X-RateLimit-Reset), at least 1 while counting. */
function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
