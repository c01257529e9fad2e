import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../../src/app.module';
import type { Clock } from '../../../src/common/clock/clock';
import { createFastifyAdapter } from '../../../src/common/http/fastify-adapter.factory';
import { configureHttpApp } from '../../../src/common/http/configure-http-app';
import { loadAppConfig, type AppConfig } from '../../../src/config/app-config';
import type { HostResolver } from '../../../src/outbound-http/ssrf-guard';
import { HOST_RESOLVER } from '../../../src/outbound-http/outbound-http.service';
import { WorkerModule } from '../../../src/worker.module';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from './test-database';
import { loadMigrationClasses } from './test-migrations';
import { deleteRedisPrefix } from './test-redis';

export const ADMIN_KEY = 'test-admin-key-integrations-0123456789abcdef';
/** 32 bytes, hex: the AES-256-GCM key of test runs. */
export const TEST_ENCRYPTION_KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0';

/** Loopback receivers over plain http, a seconds-scale retry schedule, the worker in-process. */
export const INTEGRATION_ENV: Record<string, string> = {
  SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
  SGDOCTOR_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_RETRY_SCHEDULE_MS: '0,200,200,200',
  RATE_LIMIT_PER_MINUTE: '100000',
};

export interface Resources {
  databaseName: string;
  prefix: string;
}

export interface RunningApi {
  app: NestFastifyApplication;
  config: AppConfig;
  resources: Resources;
  close(): Promise<void>;
}

export interface RunningWorker {
  context: INestApplicationContext;
  close(): Promise<void>;
}

export function newResources(): Resources {
  return { databaseName: uniqueTestName('db'), prefix: uniqueTestName('redis') };
}

function configFor(resources: Resources, env: Record<string, string>): AppConfig {
  return loadAppConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDatabaseUrl(resources.databaseName),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: resources.prefix,
    SGDOCTOR_DATA_ROOT: 'samples',
    ...INTEGRATION_ENV,
    ...env,
  });
}

/**
 * The real API on its own database and Redis prefix, optionally with the worker in-process and
 * a host resolver standing in for DNS (to test names that resolve to private addresses).
 */
export async function startApi(
  options: { env?: Record<string, string>; resources?: Resources; hostResolver?: HostResolver; clock?: Clock } = {},
): Promise<RunningApi> {
  const resources = options.resources ?? newResources();
  const config = configFor(resources, { SGDOCTOR_WITH_WORKER: 'true', ...options.env });
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot({ config, clock: options.clock, migrations: await loadMigrationClasses() })],
  });
  if (options.hostResolver) builder = builder.overrideProvider(HOST_RESOLVER).useValue(options.hostResolver);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { bufferLogs: true });
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config, resources, close: () => app.close() };
}

/** A worker process's module on existing resources (the API ran the migrations). */
export async function startWorker(resources: Resources, env: Record<string, string> = {}, clock?: Clock): Promise<RunningWorker> {
  const config = configFor(resources, env);
  const moduleRef = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ config, clock, migrations: await loadMigrationClasses() })],
  }).compile();
  const context = await moduleRef.init();
  return { context, close: () => context.close() };
}

export async function dropResources(resources: Resources): Promise<void> {
  await dropTestDatabase(resources.databaseName);
  await deleteRedisPrefix(resources.prefix);
}
