import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, MIGRATIONS_TABLE } from '../../src/database/database-options';
import { quoteIdentifier } from '../../src/database/ensure-database';
import { createTestDatabase, dropTestDatabase, testDatabaseUrl, TEST_POSTGRES_URL, uniqueTestName } from '../support/app/test-database';
import { loadEntityClasses } from '../support/app/test-entities';
import { loadMigrationClasses } from '../support/app/test-migrations';

/** TypeORM's own table, where migrations record generated columns' expressions (migration 1796400000001). */
const TYPEORM_METADATA_TABLE = 'typeorm_metadata';

/** A DataSource on the test database `name` holding every entity, as the migration CLI's does. */
async function openWithEntities(name: string, migrations: Array<new () => MigrationInterface> = []): Promise<DataSource> {
  const config = loadAppConfig({ DATABASE_URL: testDatabaseUrl(name) });
  return new DataSource(buildDataSourceOptions(config.database, { migrations, entities: await loadEntityClasses() })).initialize();
}

/** A copy of the test database `template` (`CREATE DATABASE … TEMPLATE`: nothing may be connected to it). */
async function copyTestDatabase(template: string, copy: string): Promise<void> {
  if (!copy.includes('test')) throw new Error(`refusing to create database "${copy}": not a test database`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${quoteIdentifier(copy)} TEMPLATE ${quoteIdentifier(template)}`);
  } finally {
    await client.end();
  }
}

/** Every index and constraint of the public schema, by name, as PostgreSQL prints its definition. */
async function definitions(dataSource: DataSource): Promise<Map<string, string>> {
  const rows: Array<{ name: string; definition: string }> = await dataSource.query(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = 'public'
     UNION ALL
     SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
  );
  return new Map(rows.map((row) => [row.name, row.definition]));
}

describe('the entities declare the schema the migrations create', () => {
  const name = uniqueTestName('entity_schema');
  const copy = uniqueTestName('entity_schema_copy');
  let migrated: DataSource;
  let rebuilt: DataSource;

  beforeAll(async () => {
    await createTestDatabase(name);
    const migrating = await openWithEntities(name, await loadMigrationClasses());
    await migrating.runMigrations({ transaction: 'each' });
    await migrating.destroy();
    await copyTestDatabase(name, copy);
    migrated = await openWithEntities(name);
    rebuilt = await openWithEntities(copy);
  });

  afterAll(async () => {
    await rebuilt?.destroy();
    await migrated?.destroy();
    await dropTestDatabase(copy);
    await dropTestDatabase(name);
  });

  it('has an entity for every table the migrations create', async () => {
    const rows: Array<{ table_name: string }> = await migrated.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ($1, $2) ORDER BY table_name`,
      [MIGRATIONS_TABLE, TYPEORM_METADATA_TABLE],
    );
    expect(migrated.entityMetadatas.map((metadata) => metadata.tableName).sort()).toEqual(rows.map((row) => row.table_name));
  });

  it('so that on a fully migrated database `migration:generate` proposes nothing', async () => {
    // What `typeorm migration:generate` runs: the schema builder's diff of the entities against the database.
    const { upQueries } = await migrated.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });

  it('with the definitions the migrations gave each constraint and index, not only their names', async () => {
    // The diff matches constraints and indexes by name. On a copy of the migrated database, drop every
    // one the entities declare and let TypeORM build them again from the entities alone. Left in place:
    // the indexes declared `synchronize: false` (the builder leaves them to their migrations), and
    // one-column unique constraints, which TypeORM would add back under a name of its own.
    const dropped: string[] = [];
    for (const metadata of rebuilt.entityMetadatas) {
      for (const foreignKey of metadata.foreignKeys) {
        await rebuilt.query(`ALTER TABLE ${quoteIdentifier(metadata.tableName)} DROP CONSTRAINT ${quoteIdentifier(foreignKey.name)}`);
        dropped.push(foreignKey.name);
      }
    }
    for (const metadata of rebuilt.entityMetadatas) {
      const table = quoteIdentifier(metadata.tableName);
      for (const constraint of [...metadata.checks, ...metadata.uniques.filter((unique) => unique.columns.length > 1)]) {
        await rebuilt.query(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdentifier(constraint.name)}`);
        dropped.push(constraint.name);
      }
      for (const index of metadata.indices.filter((index) => index.synchronize)) {
        await rebuilt.query(`DROP INDEX ${quoteIdentifier(index.name)}`);
        dropped.push(index.name);
      }
    }
    expect(dropped.length).toBeGreaterThan(0);
    await rebuilt.driver.createSchemaBuilder().build();

    const [fromMigrations, fromEntities] = [await definitions(migrated), await definitions(rebuilt)];
    const differences = [...new Set([...fromMigrations.keys(), ...fromEntities.keys()])]
      .filter((key) => fromMigrations.get(key) !== fromEntities.get(key))
      .map((key) => ({ name: key, migrations: fromMigrations.get(key), entities: fromEntities.get(key) }));
    expect(differences).toEqual([]);
  });
});
