import type { DeliveryOutcome } from './delivery/delivery-policy';

/** What one attempt of a delivery came to, whatever the format. */
export interface AttemptResult {
  outcome: DeliveryOutcome | 'skipped';
  statusCode: number | null;
  durationMs: number | null;
  /** Why it did not succeed (or what was skipped); null on success. */
  error: string | null;
  /** The receiver asked to be left alone this long (429/503 Retry-After). */
  retryAfterMs?: number;
}
