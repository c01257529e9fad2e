/**
 * When to try a webhook delivery again, following the Standard Webhooks schedule: the first
 * attempt at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each
 * failure (about three days in all), each with jitter so a receiver that comes back is not hit
 * by every queued event in the same second.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

/** A receiver's Retry-After is honoured up to this much; beyond it the schedule applies. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export type DeliveryOutcome = 'delivered' | 'retry' | 'disable' | 'fail';

export interface DeliveryClassification {
  outcome: DeliveryOutcome;
  /** Present when the receiver said when to come back (429/503 with Retry-After). */
  retryAfterMs?: number;
}

/**
 * What a receiver's answer means for the delivery:
 * - 2xx: delivered.
 * - 410 Gone: the receiver says the endpoint no longer exists — disable the subscription.
 * - 3xx: redirects are never followed, so the same URL will redirect again: fail without retry
 *   (the subscription's URL must be corrected). 413: the same payload will be too large again.
 * - anything else (4xx, 5xx, unknown): retry per schedule; receivers are often misconfigured for
 *   a while (401 after a secret rotation, 404 during a deploy) and must not lose events.
 */
export function classifyDeliveryResponse(status: number, headers: Record<string, string | undefined>, now: Date): DeliveryClassification {
  if (status >= 200 && status < 300) return { outcome: 'delivered' };
  if (status === 410) return { outcome: 'disable' };
  if ((status >= 300 && status < 400) || status === 413) return { outcome: 'fail' };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), now);
    return retryAfterMs === null ? { outcome: 'retry' } : { outcome: 'retry', retryAfterMs };
  }
  return { outcome: 'retry' };
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date, clamped to
 * [0, MAX_RETRY_AFTER_MS]; null when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return null;
    ms = date - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Largest fraction a scheduled delay moves by, either way, unless told otherwise (±20 %). */
export const DEFAULT_JITTER = 0.2;

export interface RetryDelayOptions {
  retryAfterMs?: number;
  /** Delays before each attempt; RETRY_SCHEDULE_MS unless configured otherwise. */
  schedule?: readonly number[];
  /** Largest fraction the delay moves by, either way (0.2 = ±20 %). */
  jitter?: number;
  random?: () => number;
}

/**
 * Delay before attempt number `attempt` (1-based; attempt 1 is the first delivery), or null
 * when the schedule is exhausted and the delivery goes to the dead-letter list. A receiver's
 * Retry-After replaces the scheduled delay when it asks for longer, never for shorter.
 */
export function retryDelayMs(attempt: number, options: RetryDelayOptions = {}): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be a positive integer');
  const base = (options.schedule ?? RETRY_SCHEDULE_MS)[attempt - 1];
  if (base === undefined) return null;
  const jitter = options.jitter ?? DEFAULT_JITTER;
  const random = options.random ?? Math.random;
  const jittered = Math.round(base * (1 + (random() * 2 - 1) * jitter));
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
