import { RedisQueueBackend } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REDIS_UNANSWERED_TIMEOUT_MS, redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { RedisPingWatchdog, type PingableRedis } from '../../../src/queues/redis-ping-watchdog';

/** A client whose PINGs are answered (or not) when the test says. */
class FakeClient implements PingableRedis {
  status = 'ready';
  readonly pending: Array<{ answer: () => void; fail: () => void }> = [];
  pings = 0;

  ping(): Promise<unknown> {
    this.pings += 1;
    return new Promise((resolve, reject) => {
      this.pending.push({ answer: () => resolve('PONG'), fail: () => reject(new Error('Connection is closed.')) });
    });
  }
}

describe('RedisPingWatchdog', () => {
  let watchdog: RedisPingWatchdog;

  beforeEach(() => {
    vi.useFakeTimers();
    watchdog = new RedisPingWatchdog(1000);
  });

  afterEach(() => {
    watchdog.stop();
    vi.useRealTimers();
  });

  it('pings each connected client once an interval', async () => {
    const a = new FakeClient();
    const b = new FakeClient();
    watchdog.watch(a).watch(b);
    expect(a.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect([a.pings, b.pings]).toEqual([1, 1]);
    for (const client of [a, b]) client.pending.shift()!.answer();
    await vi.advanceTimersByTimeAsync(1000);
    expect([a.pings, b.pings]).toEqual([2, 2]);
  });

  it('never piles PINGs on a silent connection: the next one waits for an answer or an error', async () => {
    const client = new FakeClient();
    watchdog.watch(client);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.pings).toBe(1);
    // The client's socketTimeout closes the connection: the PING fails, quietly.
    client.pending.shift()!.fail();
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.pings).toBe(2);
  });

  it('leaves a client that is not connected alone (a PING would only wait in its offline queue)', async () => {
    const client = new FakeClient();
    watchdog.watch(client);
    for (const status of ['connecting', 'reconnecting', 'close', 'end', 'wait']) {
      client.status = status;
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(client.pings).toBe(0);
    client.status = 'ready';
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.pings).toBe(1);
  });

  it('sends nothing more once stopped, and keeps no timer of its own alive', async () => {
    const client = new FakeClient();
    watchdog.watch(client);
    watchdog.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.pings).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the bound on an unanswered command', () => {
  it('is set on every client built from a REDIS_URL', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379').socketTimeout).toBe(REDIS_UNANSWERED_TIMEOUT_MS);
    expect(redisOptionsFromUrl('rediss://user:pw@redis.example:6380/2').socketTimeout).toBe(REDIS_UNANSWERED_TIMEOUT_MS);
  });

  it("outlasts a worker's longest BZPOPMIN and BullMQ's own reset of it, so waiting for a job is never taken for silence", () => {
    const maximumBlockSeconds = Object.getOwnPropertyDescriptor(RedisQueueBackend.prototype, 'maximumBlockTimeout')!.get!.call(
      {},
    ) as number;
    expect(maximumBlockSeconds).toBeGreaterThan(0);
    // BullMQ gives up on a BZPOPMIN 1 s after its timeout and resets the connection itself.
    const bullmqReset = maximumBlockSeconds * 1000 + 1000;
    expect(REDIS_UNANSWERED_TIMEOUT_MS).toBeGreaterThanOrEqual(bullmqReset + 3000);
  });
});
