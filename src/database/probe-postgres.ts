import { Client } from 'pg';
import { maintenanceUrlOf } from './ensure-database';

/**
 * Connects once to the server named in `url` (its maintenance database, since the app creates
 * its own database when missing) and runs `SELECT 1`. Returns null when it answers, else the
 * reason in one line: for saying at once that PostgreSQL is away instead of retrying.
 */
export async function probePostgres(url: string, timeoutMs: number): Promise<string | null> {
  const client = new Client({ connectionString: maintenanceUrlOf(url), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    const described = error instanceof AggregateError && error.errors.length ? error.errors[0] : error;
    return ((described as Error).message || (described as { code?: string }).code || String(described)).split('\n')[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}
