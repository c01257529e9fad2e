import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { builtDistDir, startProcess } from '../support/app/built-app';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from '../support/app/test-database';
import { deleteRedisPrefix } from '../support/app/test-redis';
import { until } from '../support/app/until';

const SECRET_KEY = 'test-admin-key-process-0123456789abcdefgh';

async function connectionsTo(databaseUrl: string, database: string): Promise<number> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sgdoctor'`,
      [database],
    );
    return result.rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe('built processes', () => {
  const database = uniqueTestName('proc');
  const prefix = uniqueTestName('proc');
  let dist: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dist = builtDistDir();
    env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: testDatabaseUrl(database),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SGDOCTOR_ADMIN_API_KEY: SECRET_KEY,
    };
  }, 180_000);

  afterAll(async () => {
    await dropTestDatabase(database);
    await deleteRedisPrefix(prefix);
  });

  it('serves the API, logs JSON with request ids and no secrets, and exits 0 promptly on SIGTERM', async () => {
    const api = startProcess(join(dist, 'main.js'), ['--with-worker'], env);
    try {
      const listening = await api.waitForLine(/listening on/);
      const baseUrl = /listening on (http:\/\/[^\s"]+)/.exec(listening)![1];

      const ready = await fetch(`${baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect((await fetch(`${baseUrl}/docs-json`)).status).toBe(401);
      const docs = (await (await fetch(`${baseUrl}/docs-json`, { headers: { authorization: `Bearer ${SECRET_KEY}` } })).json()) as {
        openapi: string;
      };
      expect(docs.openapi).toMatch(/^3\./);
      const anonymous = await fetch(`${baseUrl}/v1/api-keys`, { headers: { 'x-request-id': 'lifecycle-anonymous' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const authorized = await fetch(`${baseUrl}/v1/api-keys`, {
        headers: { authorization: `Bearer ${SECRET_KEY}`, 'x-request-id': 'lifecycle-1' },
      });
      expect(authorized.status).toBe(200);

      // One completion line per request, with the status code, the route template and the duration;
      // client errors at warn (40), successes at info (30).
      const completed = JSON.parse(await api.waitForLine(/"reqId":"lifecycle-1".*"request completed"/));
      expect(completed).toMatchObject({ level: 30, reqId: 'lifecycle-1', method: 'GET', route: '/v1/api-keys', statusCode: 200 });
      expect(completed.responseTime).toEqual(expect.any(Number));
      const refused = JSON.parse(await api.waitForLine(/"reqId":"lifecycle-anonymous".*"request completed"/));
      expect(refused).toMatchObject({ level: 40, method: 'GET', route: '/v1/api-keys', statusCode: 401 });

      // A key sent as a query parameter is not accepted, and never logged in clear.
      const inQuery = await fetch(`${baseUrl}/v1/api-keys?limit=5&api_key=${SECRET_KEY}`, { headers: { 'x-request-id': 'lifecycle-2' } });
      expect(inQuery.status).toBe(401);
      const queryLine = await api.waitForLine(/"reqId":"lifecycle-2".*"url"/);
      expect(queryLine).toContain('api_key=[REDACTED]');
      expect(api.lines.every((line) => JSON.parse(line))).toBe(true);
      expect(api.lines.join('\n')).not.toContain(SECRET_KEY);
      expect(await connectionsTo(env.DATABASE_URL, database)).toBeGreaterThan(0);

      const signalledAt = Date.now();
      api.child.kill('SIGTERM');
      const { code, signal } = await api.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      expect(await connectionsTo(env.DATABASE_URL, database)).toBe(0);
    } finally {
      api.child.kill('SIGKILL');
    }
  });

  it('runs the worker process, healthy by its heartbeat, and stops it with SIGTERM, exit code 0', async () => {
    const healthCheck = async () => {
      const check = startProcess(join(dist, 'worker-health.js'), [], env);
      const { code } = await check.exited;
      return { code, out: `${check.lines.join('\n')}${check.stderrText()}` };
    };
    expect(await healthCheck()).toMatchObject({ code: 1, out: expect.stringMatching(/no worker heartbeat/) });
    const worker = startProcess(join(dist, 'worker.js'), [], { ...env, DB_MIGRATIONS_RUN: 'false' });
    try {
      await worker.waitForLine(/worker started/);
      const healthy = await until(healthCheck, (result) => result.code === 0, 15_000, 200);
      expect(healthy.out).toMatch(/consuming analysis, webhook-delivery, report/);
      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      const { code, signal } = await worker.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      // A stopped worker removes its heartbeat: the check fails at once, not after the TTL.
      expect(await healthCheck()).toMatchObject({ code: 1 });
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const api = startProcess(join(dist, 'main.js'), [], { ...env, PORT: 'eighty' });
    const { code } = await api.exited;
    expect(code).toBe(1);
    expect(api.stderrText()).toContain('PORT: must be a number');
  });
});
