import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { performance } from 'node:perf_hooks';
import { BLOCK_RECHECK_MS, LEASE_FRACTION, LEASE_MAX_HITS, RedisThrottlerStorage } from '../../src/auth/redis-throttler.storage';
import { sparePort, ThrowawayRedis } from '../support/app/throwaway-services';
import { TEST_REDIS_URL, uniqueTestName } from '../support/app/test-database';
import { deleteRedisPrefix } from '../support/app/test-redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisThrottlerStorage', () => {
  const prefix = uniqueTestName('throttle');
  let storage: RedisThrottlerStorage;
  let other: RedisThrottlerStorage;
  let redis: Redis;

  const keysUnderPrefix = () => redis.keys(`${prefix}:*`);

  beforeAll(async () => {
    storage = new RedisThrottlerStorage({ url: TEST_REDIS_URL, prefix });
    other = new RedisThrottlerStorage({ url: TEST_REDIS_URL, prefix });
    await Promise.all([storage.onModuleInit(), other.onModuleInit()]);
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await storage?.onApplicationShutdown();
    await other?.onApplicationShutdown();
    redis?.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it('returns the record shape the throttler guard reads, in seconds', async () => {
    const first = await storage.increment('shape', 60_000, 2, 30_000, 'default');
    expect(first).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });

    const second = await storage.increment('shape', 60_000, 2, 30_000, 'default');
    expect(second).toMatchObject({ totalHits: 2, isBlocked: false, timeToBlockExpire: 0 });
    expect(second.timeToExpire).toBeGreaterThanOrEqual(59);
    expect(second.timeToExpire).toBeLessThanOrEqual(60);

    // The hit over the limit is blocked for the block duration, not the window.
    const third = await storage.increment('shape', 60_000, 2, 30_000, 'default');
    expect(third).toEqual({ totalHits: 3, timeToExpire: 30, isBlocked: true, timeToBlockExpire: 30 });
  });

  it('keeps its keys under <prefix>:throttle: and counts per throttler name', async () => {
    await storage.increment('named', 60_000, 5, 60_000, 'default');
    await storage.increment('named', 60_000, 5, 60_000, 'burst');
    const burst = await storage.increment('named', 60_000, 5, 60_000, 'burst');
    expect(burst.totalHits).toBe(2);
    const keys = await redis.keys(`${prefix}:*named*`);
    expect(keys.sort()).toEqual([`${prefix}:throttle:{burst:named}:hits`, `${prefix}:throttle:{default:named}:hits`]);
    for (const key of await keysUnderPrefix()) expect(key.startsWith(`${prefix}:throttle:{`)).toBe(true);
  });

  it('shares one count between two storages (two API processes) on the same prefix', async () => {
    expect((await storage.increment('shared', 60_000, 2, 60_000, 'default')).isBlocked).toBe(false);
    expect((await other.increment('shared', 60_000, 2, 60_000, 'default')).isBlocked).toBe(false);
    const third = await storage.increment('shared', 60_000, 2, 60_000, 'default');
    expect(third.isBlocked).toBe(true);
    // The block holds for the other process too, and refused hits are not counted.
    const fourth = await other.increment('shared', 60_000, 2, 60_000, 'default');
    expect(fourth).toMatchObject({ isBlocked: true, totalHits: 3 });
  });

  it('lets the window expire: its key disappears and counting starts again', async () => {
    await storage.increment('window', 300, 5, 300, 'default');
    const second = await storage.increment('window', 300, 5, 300, 'default');
    expect(second.totalHits).toBe(2);
    const ttl = await redis.pttl(`${prefix}:throttle:{default:window}:hits`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);

    await sleep(450);
    expect(await redis.exists(`${prefix}:throttle:{default:window}:hits`)).toBe(0);
    expect(await storage.increment('window', 300, 5, 300, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('ends a block after its duration with a fresh window, leaving no block key behind', async () => {
    await storage.increment('block', 60_000, 1, 300, 'default');
    const blocked = await storage.increment('block', 60_000, 1, 300, 'default');
    expect(blocked.isBlocked).toBe(true);
    expect(await redis.pttl(`${prefix}:throttle:{default:block}:block`)).toBeGreaterThan(0);

    await sleep(450);
    expect(await redis.exists(`${prefix}:throttle:{default:block}:block`)).toBe(0);
    expect(await storage.increment('block', 60_000, 1, 300, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('without a block duration refuses hits over the limit until the window ends', async () => {
    await storage.increment('noblock', 2_000, 1, 0, 'default');
    const over = await storage.increment('noblock', 2_000, 1, 0, 'default');
    expect(over).toMatchObject({ isBlocked: true, timeToBlockExpire: 2 });
    expect(await redis.exists(`${prefix}:throttle:{default:noblock}:block`)).toBe(0);
  });

  it('hit() counts exactly in one process: every hit numbered, the one after the limit blocked', async () => {
    const records = [];
    for (let i = 0; i < 6; i++) records.push(await storage.hit('exact', 60_000, 5, 30_000, 'default'));
    expect(records.map((record) => record.totalHits)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, false, false, true]);
    expect(records[5]).toMatchObject({ timeToBlockExpire: 30 });
    // The block holds for increment() too: it is the same counter.
    expect(await storage.increment('exact', 60_000, 5, 30_000, 'default')).toMatchObject({ isBlocked: true });
  });

  it('hit() takes hits from Redis in batches: one round trip for many hits', async () => {
    const records = await Promise.all(Array.from({ length: 50 }, () => storage.hit('batched', 60_000, 1_000_000, 60_000, 'default')));
    expect(records.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (let i = 0; i < 50; i++) await storage.hit('batched', 60_000, 1_000_000, 60_000, 'default');
    // One grant of LEASE_MAX_HITS counted in Redis, 100 of it used here.
    expect(Number(await redis.get(`${prefix}:throttle:{default:batched}:hits`))).toBe(LEASE_MAX_HITS);
    expect(await storage.hit('batched', 60_000, 1_000_000, 60_000, 'default')).toMatchObject({ totalHits: 101, isBlocked: false });
  });

  it('hit() never admits more than the limit across two processes, and refuses at most a fraction early', async () => {
    const limit = 320;
    let admitted = 0;
    let firstRefusal: number | undefined;
    for (let i = 0; i < 2 * limit; i++) {
      const record = await (i % 3 === 0 ? other : storage).hit('spread', 60_000, limit, 60_000, 'default');
      if (!record.isBlocked) admitted++;
      else firstRefusal ??= admitted;
    }
    expect(admitted).toBeLessThanOrEqual(limit);
    // The other process holds at most a LEASE_FRACTION-th of the limit when the first refuses.
    expect(firstRefusal).toBeGreaterThanOrEqual(limit - limit / LEASE_FRACTION);
  });

  it('hit() remembers a block until it ends, then starts a fresh window', async () => {
    await storage.hit('local-block', 60_000, 1, 300, 'default');
    expect(await storage.hit('local-block', 60_000, 1, 300, 'default')).toMatchObject({ isBlocked: true });
    // Refused here without asking Redis: even with the block gone from Redis.
    await redis.del(`${prefix}:throttle:{default:local-block}:block`);
    expect(await storage.hit('local-block', 60_000, 1, 300, 'default')).toMatchObject({ isBlocked: true });
    await sleep(450);
    expect(await storage.hit('local-block', 60_000, 1, 300, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('hit() drops the hits it holds when the window ends', async () => {
    expect(await storage.hit('hit-window', 300, 1_000_000, 300, 'default')).toMatchObject({ totalHits: 1 });
    await sleep(450);
    expect(await storage.hit('hit-window', 300, 1_000_000, 300, 'default')).toMatchObject({ totalHits: 1 });
  });

  it('hit() keeps a bounded number of counters: one forgotten loses its unused hits, never its count', async () => {
    expect(await storage.hit('first-of-many', 60_000, 1_000_000, 60_000, 'default')).toMatchObject({ totalHits: 1 });
    for (let i = 0; i < 10_000; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => storage.hit(`many-${i + j}`, 60_000, 1_000_000, 60_000, 'default')));
    }
    // Forgotten here: taken again from Redis, after the batch it held (LEASE_MAX_HITS).
    expect(await storage.hit('first-of-many', 60_000, 1_000_000, 60_000, 'default')).toMatchObject({ totalHits: LEASE_MAX_HITS + 1 });
  });

  it("recentlyBlockedFor() knows its own blocks at once and another process's within BLOCK_RECHECK_MS", async () => {
    expect(await storage.recentlyBlockedFor('ip:seen', 'auth-failures')).toBe(0);
    // Blocked by this process (a failure over the limit): known at once.
    for (let i = 0; i < 2; i++) await storage.increment('ip:seen', 60_000, 1, 30_000, 'auth-failures');
    expect(await storage.recentlyBlockedFor('ip:seen', 'auth-failures')).toBe(30);

    expect(await storage.recentlyBlockedFor('ip:elsewhere', 'auth-failures')).toBe(0);
    for (let i = 0; i < 2; i++) await other.increment('ip:elsewhere', 60_000, 1, 30_000, 'auth-failures');
    const deadline = performance.now() + BLOCK_RECHECK_MS + 200;
    let seconds = 0;
    while (seconds === 0 && performance.now() < deadline) {
      seconds = await storage.recentlyBlockedFor('ip:elsewhere', 'auth-failures');
      if (seconds === 0) await sleep(50);
    }
    // Seen within BLOCK_RECHECK_MS of the block, about that much into its 30 s.
    expect(seconds).toBeGreaterThanOrEqual(29);
    expect(seconds).toBeLessThanOrEqual(30);
  });

  it('while Redis hangs (connected, never answering), lets requests through at once once one has waited out its timeout, and counts again when it answers', async () => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const server = await ThrowawayRedis.create();
    const hanging = new RedisThrottlerStorage({ url: server.url, prefix });
    try {
      await hanging.onModuleInit();
      expect(await hanging.increment('hang', 60_000, 100, 60_000, 'default')).toMatchObject({ totalHits: 1 });
      server.freeze();
      const timed = async <T>(call: () => Promise<T>) => {
        const started = performance.now();
        const value = await call();
        return { value, ms: performance.now() - started };
      };
      // The first call after the hang began waits for its command's timeout.
      expect((await timed(() => hanging.hit('hang', 60_000, 100, 60_000, 'default'))).value).toMatchObject({ totalHits: 0 });
      // Every later one is let through without waiting on Redis again.
      const later = [
        await timed(() => hanging.hit('hang-2', 60_000, 100, 60_000, 'default')),
        await timed(() => hanging.increment('hang', 60_000, 100, 60_000, 'default')),
        await timed(() => hanging.recentlyBlockedFor('ip:hang', 'auth-failures')),
        await timed(() => hanging.blockedFor('ip:hang', 'auth-failures')),
        await timed(() => hanging.hit('hang-3', 60_000, 100, 60_000, 'default')),
      ];
      expect(later.map(({ value }) => value)).toEqual([
        { totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 },
        { totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 },
        0,
        0,
        { totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 },
      ]);
      for (const { ms } of later) expect(ms).toBeLessThan(100);

      server.thaw();
      const deadline = performance.now() + 10_000;
      let record = await hanging.increment('hang', 60_000, 100, 60_000, 'default');
      while (record.totalHits === 0 && performance.now() < deadline) {
        await sleep(100);
        record = await hanging.increment('hang', 60_000, 100, 60_000, 'default');
      }
      expect(record.totalHits).toBeGreaterThan(1);
    } finally {
      server.thaw();
      await hanging.onApplicationShutdown();
      await server.stop();
    }
  });

  it('fails open with one warning when Redis is unreachable', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const unreachable = new RedisThrottlerStorage({ url: `redis://127.0.0.1:${await sparePort()}`, prefix });
    try {
      await unreachable.onModuleInit();
      const records = [];
      for (let i = 0; i < 3; i++) records.push(await unreachable.increment('down', 60_000, 1, 60_000, 'default'));
      expect(records).toEqual(Array(3).fill({ totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 }));
      expect(await unreachable.hit('down', 60_000, 1, 60_000, 'default')).toMatchObject({ isBlocked: false });
      expect(await unreachable.recentlyBlockedFor('ip:down', 'auth-failures')).toBe(0);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/Redis is unreachable/);
    } finally {
      await unreachable.onApplicationShutdown();
    }
  });
});
