import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { unansweredQueryTimeoutMs, UnansweredQueryClosingClient } from './unanswered-query';

type Migrations = NonNullable<DataSourceOptions['migrations']>;

/** Compiled migrations live in dist/migrations next to dist/database (tsconfig.migrations.json). */
export const COMPILED_MIGRATIONS_GLOB = join(__dirname, '..', 'migrations', '*.js');

/** Entities compiled to dist; used by the migration CLI (the app registers entities per feature). */
export const COMPILED_ENTITIES_GLOB = join(__dirname, '..', '**', '*.entity.js');

export const MIGRATIONS_TABLE = 'migrations';

/**
 * The one set of DataSource options, shared by the app and the TypeORM CLI. Schema changes only
 * through migrations (`synchronize` is never on). `migrations` defaults to the compiled files;
 * tests running on TypeScript sources pass the migration classes instead.
 */
export function buildDataSourceOptions(
  config: DatabaseConfig,
  overrides: { migrations?: Migrations; entities?: DataSourceOptions['entities'] } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrations: overrides.migrations ?? [COMPILED_MIGRATIONS_GLOB],
    entities: overrides.entities ?? [],
    poolSize: config.poolMax,
    // Fail fast when PostgreSQL is away, so health checks and requests answer quickly.
    connectTimeoutMS: config.connectTimeoutMs,
    applicationName: 'sgdoctor',
    // gen_random_uuid() is built into PostgreSQL 13+; nothing to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: {
      statement_timeout: config.statementTimeoutMs || undefined,
      // A server that stops answering without closing the connection: the query fails (503 on a
      // request) and its connection is closed, rather than waiting for ever.
      query_timeout: unansweredQueryTimeoutMs(config.statementTimeoutMs),
      Client: UnansweredQueryClosingClient,
      idleTimeoutMillis: 30_000,
    },
  };
}
