import { DEFAULT_JITTER, RETRY_SCHEDULE_MS, retryDelayMs } from './delivery/delivery-policy';

/**
 * The delays before each attempt of a delivery: the Standard Webhooks schedule by default, or
 * the configured one (WEBHOOK_RETRY_SCHEDULE_MS). Entry 0 is the first attempt's delay, so the
 * schedule's length is the number of attempts before a delivery is dead-lettered.
 */
export class DeliverySchedule {
  readonly delaysMs: readonly number[];

  constructor(
    delaysMs: readonly number[] | undefined,
    private readonly jitter = DEFAULT_JITTER,
    private readonly random: () => number = Math.random,
  ) {
    this.delaysMs = delaysMs && delaysMs.length > 0 ? delaysMs : RETRY_SCHEDULE_MS;
  }

  get attempts(): number {
    return this.delaysMs.length;
  }

  /**
   * Delay before attempt `attempt` (1-based), jittered, never shorter than the receiver's
   * Retry-After; null when the schedule has no such attempt (the delivery is dead). The rule
   * itself is `retryDelayMs`; this only supplies the configured schedule.
   */
  delayBefore(attempt: number, retryAfterMs?: number): number | null {
    return retryDelayMs(attempt, { schedule: this.delaysMs, jitter: this.jitter, random: this.random, retryAfterMs });
  }
}
