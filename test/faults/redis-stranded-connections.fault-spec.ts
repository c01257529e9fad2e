import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';
import { SAMPLES } from '../support/app/fault-support';
import { dropResources, startApi, startWorker, type RunningApi, type RunningWorker } from '../support/app/integration-app';
import { TEST_REDIS_URL } from '../support/app/test-database';
import { until } from '../support/app/until';
import { FreezableProxy } from '../support/net/freezable-proxy';

/**
 * How long after its connections go silent a process must be serving again: an unanswered
 * command drops its connection after REDIS_UNANSWERED_TIMEOUT_MS (15 s), the idle ones are
 * pinged every 5 s, and the reconnection waits at most 2 s.
 */
const RECOVERY_BOUND_MS = 30_000;

/**
 * Redis stops answering on every connection the processes hold while new connections still
 * reach it — a failover to a new address behind the same name, or a NAT or firewall on the path
 * that lost the connections' state. Nothing closes such a connection (no FIN, no RST ever
 * arrives), so each client has to notice the silence itself, drop the connection and open a
 * new one: readiness, the routes that queue work and the worker all come back, with no restart.
 */
describe('Redis stops answering on the connections already open', () => {
  let proxy: FreezableProxy;
  let running: RunningApi;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await FreezableProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    const env = { REDIS_URL: proxy.urlFor(TEST_REDIS_URL), SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_DATA_ROOT: SAMPLES };
    running = await startApi({ env: { ...env, SGDOCTOR_WITH_WORKER: 'false' } });
    worker = await startWorker(running.resources, env);
  }, 120_000);

  afterAll(async () => {
    // Once recovered every client is on a new connection; the stranded ones are left to the proxy.
    await worker?.close();
    await running?.close();
    await proxy?.close();
    if (running) await dropResources(running.resources);
  });

  const ready = () => request(running.app.getHttpServer()).get('/health/ready').timeout(10_000);
  const analyseTarget = async (name: string) => {
    const target = await api(running.app.getHttpServer()).post('/v1/targets', sampleTargetBody({ name }));
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    return () =>
      api(running.app.getHttpServer())
        .post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW })
        .timeout(10_000);
  };

  it('rides out a short silence on every connection without replacing any', async () => {
    const server = running.app.getHttpServer();
    const analyse = await analyseTarget('frozen-redis');
    expect((await ready()).status).toBe(200);
    const connections = proxy.openConnections;

    proxy.freeze();
    expect((await ready()).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    proxy.thaw();

    const back = await until(ready, (response) => response.status === 200, 5000, 100);
    expect(back.status).toBe(200);
    const queued = await analyse();
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect((await waitForAnalysis(server, queued.body.id, 60_000)).status).toBe('succeeded');
    // Every answer came on the connection it was asked on: none was taken for dead.
    expect(proxy.openConnections).toBe(connections);
  });

  it('serves readiness and queued work again, and the worker takes a job queued after the silence', async () => {
    const server = running.app.getHttpServer();
    const analyse = await analyseTarget('stranded-redis');

    // Every connection is open and in use: one analysis queued and run end to end.
    expect((await ready()).status).toBe(200);
    const before = await analyse();
    expect(before.status, JSON.stringify(before.body)).toBe(202);
    expect((await waitForAnalysis(server, before.body.id, 60_000)).status).toBe('succeeded');

    expect(proxy.strand()).toBeGreaterThan(0);
    const silenced = performance.now();

    // The fault is real: the open connections no longer answer.
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.error).toHaveProperty('redis');
    const refused = await analyse();
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE', dependency: 'redis' });

    await until(ready, (response) => response.status === 200, RECOVERY_BOUND_MS, 250);
    const readyAfter = performance.now() - silenced;
    const queued = await until(analyse, (response) => response.status === 202, RECOVERY_BOUND_MS, 250);
    const queuedAfter = performance.now() - silenced;
    const done = await waitForAnalysis(server, queued.body.id, RECOVERY_BOUND_MS + 30_000);
    const doneAfter = performance.now() - silenced;
    console.info(
      `fault: Redis silent on open connections; ready after ${Math.round(readyAfter)} ms, POST /v1/analyses 202 after ` +
        `${Math.round(queuedAfter)} ms, analysis ${done.status} after ${Math.round(doneAfter)} ms`,
    );
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    expect(readyAfter).toBeLessThan(RECOVERY_BOUND_MS);
    expect(queuedAfter).toBeLessThan(RECOVERY_BOUND_MS);
  });
});
