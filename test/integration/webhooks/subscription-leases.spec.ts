import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SubscriptionSlotsService, type DeliveryLease } from '../../../src/webhooks/jobs/subscription-slots.service';
import { TEST_REDIS_URL, uniqueTestName } from '../../support/app/test-database';
import { deleteRedisPrefix } from '../../support/app/test-redis';
import { until } from '../../support/app/until';

const SUBSCRIPTION = '5b0f6f57-5f6c-4c1e-9a0c-0d4a4e0c0a01';
const OTHER = '5b0f6f57-5f6c-4c1e-9a0c-0d4a4e0c0a02';

/**
 * Per-subscription delivery leases on real Redis: shared by every worker, bounded by the limit,
 * and given back by expiry when the worker holding them dies (no release ever comes).
 */
describe('subscription delivery leases', () => {
  const prefix = uniqueTestName('redis');
  const services: SubscriptionSlotsService[] = [];

  /** One worker's service; WEBHOOK_TIMEOUT_MS 100 makes a lease last 5.4 s. */
  const worker = (limit = 2): SubscriptionSlotsService => {
    const config = new ConfigService({
      redis: { url: TEST_REDIS_URL, prefix },
      integrations: { subscriptionConcurrency: limit, timeoutMs: 100 },
    });
    const service = new SubscriptionSlotsService(config);
    services.push(service);
    return service;
  };

  afterEach(async () => {
    for (const service of services.splice(0)) await service.onApplicationShutdown();
    await deleteRedisPrefix(prefix);
  });

  afterAll(async () => {
    await deleteRedisPrefix(prefix);
  });

  it('lets at most the limit through across workers, per subscription, and a release frees exactly one slot', async () => {
    const [a, b] = [worker(), worker()];
    const first = await a.acquire(SUBSCRIPTION);
    const second = await b.acquire(SUBSCRIPTION);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await a.acquire(SUBSCRIPTION)).toBeNull();
    expect(await b.acquire(SUBSCRIPTION)).toBeNull();
    expect(await a.acquire(OTHER)).not.toBeNull();

    await a.release(first!);
    // Releasing the same lease twice gives back nothing more.
    await a.release(first!);
    const third = await b.acquire(SUBSCRIPTION);
    expect(third).not.toBeNull();
    expect(await a.acquire(SUBSCRIPTION)).toBeNull();
    expect(a.inHand).toBe(1);
    expect(b.inHand).toBe(2);
  });

  it("gives a crashed worker's slots back when their leases expire, without any release", async () => {
    const crashed = worker();
    expect(await crashed.acquire(SUBSCRIPTION)).not.toBeNull();
    expect(await crashed.acquire(SUBSCRIPTION)).not.toBeNull();
    const survivor = worker();
    expect(await survivor.acquire(SUBSCRIPTION)).toBeNull();

    const started = performance.now();
    let lease: DeliveryLease | null = null;
    await until(
      async () => (lease = await survivor.acquire(SUBSCRIPTION)),
      (value) => value !== null,
      crashed.leaseMs + 3_000,
      200,
    );
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(crashed.leaseMs - 1_000);
    expect(waited).toBeLessThan(crashed.leaseMs + 1_500);
    // Busy retries do not renew the crashed worker's leases: the second slot is back too.
    expect(await survivor.acquire(SUBSCRIPTION)).not.toBeNull();
    expect(await survivor.acquire(SUBSCRIPTION)).toBeNull();
    expect(lease).not.toBeNull();
  });

  it('keeps no key once every lease is released', async () => {
    const service = worker(1);
    const lease = await service.acquire(SUBSCRIPTION);
    await service.release(lease!);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const key = `${prefix}:webhook-delivery:leases:${SUBSCRIPTION}`;
      expect(await redis.zcard(key)).toBe(0);
      expect(await redis.exists(key)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('waits at shutdown for the leases in hand to be released before closing its connection', async () => {
    const service = worker();
    const lease = await service.acquire(SUBSCRIPTION);
    services.splice(services.indexOf(service), 1);
    let closed = false;
    const shutdown = service.onApplicationShutdown().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);
    await service.release(lease!);
    await shutdown;
    expect(closed).toBe(true);
    const check = worker();
    expect(await check.acquire(SUBSCRIPTION)).not.toBeNull();
    expect(await check.acquire(SUBSCRIPTION)).not.toBeNull();
  });
});
