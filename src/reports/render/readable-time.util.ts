import type { ReportPeriod } from './report-data';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');
const dayText = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
const timeText = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

/** `24 Nov 2026 03:12 UTC`; the text as given when it is not a time. */
export function readableTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dayText(d)} ${timeText(d)} UTC`;
}

/**
 * A report period as people say it: `24 Nov 2026 (UTC)` for one whole day, `24–30 Nov 2026`
 * style `24 Nov 2026 – 30 Nov 2026 (UTC)` for whole days (the end is exclusive, so the last day
 * shown is the one before it), otherwise both ends with their time.
 */
export function readablePeriod(period: ReportPeriod): string {
  const from = new Date(period.from);
  const to = new Date(period.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return `${period.from} to ${period.to}`;
  const wholeDays = from.getTime() % DAY_MS === 0 && to.getTime() % DAY_MS === 0 && to > from;
  if (!wholeDays) return `${readableTime(period.from)} – ${readableTime(period.to)}`;
  const last = new Date(to.getTime() - DAY_MS);
  return last.getTime() === from.getTime() ? `${dayText(from)} (UTC)` : `${dayText(from)} – ${dayText(last)} (UTC)`;
}
