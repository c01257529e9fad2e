import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY } from '../support/app/integration-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { TEST_POSTGRES_URL, testDatabaseUrl, uniqueTestName } from '../support/app/test-database';
import { until } from '../support/app/until';
import { FreezableProxy } from '../support/net/freezable-proxy';

/** The server's own limit on a statement in this test; the API gives up on an answer at 1.5 times it. */
const STATEMENT_TIMEOUT_MS = 2000;

/**
 * PostgreSQL that stops answering without closing its connections (its host hangs, the network
 * drops packets): a query on a pooled connection would wait for an answer for ever. Requests get
 * 503 naming PostgreSQL instead, and the pool serves again once the server answers.
 */
describe('a PostgreSQL that stops answering', () => {
  let proxy: FreezableProxy;
  let testApp: TestApp;
  const get = (path: string) =>
    request(testApp.app.getHttpServer())
      .get(path)
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .timeout(STATEMENT_TIMEOUT_MS * 5);

  beforeAll(async () => {
    const server = new URL(TEST_POSTGRES_URL);
    proxy = await FreezableProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    testApp = await createTestApp({
      env: {
        SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
        DATABASE_URL: proxy.urlFor(testDatabaseUrl(uniqueTestName('db'))),
        DB_CONNECT_TIMEOUT_MS: '1000',
        DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      },
    });
  });

  afterAll(async () => {
    proxy?.thaw();
    await testApp?.close();
    await proxy?.close();
  });

  it('answers 503 naming PostgreSQL on pooled connections too, then 200 again once it answers, with no restart', async () => {
    // Several connections open in the pool before the server goes quiet.
    for (const response of await Promise.all([get('/v1/targets'), get('/v1/analyses'), get('/v1/webhooks')])) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }

    proxy.freeze();
    const started = performance.now();
    const answers = await Promise.all([get('/v1/targets'), get('/v1/analyses'), get('/v1/webhooks')]);
    const elapsed = performance.now() - started;
    for (const response of answers) {
      expect(response.status, JSON.stringify(response.body)).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE', dependency: 'postgresql' });
    }
    expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS * 2);

    proxy.thaw();
    const back = await until(
      () => Promise.all([get('/v1/targets'), get('/v1/analyses'), get('/v1/webhooks')]),
      (responses) => responses.every((response) => response.status === 200),
      15_000,
      200,
    );
    expect(back.map((response) => response.status)).toEqual([200, 200, 200]);
  });
});
