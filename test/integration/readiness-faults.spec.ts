import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { testDatabaseUrl } from '../support/app/test-database';
import { ThrowawayPostgres, ThrowawayRedis } from '../support/app/throwaway-services';

/** Polls /health/ready until it answers `status`; returns how long that took. */
async function readinessBecomes(testApp: TestApp, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started < withinMs) {
    last = (await request(testApp.app.getHttpServer()).get('/health/ready')).status;
    if (last === status) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/health/ready stayed ${last}, expected ${status} within ${withinMs} ms`);
}

describe('readiness when PostgreSQL or Redis goes away and comes back', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  let testApp: TestApp;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([ThrowawayPostgres.create(), ThrowawayRedis.create()]);
    testApp = await createTestApp({
      keepResources: true,
      env: { DATABASE_URL: testDatabaseUrl('sgdoctor_test_faults', postgres.url), REDIS_URL: redis.url, DB_CONNECT_TIMEOUT_MS: '1000' },
    });
  });

  afterAll(async () => {
    await testApp?.close();
    await redis?.stop();
    postgres?.destroy();
  });

  it('is ready with both up', async () => {
    expect((await request(testApp.app.getHttpServer()).get('/health/ready')).status).toBe(200);
  });

  it('turns 503 within seconds when Redis stops, and 200 again when it is back, with no restart', async () => {
    await redis.stop();
    expect(await readinessBecomes(testApp, 503, 5000)).toBeLessThan(5000);
    const down = await request(testApp.app.getHttpServer()).get('/health/ready');
    expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } });

    await redis.start();
    expect(await readinessBecomes(testApp, 200, 10_000)).toBeLessThan(10_000);
  });

  it('turns 503 within seconds when PostgreSQL stops, and 200 again when it is back, with no restart', async () => {
    postgres.stop();
    expect(await readinessBecomes(testApp, 503, 5000)).toBeLessThan(5000);
    const down = await request(testApp.app.getHttpServer()).get('/health/ready');
    expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } }, info: { redis: { status: 'up' } } });

    postgres.start();
    expect(await readinessBecomes(testApp, 200, 10_000)).toBeLessThan(10_000);
  });
});
