import { CronExpressionParser } from 'cron-parser';

const DAY_SECONDS = 86_400;

/**
 * Checks a cron expression (5 fields, or 6 with seconds first) with the parser BullMQ's job
 * schedulers use, in the given IANA time zone, and that it never fires twice within
 * `minIntervalSeconds` (see shortestCronInterval). Returns an error message or null.
 */
export function cronProblem(expression: string, timeZone: string, minIntervalSeconds = 0): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return 'cron must have 5 fields (minute first) or 6 (second first)';
  let parsed: CronFields;
  try {
    parsed = CronExpressionParser.parse(expression, { tz: timeZone, strict: false }).fields;
  } catch (error) {
    return `cron is not valid: ${error instanceof Error ? error.message : String(error)}`;
  }
  const shortest = shortestIntervalOf(parsed);
  if (shortest < minIntervalSeconds) {
    return `cron fires as often as every ${durationText(shortest)}; a report schedule may fire at most once every ${durationText(minIntervalSeconds)}`;
  }
  return null;
}

/**
 * The shortest time between two consecutive fire times of a valid cron, in seconds, on the clock
 * of its time zone: between the times of day it fires at (its hours × minutes × seconds, the same
 * on every day it fires), and from the last of a day to the first of the next as if it fired on
 * consecutive days (a cron that fires just before and just after midnight counts as firing that
 * close together, whichever days it names). At most a day.
 */
export function shortestCronInterval(expression: string): number {
  return shortestIntervalOf(CronExpressionParser.parse(expression, { strict: false }).fields);
}

type CronFields = ReturnType<typeof CronExpressionParser.parse>['fields'];

function shortestIntervalOf({ second, minute, hour }: CronFields): number {
  const ascending = (values: readonly (number | string)[]): number[] =>
    [...new Set(values.filter((v): v is number => typeof v === 'number'))].sort((a, b) => a - b);
  const seconds = ascending(second.values);
  const minutes = ascending(minute.values);
  const hours = ascending(hour.values);
  let shortest = DAY_SECONDS;
  let first: number | null = null;
  let previous: number | null = null;
  for (const h of hours) {
    for (const m of minutes) {
      for (const s of seconds) {
        const time = h * 3600 + m * 60 + s;
        if (previous !== null) shortest = Math.min(shortest, time - previous);
        first ??= time;
        previous = time;
      }
    }
  }
  if (first !== null && previous !== null) shortest = Math.min(shortest, first + DAY_SECONDS - previous);
  return shortest;
}

/** `1 second`, `30 seconds`, `5 minutes`, `2 hours`: the largest whole unit. */
function durationText(seconds: number): string {
  const [count, unit] =
    seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/**
 * Whether the runtime knows `timeZone` as an IANA time zone (a name of the tz database, aliases
 * included). Intl throws a RangeError for an unknown name, but also takes a UTC offset (`+05:00`,
 * `-0500`), which names no place and follows no daylight-saving rules: refused, whatever Intl
 * makes of it.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (!IANA_NAME.test(timeZone)) return false;
  try {
    return !OFFSET.test(new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone);
  } catch {
    return false;
  }
}

/** The spelling of a tz database name: ASCII letters, digits, `_`, `-` and `+`, parts joined by `/`, a letter first. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** A time zone Intl resolved to a UTC offset rather than a name. */
const OFFSET = /^[+\-\u2212]/;

/** The next `count` fire times, for the API to show what a schedule will do. */
export function nextFireTimes(expression: string, timeZone: string, count: number, from: Date): string[] {
  const interval = CronExpressionParser.parse(expression, { tz: timeZone, currentDate: from });
  return interval.take(count).map((date) => date.toISOString() ?? '');
}
