import type { ContinuousState } from '../targets/target-settings';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The longest window an analysis may cover (AnalysesService). */
const MAX_WINDOW_MS = 31 * 24 * HOUR_MS;

/** How long flow logs take to arrive: about 10 minutes to S3 (so Athena and files), about 5 to CloudWatch Logs. */
export function defaultDeliveryDelayMinutes(flowSourceType: string): number {
  return flowSourceType === 'cloudwatch-logs' ? 5 : 10;
}

/**
 * The window of the next rolling analysis: from the start of the hour holding the watermark up
 * to `now − delay` (whole minutes), or null when nothing was delivered past the watermark yet.
 *
 * Starting at the hour, not at the watermark, is what the hourly merge needs: a finding keeps one
 * count per hour, and an hour written again replaces the stored one when larger (findings
 * persister). A window that started mid-hour would write only part of that hour; one that starts
 * at the hour writes all of it seen so far, a superset of what the last window wrote, so each hour
 * ends up counted once, whole, however many windows touched it.
 */
export function rollingWindow(watermark: Date, now: Date, deliveryDelayMinutes: number): { from: Date; to: Date } | null {
  const to = new Date(Math.floor((now.getTime() - deliveryDelayMinutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS);
  if (to.getTime() <= watermark.getTime()) return null;
  let from = Math.floor(watermark.getTime() / HOUR_MS) * HOUR_MS;
  // After a month without a successful rolling analysis only the last 31 days are read.
  if (to.getTime() - from > MAX_WINDOW_MS) from = Math.ceil((to.getTime() - MAX_WINDOW_MS) / HOUR_MS) * HOUR_MS;
  return { from: new Date(from), to };
}

/** The state of a target whose continuous analysis starts now: nothing before `now − delay` is read. */
export function initialContinuousState(now: Date, deliveryDelayMinutes: number): ContinuousState {
  const watermark = new Date(Math.floor((now.getTime() - deliveryDelayMinutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS);
  return {
    watermark: watermark.toISOString(),
    lastAnalysisId: null,
    lastWindow: null,
    lastTickAt: null,
    lastTick: null,
    message: null,
    skippedTicks: 0,
  };
}
