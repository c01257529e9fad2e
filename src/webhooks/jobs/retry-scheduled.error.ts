/**
 * Thrown by the delivery processor when an attempt failed and another is due: BullMQ retries
 * the job after `delayMs`, which the worker's backoff strategy reads from the error, so the
 * delay stored on the delivery row is exactly the one applied.
 */
export class RetryScheduledError extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryScheduledError';
  }
}
