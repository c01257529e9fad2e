import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../../src/app.module';
import { AthenaFlowSource, type AthenaFlowSourceOptions } from '../../../src/aws/athena-flow-source';
import { AwsClientFactory, type AwsSharedClientConfig } from '../../../src/aws/aws-client.factory';
import { Clock } from '../../../src/common/clock/clock';
import { createFastifyAdapter } from '../../../src/common/http/fastify-adapter.factory';
import { configureHttpApp } from '../../../src/common/http/configure-http-app';
import { loadAppConfig } from '../../../src/config/app-config';
import { dropTestDatabase, testDatabaseUrl, TEST_REDIS_URL, uniqueTestName } from './test-database';
import { loadMigrationClasses } from './test-migrations';
import { deleteRedisPrefix } from './test-redis';
import type { TestApp } from './test-app';
import { ADMIN_KEY } from './analysis-api';

export interface AwsTestAppOptions {
  env?: Record<string, string>;
  /**
   * Settings of every AWS client the worker builds. Static credentials keep the default chain
   * (and any real account) out of the test; a request handler serves wire responses.
   */
  clientConfig?: AwsSharedClientConfig;
  /** Athena polling settings (short polls keep the test quick; timeoutMs is the query timeout). */
  athena?: AthenaFlowSourceOptions;
  /** The clock every service reads (pin it to test month boundaries). */
  clock?: Clock;
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/**
 * The real API with the worker in-process (PostgreSQL, Redis, BullMQ), on a database and Redis
 * prefix of its own. Only the AWS client factory and the Athena polling settings are replaced:
 * the factory is the production one with test credentials (and, when given, a request handler),
 * so every AWS call still goes through real SDK clients.
 */
export async function createAwsTestApp(options: AwsTestAppOptions = {}): Promise<TestApp & { clients: AwsClientFactory }> {
  const config = loadAppConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDatabaseUrl(uniqueTestName('db')),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniqueTestName('redis'),
    SGDOCTOR_DATA_ROOT: 'samples',
    SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
    SGDOCTOR_WITH_WORKER: 'true',
    ...options.env,
  });
  const clients = new AwsClientFactory({ env: {}, clientConfig: { credentials: TEST_CREDENTIALS, ...options.clientConfig } });
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot({ config, migrations: await loadMigrationClasses() })],
  });
  if (options.clock) builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder
    .overrideProvider(AwsClientFactory)
    .useValue(clients)
    .overrideProvider(AthenaFlowSource)
    .useFactory({ factory: (factory: AwsClientFactory) => new AthenaFlowSource(factory, options.athena), inject: [AwsClientFactory] })
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { bufferLogs: true });
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const databaseName = new URL(config.database.url).pathname.slice(1);
  return {
    app,
    config,
    databaseName,
    clients,
    async close() {
      await app.close();
      clients.destroy();
      await dropTestDatabase(databaseName);
      await deleteRedisPrefix(config.redis.prefix);
    },
  };
}
