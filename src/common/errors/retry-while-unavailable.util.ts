import { setTimeout as sleep } from 'node:timers/promises';
import { retryabilityOf } from './retryability';

export interface RetryWhileUnavailableOptions {
  /** Give up (rethrow) after this long; the reconciler covers what is left. */
  deadlineMs: number;
  /** First pause between tries; doubled each time up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `work` again while it fails because PostgreSQL or Redis is unreachable, with a doubling
 * pause, until it succeeds or the deadline passes. Any other error is thrown at once: only an
 * outage is worth waiting out.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, options: RetryWhileUnavailableOptions): Promise<T> {
  const deadline = performance.now() + options.deadlineMs;
  let delay = options.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (retryabilityOf(error).kind !== 'outage' || performance.now() + delay > deadline) throw error;
      options.onRetry?.(error, attempt);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000);
    }
  }
}
