import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { createTestApp, type TestApp } from '../support/app/test-app';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';

/** Two API processes behind one load balancer (same database, same Redis prefix), each allowing `perMinute` requests a minute. */
async function twoInstances(perMinute: number): Promise<[TestApp, TestApp]> {
  const first = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: String(perMinute) } });
  const second = await createTestApp({
    env: {
      SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
      RATE_LIMIT_PER_MINUTE: String(perMinute),
      DATABASE_URL: first.config.database.url,
      REDIS_PREFIX: first.config.redis.prefix,
    },
    keepResources: true,
  });
  return [first, second];
}

/** A new key made through `on` by the admin key: its id and its `Bearer` authorization. */
async function newKey(on: TestApp, name: string, scopes: string[]): Promise<{ id: string; auth: string }> {
  const created = await request(on.app.getHttpServer())
    .post('/v1/api-keys')
    .set('authorization', `Bearer ${ADMIN_KEY}`)
    .send({ name, scopes });
  expect(created.status).toBe(201);
  return { id: created.body.id, auth: `Bearer ${created.body.key}` };
}

describe('API keys', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '8' } });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('refuses a request without a key with 401 problem+json', async () => {
    const response = await request(server()).get('/v1/api-keys');
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED', title: 'Unauthenticated', instance: '/v1/api-keys' });
    expect(response.body.requestId).toBe(response.headers['x-request-id']);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="sgdoctor"');
  });

  it('refuses an unknown key with 401', async () => {
    const response = await request(server())
      .get('/v1/api-keys')
      .set('authorization', 'Bearer sgd_000000000000_' + 'A'.repeat(43));
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('AUTH.UNAUTHENTICATED');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="sgdoctor"');
  });

  it('creates a key shown once, lists it without the secret, stores only a hash, and revokes it', async () => {
    const created = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: 'reader', scopes: ['read'] });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^sgd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'reader', scopes: ['read'], revokedAt: null, prefix: key.slice(0, 16) });
    // The one answer that holds the key is kept by no cache on the way.
    expect(created.headers['cache-control']).toBe('no-store');

    const listed = await request(server()).get('/v1/api-keys').set('x-api-key', ADMIN_KEY);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).toMatchObject({ id: created.body.id, name: 'reader' });
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(17));

    const db = new Client({ connectionString: testApp.config.database.url });
    await db.connect();
    try {
      const rows = await db.query('SELECT * FROM api_keys');
      expect(rows.rows).toHaveLength(1);
      expect(JSON.stringify(rows.rows)).not.toContain(key.slice(17));
      expect(rows.rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await db.end();
    }

    // The new key reads (200 on a read route needing admin is 403: read < admin).
    const asReader = await request(server()).get('/v1/api-keys').set('authorization', `Bearer ${key}`);
    expect(asReader.status).toBe(403);
    expect(asReader.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(asReader.body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN', requiredScope: 'admin' });

    const revoked = await request(server()).delete(`/v1/api-keys/${created.body.id}`).set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(revoked.status).toBe(204);
    const afterRevoke = await request(server()).get('/v1/api-keys').set('authorization', `Bearer ${key}`);
    expect(afterRevoke.status).toBe(401);

    const listedAgain = await request(server()).get('/v1/api-keys').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(listedAgain.body[0].revokedAt).not.toBeNull();
  });

  it('lists each invalid field in a validation problem', async () => {
    const response = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: '', scopes: ['root'], extra: 1 });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('REQUEST.VALIDATION_FAILED');
    const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'scopes', 'extra']));
  });

  it('answers 404 problem+json when revoking a key that does not exist', async () => {
    const response = await request(server())
      .delete('/v1/api-keys/00000000-0000-4000-8000-000000000000')
      .set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('API_KEY.NOT_FOUND');
  });

  it('rate-limits per key with 429 problem+json and Retry-After', async () => {
    const created = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: 'busy', scopes: ['admin'] });
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const response = await request(server()).get('/v1/api-keys').set('authorization', `Bearer ${created.body.key}`);
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(limited!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited!.body.code).toBe('REQUEST.RATE_LIMITED');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('rate limits across API instances', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    [first, second] = await twoInstances(3);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('shares one limit: the second instance refuses a key that used its budget on the first', async () => {
    const { auth } = await newKey(first, 'spread', ['admin']);

    for (let i = 0; i < 3; i++) {
      const response = await request(first.app.getHttpServer()).get('/v1/api-keys').set('authorization', auth);
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }

    const refused = await request(second.app.getHttpServer()).get('/v1/api-keys').set('authorization', auth);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('REQUEST.RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Another key still has its whole budget on either instance.
    const admin = await request(second.app.getHttpServer()).get('/v1/api-keys').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(admin.status).toBe(200);
  });

  it('refuses a key revoked in the database, with no message, within the 5 s it may remember the key', async () => {
    const { id, auth } = await newKey(first, 'revoked-in-database', ['read']);
    expect((await request(second.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status).toBe(200);
    const db = new Client({ connectionString: first.config.database.url });
    await db.connect();
    try {
      await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
    } finally {
      await db.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    expect((await request(second.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status).toBe(401);
  });
});

describe('rate limits across API instances, counted in batches', () => {
  const LIMIT = 64;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    [first, second] = await twoInstances(LIMIT);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('admits at most the limit over both instances, and refuses at most a 32nd of it early', async () => {
    const { auth } = await newKey(first, 'batched', ['read']);
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) {
      const instance = i % 2 === 0 ? first : second;
      statuses.push((await request(instance.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status);
    }
    const admitted = statuses.filter((status) => status === 200).length;
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(admitted).toBeLessThanOrEqual(LIMIT);
    // Each instance holds at most a 32nd of what is left; the first refusal comes at most that early.
    expect(statuses.indexOf(429)).toBeGreaterThanOrEqual(LIMIT - LIMIT / 32);
  });

  it('refuses a key revoked on the other instance at once: the revocation is told over Redis', async () => {
    const { id, auth } = await newKey(first, 'revoked-elsewhere', ['read']);
    expect((await request(second.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status).toBe(200);
    const revoked = await request(first.app.getHttpServer()).delete(`/v1/api-keys/${id}`).set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(revoked.status).toBe(204);
    expect((await request(first.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status).toBe(401);
    // The message is on its way when the revocation is answered: well within a second, not 5 s.
    const startedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - startedAt < 1000) {
      status = (await request(second.app.getHttpServer()).get('/v1/targets').set('authorization', auth)).status;
    }
    expect(status).toBe(401);
  });
});
