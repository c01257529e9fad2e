import { BullModule } from '@nestjs/bullmq';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { defaultJobOptions } from './default-job-options';
import { JobHandlerRegistry } from './job-handler-registry';
import { JobProducer } from './job-producer';
import { ALL_QUEUE_NAMES } from './queue-names';
import { QueueConnectionWatchdog } from './queue-connection-watchdog.service';
import { QueueErrorListeners } from './queue-error-listeners.service';
import { redisOptionsFromUrl } from './redis-connection-options';

/**
 * BullMQ on Redis: one connection configuration and key prefix for every queue, and every queue
 * in QueueName registered, so any module can `@InjectQueue(QueueName.Analysis)` to produce jobs.
 * Processors (which start Workers) belong to modules imported only by the worker process.
 */
@Global()
@Module({})
export class QueuesModule {
  static forRoot(config: AppConfig): DynamicModule {
    const registered = BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name })));
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRoot({
          connection: redisOptionsFromUrl(config.redis.url),
          prefix: config.redis.prefix,
          defaultJobOptions: defaultJobOptions(config.queue),
        }),
        registered,
      ],
      providers: [QueueErrorListeners, QueueConnectionWatchdog, JobProducer, JobHandlerRegistry],
      exports: [registered, JobProducer, JobHandlerRegistry],
    };
  }
}
