import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { quoteIdentifier } from '../../../src/database/ensure-database';

/** The shared test server; overridable for machines where PostgreSQL lives elsewhere. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name no other run uses; always contains "test" so dropTestDatabase refuses anything else. */
export function uniqueTestName(kind: string): string {
  return `sgdoctor_test_${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A database URL on the test server for `name` (the database is created by the app or the caller). */
export function testDatabaseUrl(name: string, serverUrl = TEST_POSTGRES_URL): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onMaintenance<T>(serverUrl: string, run: (client: Client) => Promise<T>): Promise<T> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(name: string, serverUrl = TEST_POSTGRES_URL): Promise<string> {
  assertTestName(name);
  await onMaintenance(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  return testDatabaseUrl(name, serverUrl);
}

export async function dropTestDatabase(name: string, serverUrl = TEST_POSTGRES_URL): Promise<void> {
  assertTestName(name);
  await onMaintenance(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
}

export async function databaseExists(name: string, serverUrl = TEST_POSTGRES_URL): Promise<boolean> {
  const result = await onMaintenance(serverUrl, (client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  return (result.rowCount ?? 0) > 0;
}

/** Tests only ever create or drop databases whose name says they are for tests. */
function assertTestName(name: string): void {
  if (!name.includes('test')) {
    throw new Error(`refusing to touch database "${name}": test databases must have "test" in their name`);
  }
}
