import type { DataSource, Migration } from 'typeorm';

/** Arbitrary, fixed: the advisory lock every sgdoctor process takes while migrating. */
const MIGRATION_LOCK_ID = 7_316_425_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so an API and a worker starting
 * together do not both try to apply the same migration.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}
