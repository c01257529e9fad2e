import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDistDir, startProcess } from '../support/app/built-app';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from '../support/app/test-database';
import { deleteRedisPrefix } from '../support/app/test-redis';

const SAMPLES = resolve(__dirname, '..', '..', 'samples');

describe('npm run demo', () => {
  let dist: string;
  const databaseName = uniqueTestName('demo');
  const prefix = uniqueTestName('demo');

  beforeAll(() => {
    dist = builtDistDir();
  }, 300_000);

  afterAll(async () => {
    await dropTestDatabase(databaseName);
    await deleteRedisPrefix(prefix);
  });

  it('runs an analysis of the samples through the queue and prints the findings table and URLs', async () => {
    const demo = startProcess(join(dist, 'demo', 'demo.js'), ['--exit'], {
      DATABASE_URL: testDatabaseUrl(databaseName),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SGDOCTOR_DATA_ROOT: SAMPLES,
    });
    const { code } = await demo.exited;
    const out = demo.lines.join('\n');
    expect(code, out).toBe(0);
    expect(out).toMatch(/analysis \S+ succeeded: \d+ records/);
    expect(out).toMatch(/severity\s+classification\s+control\s+direction\s+proto\/port\s+peers\s+fix/);
    expect(out).toMatch(/likely-misconfiguration\s+security group sg-0a1b2c3d4e5f60002.*tcp\/8443.*AuthorizeSecurityGroupIngress ✓/);
    expect(out).toMatch(/network ACL acl-0c1d2e3f4a5b6c703 rule 32767.*tcp\/6379.*CreateNetworkAclEntry ✓/);
    expect(out).toContain('findings that may need a change (6 of 11)');
    expect(out).toContain('scanner activity: 5 campaigns, 753 records');
    expect(out).toMatch(/203\.0\.113\.0\/24\s+40\s+3\s+11\s+87/);
    expect(out.indexOf('scanner activity')).toBeGreaterThan(out.indexOf('CreateNetworkAclEntry ✓'));
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/docs/);
    expect(out).toMatch(/\/v1\/findings\?targetId=/);
  }, 180_000);

  it('revokes its API key when it stops, with --exit or on Ctrl-C', async () => {
    const demo = startProcess(join(dist, 'demo', 'demo.js'), [], {
      DATABASE_URL: testDatabaseUrl(databaseName),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SGDOCTOR_DATA_ROOT: SAMPLES,
    });
    await demo.waitForLine(/press Ctrl-C to stop/, 120_000);
    const key = /API key \(admin\) (sgd_\S+)/.exec(demo.lines.join('\n'))![1];
    const url = /API docs\s+(http:\/\/\S+)\/docs/.exec(demo.lines.join('\n'))![1];
    expect((await fetch(`${url}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    demo.child.kill('SIGINT');
    expect((await demo.exited).code).toBe(0);

    const client = new Client({ connectionString: testDatabaseUrl(databaseName) });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE name = 'demo'`);
      // This run's key and the --exit run's key before it.
      expect(rows).toEqual([{ revoked: true }, { revoked: true }]);
    } finally {
      await client.end();
    }
  }, 180_000);

  it('says which service is missing and how to start it', async () => {
    const demo = startProcess(join(dist, 'demo', 'demo.js'), ['--exit'], {
      DATABASE_URL: testDatabaseUrl(databaseName),
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_PREFIX: prefix,
      SGDOCTOR_DATA_ROOT: SAMPLES,
    });
    const stderr: string[] = [];
    demo.child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    const { code } = await demo.exited;
    expect(code).toBe(2);
    const text = stderr.join('');
    expect(text).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
    expect(text).toMatch(/redis-server|docker compose up -d redis/);
    expect(text).not.toMatch(/PostgreSQL is not reachable/);
  }, 60_000);
});
