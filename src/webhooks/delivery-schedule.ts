import { RETRY_SCHEDULE_MS } from './delivery/delivery-policy';

/**
 * The delays before each attempt of a delivery: the Standard Webhooks schedule by default, or
 * the configured one (WEBHOOK_RETRY_SCHEDULE_MS). Entry 0 is the first attempt's delay, so the
 * schedule's length is the number of attempts before a delivery is dead-lettered.
 */
export class DeliverySchedule {
  readonly delaysMs: readonly number[];

  constructor(
    delaysMs: readonly number[] | undefined,
    private readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {
    this.delaysMs = delaysMs && delaysMs.length > 0 ? delaysMs : RETRY_SCHEDULE_MS;
  }

  get attempts(): number {
    return this.delaysMs.length;
  }

  /**
   * Delay before attempt `attempt` (1-based), jittered, never shorter than the receiver's
   * Retry-After; null when the schedule has no such attempt (the delivery is dead).
   */
  delayBefore(attempt: number, retryAfterMs?: number): number | null {
    const base = this.delaysMs[attempt - 1];
    if (base === undefined) return null;
    const jittered = Math.round(base * (1 + (this.random() * 2 - 1) * this.jitter));
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}
