import type { BackoffStrategy } from 'bullmq';
import { RetryScheduledError } from './retry-scheduled.error';

/**
 * The delivery worker's backoff: the delay the processor chose and stored on the delivery row
 * (schedule step, jitter, Retry-After). Any other error — the processor could not even record
 * the attempt — backs off exponentially from 5 s, capped at an hour.
 */
export const deliveryBackoff: BackoffStrategy = (attemptsMade, _type, error) => {
  if (error instanceof RetryScheduledError || (error as { name?: string } | undefined)?.name === 'RetryScheduledError') {
    return (error as RetryScheduledError).delayMs;
  }
  return Math.min(5_000 * 2 ** Math.max(attemptsMade - 1, 0), 3_600_000);
};
