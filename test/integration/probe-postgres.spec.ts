import { describe, expect, it } from 'vitest';
import { probePostgres } from '../../src/database/probe-postgres';
import { testDatabaseUrl, TEST_POSTGRES_URL, uniqueTestName } from '../support/app/test-database';
import { sparePort } from '../support/app/throwaway-services';

describe('probePostgres (real PostgreSQL)', () => {
  it('answers null for a server that answers, also when the database is still to be created', async () => {
    expect(await probePostgres(TEST_POSTGRES_URL, 3000)).toBeNull();
    expect(await probePostgres(testDatabaseUrl(uniqueTestName('probe')), 3000)).toBeNull();
  });

  it('says in one line why a server cannot be reached', async () => {
    const port = await sparePort();
    expect(await probePostgres(`postgres://postgres@127.0.0.1:${port}/sgdoctor`, 3000)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('names a refused login', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.username = 'no_such_role_for_probe_test';
    expect(await probePostgres(url.toString(), 3000)).toMatch(/no_such_role_for_probe_test/);
  });
});
