import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config';
import { readEnvironment } from '../config/read-environment';
import { buildDataSourceOptions, COMPILED_ENTITIES_GLOB } from './database-options';
import { ensureDatabase } from './ensure-database';

/**
 * Entry point of the TypeORM migration CLI (`typeorm migration:run -d dist/database/data-source.js`).
 * Same options as the app (database-options.ts), read from the same validated environment;
 * the database is created first when missing. Exports exactly one DataSource, as the CLI requires.
 */
const config = loadAppConfig(readEnvironment());

export const migrationDataSource: Promise<DataSource> = (async () => {
  if (config.database.createDatabase) {
    await ensureDatabase(config.database.url, config.database.connectTimeoutMs);
  }
  return new DataSource(buildDataSourceOptions(config.database, { entities: [COMPILED_ENTITIES_GLOB] }));
})();
