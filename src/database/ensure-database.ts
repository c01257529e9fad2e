import { Client } from 'pg';

const DUPLICATE_DATABASE = '42P04';

/** Quotes a PostgreSQL identifier (database names cannot be bound parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The database named in a postgres:// URL. */
export function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) {
    throw new Error('DATABASE_URL names no database');
  }
  return name;
}

/** The same server and credentials, pointed at the maintenance database. */
export function maintenanceUrlOf(url: string): string {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  return maintenance.toString();
}

/**
 * Creates the database named in `url` when it does not exist (the role must be allowed to).
 * Safe when several processes start at once: a concurrent creation is not an error.
 * Returns true when this call created it.
 */
export async function ensureDatabase(url: string, connectTimeoutMs = 5000): Promise<boolean> {
  const name = databaseNameOf(url);
  const client = new Client({ connectionString: maintenanceUrlOf(url), connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return false;
    throw error;
  } finally {
    await client.end();
  }
}
