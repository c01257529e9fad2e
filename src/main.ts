import './common/lifecycle/hold-young-generation';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ApiKeysService } from './api-keys/api-keys.service';
import { initialAdminKeyBanner } from './api-keys/initial-admin-key-banner';
import { AppModule } from './app.module';
import { createFastifyAdapter } from './common/http/fastify-adapter.factory';
import { configureHttpApp } from './common/http/configure-http-app';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { loadStartupConfig, StartupRefused } from './config/load-startup-config';
import { exitWhenDrained } from './common/lifecycle/exit-when-drained';
import { limitHeapGrowth, releaseYoungGeneration } from './common/lifecycle/heap-growth';

/** The API process (`node dist/main.js`; `--with-worker` also runs the queue processors). */
async function bootstrap(): Promise<void> {
  const config = loadStartupConfig();
  const withWorker = config.withWorker || process.argv.includes('--with-worker');
  // Analyses run in this process too: the worker's heap growth applies.
  if (withWorker) limitHeapGrowth(config.analysis.heapGrowingPercent);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, withWorker }), createFastifyAdapter(config), {
    bufferLogs: true,
  });
  configureHttpApp(app);
  const logger = app.get(Logger);
  installGracefulShutdown(app, logger, config.shutdownTimeoutMs);
  await app.listen({ port: config.http.port, host: config.http.host });
  // Serving requests, the young generation may grow; analyses in this process keep it held.
  if (!withWorker) releaseYoungGeneration();
  logger.log(`sgdoctor API listening on ${await app.getUrl()}${withWorker ? ' (with worker)' : ''}`, 'Bootstrap');
  const initialKey = await app.get(ApiKeysService).createInitialAdminKey();
  if (initialKey) {
    process.stderr.write(initialAdminKeyBanner(initialKey));
    logger.warn(`created the initial admin API key ${initialKey.id} ("${initialKey.name}"); it was printed once on stderr`, 'Bootstrap');
  }
}

bootstrap().catch((error: unknown) => {
  if (!(error instanceof StartupRefused)) console.error('sgdoctor API failed to start:', error);
  exitWhenDrained(1);
});
