import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService, INITIAL_ADMIN_KEY_NAME } from '../../src/api-keys/api-keys.service';
import { builtDistDir, startProcess } from '../support/app/built-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from '../support/app/test-database';
import { deleteRedisPrefix } from '../support/app/test-redis';

describe('the initial admin key', () => {
  let testApp: TestApp | undefined;

  afterEach(async () => {
    await testApp?.close();
    testApp = undefined;
  });

  it('is created once, on an installation without keys, and works as an admin key', async () => {
    testApp = await createTestApp();
    const service = testApp.app.get(ApiKeysService);
    // API processes starting together: exactly one of them creates it.
    const created = (
      await Promise.all([service.createInitialAdminKey(), service.createInitialAdminKey(), service.createInitialAdminKey()])
    ).filter((key) => key !== undefined);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ name: INITIAL_ADMIN_KEY_NAME, scopes: ['admin'], key: expect.stringMatching(/^sgd_/) });

    const listed = await request(testApp.app.getHttpServer()).get('/v1/api-keys').set('authorization', `Bearer ${created[0]!.key}`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((key: { name: string }) => key.name)).toEqual([INITIAL_ADMIN_KEY_NAME]);

    // Revoked, it is not replaced: only a first start creates one.
    await service.revoke(created[0]!.id);
    expect(await service.createInitialAdminKey()).toBeUndefined();
  });

  it('is not created when SGDOCTOR_ADMIN_API_KEY is configured', async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: 'test-admin-key-initial-0123456789abcdef' } });
    expect(await testApp.app.get(ApiKeysService).createInitialAdminKey()).toBeUndefined();
    expect(await testApp.app.get(ApiKeysService).list()).toEqual([]);
  });
});

describe('the API process at its first start', () => {
  const database = uniqueTestName('initkey');
  const prefix = uniqueTestName('initkey');
  let dist: string;

  beforeAll(() => {
    dist = builtDistDir();
  }, 180_000);

  afterAll(async () => {
    await dropTestDatabase(database);
    await deleteRedisPrefix(prefix);
  });

  it('prints the created admin key once on stderr, never in the JSON logs, and not again at the next start', async () => {
    const env = {
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: testDatabaseUrl(database),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
    };
    const first = startProcess(join(dist, 'main.js'), [], env);
    let key: string;
    let baseUrl: string;
    try {
      baseUrl = /listening on (http:\/\/[^\s"]+)/.exec(await first.waitForLine(/listening on/))![1];
      await first.waitForLine(/created the initial admin API key/);
      key = /^\s+(sgd_\S+)$/m.exec(first.stderrText())![1];
      expect(first.lines.join('\n')).not.toContain(key);
      const listed = await fetch(`${baseUrl}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
      expect(listed.status).toBe(200);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }

    const second = startProcess(join(dist, 'main.js'), [], env);
    try {
      await second.waitForLine(/listening on/);
      // Give a (wrong) second creation time to show up before concluding there is none.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(second.stderrText()).not.toContain('sgd_');
      expect(second.lines.join('\n')).not.toMatch(/initial admin API key/);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 60_000);
});
