import type { DefaultJobOptions } from 'bullmq';
import type { QueueConfig } from '../config/app-config';

/** Retries with exponential backoff and jitter; bounded retention of finished jobs. */
export function defaultJobOptions(config: QueueConfig): DefaultJobOptions {
  return {
    attempts: config.attempts,
    backoff: { type: 'exponential', delay: config.backoffMs, jitter: 0.5 },
    removeOnComplete: { count: config.keepCompleted },
    removeOnFail: { count: config.keepFailed },
  };
}
