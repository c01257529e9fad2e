import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { connectionErrors } from './connection-error-log';
import { ALL_QUEUE_NAMES } from './queue-names';

/** Gives every registered queue an `error` listener (see ConnectionErrorLog). */
@Injectable()
export class QueueErrorListeners implements OnModuleInit {
  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUE_NAMES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error) => connectionErrors.report(`queue ${name}`, error));
    }
  }
}
