import { Processor, type WorkerHost } from '@nestjs/bullmq';
import type { Provider, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import type { QueueName } from './queue-names';

/** What a queue's worker is given: concurrency, lock and stalled-check timing, custom backoffs. */
export type QueueWorkerOptions = NonNullable<Parameters<typeof Processor>[1]>;

/**
 * The one way a processor gets its worker options: from the validated config, when the process
 * starts. @nestjs/bullmq reads worker options from class metadata, so the processor is provided
 * as a subclass decorated here, built with the processor's own dependencies (the class stays the
 * injection token).
 */
export function configuredProcessor<T extends WorkerHost>(
  queue: QueueName,
  processor: Type<T>,
  options: (config: ConfigService<AppConfig, true>) => QueueWorkerOptions,
): Provider {
  return {
    provide: processor,
    inject: [ModuleRef, ConfigService],
    useFactory: (moduleRef: ModuleRef, config: ConfigService<AppConfig, true>): Promise<T> => {
      const Configured = class extends (processor as unknown as new (...args: never[]) => object) {} as unknown as Type<T>;
      Object.defineProperty(Configured, 'name', { value: processor.name });
      Processor(queue, options(config))(Configured);
      return moduleRef.create(Configured);
    },
  };
}
