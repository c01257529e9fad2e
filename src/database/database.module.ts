import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions } from './database-options';
import { ensureDatabase } from './ensure-database';
import { runMigrationsLocked } from './run-migrations';

export interface DatabaseModuleOptions {
  /** Migration classes or globs; defaults to the compiled migrations in dist/migrations. */
  migrations?: DataSourceOptions['migrations'];
  /** Connection attempts after the first fails (default 3, a second apart); 0 for one-shot commands. */
  retryAttempts?: number;
}

/**
 * PostgreSQL through TypeORM. On start: create the database if missing (DB_CREATE_DATABASE),
 * connect, run pending migrations under an advisory lock (DB_MIGRATIONS_RUN). Entities are
 * registered by feature modules with TypeOrmModule.forFeature.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: DatabaseConfig, options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(config, { migrations: options.migrations }),
            autoLoadEntities: true,
            retryAttempts: options.retryAttempts ?? 3,
            retryDelay: 1000,
          }),
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('DataSource options are missing');
            return initializeDataSource(dataSourceOptions, config);
          },
        }),
      ],
    };
  }
}

async function initializeDataSource(options: DataSourceOptions, config: DatabaseConfig): Promise<DataSource> {
  if (config.createDatabase) {
    await ensureDatabase(config.url, config.connectTimeoutMs);
  }
  const dataSource = await new DataSource(options).initialize();
  if (config.migrationsRun) {
    await runMigrationsLocked(dataSource);
  }
  return dataSource;
}
