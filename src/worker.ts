import './common/lifecycle/hold-young-generation';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { limitHeapGrowth } from './common/lifecycle/heap-growth';
import { loadStartupConfig, StartupRefused } from './config/load-startup-config';
import { exitWhenDrained } from './common/lifecycle/exit-when-drained';
import { WorkerModule } from './worker.module';

/** The worker process (`node dist/worker.js`): consumes the BullMQ queues; no HTTP server. */
async function bootstrap(): Promise<void> {
  const config = loadStartupConfig();
  // The young generation stays held (see hold-young-generation.ts): an analysis runs as fast with it.
  limitHeapGrowth(config.analysis.heapGrowingPercent);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config }), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  installGracefulShutdown(app, logger, config.shutdownTimeoutMs);
  await app.init();
  logger.log('sgdoctor worker started', 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  if (!(error instanceof StartupRefused)) console.error('sgdoctor worker failed to start:', error);
  exitWhenDrained(1);
});
