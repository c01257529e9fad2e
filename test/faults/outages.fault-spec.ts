import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFinding } from '../support/factories/sample-finding';
import { INTEGRATION_ENV, ADMIN_KEY } from '../support/app/integration-app';
import { insertTargetAndFinding } from '../support/factories/domain-events';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { testDatabaseUrl, uniqueTestName } from '../support/app/test-database';
import { ThrowawayPostgres, ThrowawayRedis } from '../support/app/throwaway-services';
import { until } from '../support/app/until';
import { WebhookReceiver } from '../support/http/webhook-receiver';

/**
 * PostgreSQL or Redis unreachable: /v1 answers 503 problem+json naming the dependency, with
 * Retry-After, within a second; reads that need only PostgreSQL go on while Redis is down; an
 * event written during a Redis outage is delivered after it, once.
 */
describe('outages answer 503 fast, and what was written during them is delivered after', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  let testApp: TestApp;
  let receiver: WebhookReceiver;
  let targetId: string;
  let findingId: string;
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${ADMIN_KEY}`);
  const get = (path: string) => auth(request(testApp.app.getHttpServer()).get(path));
  const post = (path: string, body: object = {}) => auth(request(testApp.app.getHttpServer()).post(path)).send(body);
  const patch = (path: string, body: object) => auth(request(testApp.app.getHttpServer()).patch(path)).send(body);

  /** The answer and how long it took. */
  const timed = async (call: () => request.Test) => {
    const started = performance.now();
    const response = await call();
    return { response, ms: performance.now() - started };
  };

  const expectUnavailable = (result: { response: request.Response; ms: number }, dependency: string) => {
    expect(result.response.status, JSON.stringify(result.response.body)).toBe(503);
    expect(result.response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(result.response.headers['retry-after']).toBe('5');
    expect(result.response.body).toMatchObject({ status: 503, code: 'DEPENDENCY.UNAVAILABLE', dependency });
    expect(result.ms).toBeLessThan(1000);
  };

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([ThrowawayPostgres.create(), ThrowawayRedis.create()]);
    receiver = await WebhookReceiver.start();
    const databaseUrl = testDatabaseUrl(uniqueTestName('db'), postgres.url);
    testApp = await createTestApp({
      keepResources: true,
      env: {
        ...INTEGRATION_ENV,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        DB_CONNECT_TIMEOUT_MS: '1000',
        SGDOCTOR_WITH_WORKER: 'true',
        RECONCILE_INTERVAL_MS: '2000',
      },
    });
    ({ targetId, findingId } = await insertTargetAndFinding(databaseUrl, sampleFinding()));
    const hook = await post('/v1/webhooks', { url: receiver.url('/hook'), events: ['finding.resolved', 'finding.reopened'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
  });

  afterAll(async () => {
    await testApp?.close();
    await receiver?.close();
    await redis?.stop();
    postgres?.destroy();
  });

  it('with Redis down: producers answer 503 naming Redis within a second, PostgreSQL reads answer 200, and a change made meanwhile is delivered once when Redis is back', async () => {
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));

    expectUnavailable(
      await timed(() => post('/v1/analyses', { targetId, from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' })),
      'redis',
    );
    const webhooks = await get('/v1/webhooks');
    expect(webhooks.status).toBe(200);
    expectUnavailable(await timed(() => post(`/v1/webhooks/${webhooks.body.items?.[0]?.id ?? webhooks.body[0]?.id}/test`)), 'redis');
    const reads = await Promise.all([
      timed(() => get('/v1/analyses')),
      timed(() => get(`/v1/findings/${findingId}`)),
      timed(() => get('/v1/targets')),
    ]);
    for (const read of reads) {
      expect(read.response.status, JSON.stringify(read.response.body)).toBe(200);
      expect(read.ms).toBeLessThan(1000);
    }
    // The analysis refused for want of a queue does not block the target.
    const analyses = await get(`/v1/analyses?targetId=${targetId}`);
    expect(analyses.body.items.map((a: { status: string }) => a.status)).toEqual(['failed']);

    // A change that needs only PostgreSQL is made; its event waits in the outbox.
    const resolved = await timed(() => patch(`/v1/findings/${findingId}`, { status: 'resolved', reason: 'fixed during the outage' }));
    expect(resolved.response.status, JSON.stringify(resolved.response.body)).toBe(200);
    expect(resolved.ms).toBeLessThan(1000);
    expect(receiver.requests).toHaveLength(0);

    await redis.start();
    const received = await until(
      () => Promise.resolve(receiver.requests.length),
      (n) => n >= 1,
      60_000,
      250,
    );
    expect(received).toBe(1);
    const body = JSON.parse(receiver.requests[0]!.body.toString());
    expect(body).toMatchObject({ type: 'finding.resolved', data: { findingId } });
    // Once: later sweeps and reconciliations send nothing more.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(receiver.requests).toHaveLength(1);

    const retried = await post(`/v1/analyses/${analyses.body.items[0].id}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
  });

  it('with PostgreSQL down: /v1 answers 503 naming PostgreSQL within a second, and 200 again when it is back', async () => {
    postgres.stop();
    expectUnavailable(await timed(() => get('/v1/analyses')), 'postgresql');
    expectUnavailable(await timed(() => get(`/v1/findings/${findingId}`)), 'postgresql');
    expectUnavailable(
      await timed(() => post('/v1/analyses', { targetId, from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' })),
      'postgresql',
    );
    postgres.start();
    const back = await until(
      () => get('/v1/analyses'),
      (response) => response.status === 200,
      20_000,
      250,
    );
    expect(back.status).toBe(200);
  });
});
