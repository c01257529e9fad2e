import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkWorkerHeartbeat, workerHeartbeatKey } from '../../../src/health/worker-heartbeat';
import { WorkerHeartbeatWriter } from '../../../src/health/worker-heartbeat-writer';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { TEST_REDIS_URL, uniqueTestName } from '../../support/app/test-database';
import { deleteRedisPrefix } from '../../support/app/test-redis';
import { ThrowawayRedis } from '../../support/app/throwaway-services';
import { until } from '../../support/app/until';

/** A heartbeat client as the worker makes it (no offline queue, so a lost Redis fails at once), once connected. */
async function heartbeatClient(url: string): Promise<Redis> {
  const client = new Redis({ ...redisOptionsFromUrl(url), enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  if (client.status !== 'ready') await new Promise((ready) => client.once('ready', ready));
  return client;
}

describe('worker heartbeat (real Redis, real BullMQ workers)', () => {
  const prefix = uniqueTestName('heartbeat');
  const key = workerHeartbeatKey(prefix, 'host-a');
  let redis: Redis;
  const workers: Worker[] = [];

  function startWorker(queue: string, url = TEST_REDIS_URL): Worker {
    const worker = new Worker(queue, async () => 'done', { connection: redisOptionsFromUrl(url), prefix });
    worker.on('error', () => undefined);
    workers.push(worker);
    return worker;
  }

  function writer(ttlMs = 30_000, client = redis): WorkerHeartbeatWriter {
    return new WorkerHeartbeatWriter({ redis: client, key, ttlMs, workers: () => workers, pid: 4242 });
  }

  beforeAll(async () => {
    redis = await heartbeatClient(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close(true)));
    await redis.del(key);
  });

  afterAll(async () => {
    redis.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it('is unhealthy when no worker ever wrote a heartbeat', async () => {
    const check = await checkWorkerHeartbeat(redis, key);
    expect(check).toEqual({ healthy: false, message: expect.stringContaining(`no worker heartbeat at ${key}`) });
  });

  it('is healthy while every worker runs on ready connections, naming the queues and the writer', async () => {
    const analysis = startWorker('analysis');
    const report = startWorker('report');
    await Promise.all([analysis.waitUntilReady(), report.waitUntilReady()]);
    await until(
      async () => writer().beat(),
      (problems) => problems.length === 0,
    );

    const check = await checkWorkerHeartbeat(redis, key);
    expect(check.healthy).toBe(true);
    if (!check.healthy) return;
    expect(check.record).toEqual({ pid: 4242, queues: ['analysis', 'report'] });
    expect(check.remainingMs).toBeGreaterThan(0);
    expect(check.remainingMs).toBeLessThanOrEqual(30_000);
    expect(check.message).toMatch(/worker 4242 consuming analysis, report/);
  });

  it('goes unhealthy by itself when the heartbeat is not refreshed within its TTL (a hung worker)', async () => {
    const worker = startWorker('analysis');
    await worker.waitUntilReady();
    await until(
      async () => writer(400).beat(),
      (problems) => problems.length === 0,
    );
    expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(true);
    const expired = await until(
      () => checkWorkerHeartbeat(redis, key),
      (check) => !check.healthy,
      5_000,
      50,
    );
    expect(expired.message).toMatch(/no worker heartbeat/);
  });

  it('withdraws the heartbeat at once when a worker is paused or closed', async () => {
    const worker = startWorker('analysis');
    await worker.waitUntilReady();
    await until(
      async () => writer().beat(),
      (problems) => problems.length === 0,
    );

    await worker.pause(true);
    expect(await writer().beat()).toEqual(['analysis: paused']);
    expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(false);

    worker.resume();
    await until(
      async () => writer().beat(),
      (problems) => problems.length === 0,
    );
    expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(true);

    await worker.close();
    expect(await writer().beat()).toEqual([expect.stringMatching(/^analysis: (closing|not running)$/)]);
    expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(false);
  });

  it('is withheld when there are no workers, and when a worker lost its Redis connection', async () => {
    expect(await writer().beat()).toEqual(['no BullMQ workers in this process']);

    const lost = await ThrowawayRedis.create();
    try {
      const worker = startWorker('analysis', lost.url);
      await worker.waitUntilReady();
      await until(
        async () => writer().beat(),
        (problems) => problems.length === 0,
      );
      expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(true);

      await lost.stop();
      const problems = await until(
        async () => writer().beat(),
        (found) => found.length > 0,
        10_000,
      );
      expect(problems.join('; ')).toMatch(/analysis: (blocking )?connection (?!ready)/);
      expect((await checkWorkerHeartbeat(redis, key)).healthy).toBe(false);
    } finally {
      await lost.stop();
    }
  });

  it('fails to write rather than pretending when its own Redis is away', async () => {
    const away = await ThrowawayRedis.create();
    const client = await heartbeatClient(away.url);
    try {
      const worker = startWorker('analysis');
      await worker.waitUntilReady();
      await away.stop();
      await until(
        async () => client.status,
        (status) => status !== 'ready',
        5_000,
        20,
      );
      await expect(writer(30_000, client).beat()).rejects.toThrow();
    } finally {
      client.disconnect();
      await away.stop();
    }
  });
});
