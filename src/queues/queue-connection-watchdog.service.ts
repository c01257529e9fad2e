import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ALL_QUEUE_NAMES } from './queue-names';
import { RedisPingWatchdog } from './redis-ping-watchdog';

/**
 * Pings the connection of every registered queue while it is idle (see RedisPingWatchdog): a
 * process that only queues work when a request asks for it learns of a connection Redis stopped
 * answering, and replaces it, before a request meets it.
 */
@Injectable()
export class QueueConnectionWatchdog implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly watchdog = new RedisPingWatchdog();
  private stopped = false;

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    for (const name of ALL_QUEUE_NAMES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      // The client exists once its first connection is up; start-up never waits for it.
      queue.backend.client.then(
        (client) => {
          // BullMQ wraps the ioredis client it built from redisOptionsFromUrl, and passes ping() through.
          if (!this.stopped) this.watchdog.watch(client as unknown as Redis);
        },
        () => undefined,
      );
    }
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.watchdog.stop();
  }
}
