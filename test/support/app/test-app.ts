import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../../src/app.module';
import type { Clock } from '../../../src/common/clock/clock';
import { loadAppConfig, type AppConfig } from '../../../src/config/app-config';
import { createFastifyAdapter } from '../../../src/common/http/fastify-adapter.factory';
import { configureHttpApp } from '../../../src/common/http/configure-http-app';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from './test-database';
import { loadMigrationClasses } from './test-migrations';
import { deleteRedisPrefix } from './test-redis';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  databaseName: string;
  /** Closes the app, then drops its database and deletes its Redis keys. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (e.g. RATE_LIMIT_PER_MINUTE). */
  env?: Record<string, string>;
  /** Keep the database and Redis keys after close (a caller that owns them). */
  keepResources?: boolean;
  /** The app's clock (the system clock by default). */
  clock?: Clock;
}

/**
 * The real API (Fastify, PostgreSQL, Redis, migrations at start) on a database and a Redis key
 * prefix of its own, so test runs can repeat and overlap. Use with supertest:
 * `request(testApp.app.getHttpServer())`.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseName = uniqueTestName('db');
  const prefix = uniqueTestName('redis');
  const config = loadAppConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDatabaseUrl(databaseName),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    SGDOCTOR_DATA_ROOT: 'samples',
    ...options.env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, clock: options.clock, migrations: await loadMigrationClasses() })],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { bufferLogs: true });
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    databaseName,
    async close() {
      await app.close();
      if (!options.keepResources) {
        await dropTestDatabase(new URL(config.database.url).pathname.slice(1));
        await deleteRedisPrefix(config.redis.prefix);
      }
    },
  };
}
