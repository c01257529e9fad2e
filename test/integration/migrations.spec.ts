import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, MIGRATIONS_TABLE } from '../../src/database/database-options';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../support/app/test-database';
import { loadMigrationClasses } from '../support/app/test-migrations';

async function userTables(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> $1 ORDER BY table_name`,
    [MIGRATIONS_TABLE],
  );
  return rows.map((row) => row.table_name);
}

describe('migrations', () => {
  const name = uniqueTestName('migrations');
  let dataSource: DataSource;

  beforeAll(async () => {
    const url = await createTestDatabase(name);
    const config = loadAppConfig({ DATABASE_URL: url });
    dataSource = await new DataSource(buildDataSourceOptions(config.database, { migrations: await loadMigrationClasses() })).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('go all up, all down, and all up again on an empty database', async () => {
    const migrations = await loadMigrationClasses();
    expect(migrations.length).toBeGreaterThan(0);
    expect(await userTables(dataSource)).toEqual([]);

    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied).toHaveLength(migrations.length);
    const schemaAfterFirstUp = await userTables(dataSource);
    expect(schemaAfterFirstUp).toContain('api_keys');
    expect(await dataSource.showMigrations()).toBe(false);

    for (let i = 0; i < migrations.length; i++) {
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    expect(await userTables(dataSource)).toEqual([]);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`)).toEqual([{ n: 0 }]);

    const reapplied = await dataSource.runMigrations({ transaction: 'each' });
    expect(reapplied).toHaveLength(migrations.length);
    expect(await userTables(dataSource)).toEqual(schemaAfterFirstUp);
  });
});
