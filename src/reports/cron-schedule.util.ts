import { CronExpressionParser } from 'cron-parser';

/**
 * Checks a cron expression (5 fields, or 6 with seconds first) with the parser BullMQ's job
 * schedulers use, in the given IANA time zone. Returns an error message or null.
 */
export function cronProblem(expression: string, timeZone: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return 'cron must have 5 fields (minute first) or 6 (second first)';
  try {
    CronExpressionParser.parse(expression, { tz: timeZone, strict: false });
    return null;
  } catch (error) {
    return `cron is not valid: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Whether the runtime knows an IANA time zone (Intl throws a RangeError for unknown ones). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    return true;
  } catch {
    return false;
  }
}

/** The next `count` fire times, for the API to show what a schedule will do. */
export function nextFireTimes(expression: string, timeZone: string, count: number, from: Date): string[] {
  const interval = CronExpressionParser.parse(expression, { tz: timeZone, currentDate: from });
  return interval.take(count).map((date) => date.toISOString() ?? '');
}
