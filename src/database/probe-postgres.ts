import { Client } from 'pg';

/** PostgreSQL's "database does not exist": the server answered; the app creates the database. */
const INVALID_CATALOG_NAME = '3D000';

/**
 * Connects once to the database named in `url` and runs `SELECT 1`. Returns null when the server
 * answers (a database that does not exist yet counts: the app creates it), else the reason in
 * one line: for saying at once that PostgreSQL is away instead of retrying.
 */
export async function probePostgres(url: string, timeoutMs: number): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    if ((error as { code?: string }).code === INVALID_CATALOG_NAME) return null;
    const described = error instanceof AggregateError && error.errors.length ? error.errors[0] : error;
    return ((described as Error).message || (described as { code?: string }).code || String(described)).split('\n')[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}
