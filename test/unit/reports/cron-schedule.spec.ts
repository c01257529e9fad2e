import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CronExpressionParser } from 'cron-parser';
import { cronProblem, isValidTimeZone, nextFireTimes, shortestCronInterval } from '../../../src/reports/cron-schedule.util';

describe('cron and time zone checks', () => {
  it.each([
    ['0 6 * * *', 'UTC', null],
    ['*/2 * * * * *', 'UTC', null],
    ['30 7 * * 1-5', 'Europe/Paris', null],
    ['61 * * * *', 'UTC', /cron is not valid/],
    ['* * *', 'UTC', /5 fields/],
    ['0 0 6 * * * *', 'UTC', /5 fields/],
    ['0 25 * * *', 'UTC', /cron is not valid/],
  ])('%s in %s', (cron, zone, expected) => {
    const problem = cronProblem(cron, zone);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ['* * * * * *', 1],
    ['*/2 * * * * *', 2],
    ['* * * * *', 60],
    ['*/5 * * * *', 300],
    ['*/4 * * * *', 240],
    // 00:59 then 01:00, and 23:58 then 00:00 the next day.
    ['0,59 * * * *', 60],
    ['0,58 0,23 * * *', 120],
    ['30 0 6 * * *', 86_400],
    ['0 6 * * 1', 86_400],
    ['0 6,18 * * *', 43_200],
    ['0 0 0-23/3 * * *', 10_800],
  ])('%s fires at most once every %i s', (cron, seconds) => {
    expect(shortestCronInterval(cron)).toBe(seconds);
  });

  it('refuses a cron that fires more often than the minimum interval, saying how often it fires', () => {
    expect(cronProblem('* * * * * *', 'UTC', 300)).toBe(
      'cron fires as often as every 1 second; a report schedule may fire at most once every 5 minutes',
    );
    expect(cronProblem('*/4 * * * *', 'UTC', 300)).toMatch(/^cron fires as often as every 4 minutes;/);
    expect(cronProblem('0,59 * * * *', 'UTC', 300)).toMatch(/^cron fires as often as every 1 minute;/);
    expect(cronProblem('*/30 * * * * *', 'UTC', 3600)).toBe(
      'cron fires as often as every 30 seconds; a report schedule may fire at most once every 1 hour',
    );
    expect(cronProblem('*/5 * * * *', 'UTC', 300)).toBeNull();
    expect(cronProblem('*/2 * * * * *', 'UTC', 1)).toBeNull();
  });

  it('gives the shortest time between the fire times the scheduler’s parser yields (UTC, a fortnight from a fixed day)', () => {
    const list = (max: number) =>
      fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 }).map((values) => values.sort((a, b) => a - b).join(','));
    fc.assert(
      fc.property(
        list(59),
        list(59),
        fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 3 }),
        (seconds, minutes, hours) => {
          const cron = `${seconds} ${minutes} ${hours.sort((a, b) => a - b).join(',')} * * *`;
          const times = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date('2026-01-05T00:00:00Z') })
            .take(14 * 4 * 4 * 3)
            .map((d) => d.getTime());
          const gaps = times.slice(1).map((t, i) => (t - times[i]!) / 1000);
          expect(shortestCronInterval(cron)).toBe(gaps.length ? Math.min(...gaps) : 86_400);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('knows IANA zones through Intl', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    // IANA names only: Intl also takes UTC offsets, which follow no daylight-saving rules of a place.
    for (const offset of ['+05:00', '-05:00', '-0500', '+05', '+0530', '\u221205:00']) expect(isValidTimeZone(offset), offset).toBe(false);
    for (const alias of ['Etc/GMT+5', 'America/Argentina/Buenos_Aires', 'US/Eastern']) expect(isValidTimeZone(alias), alias).toBe(true);
  });

  it('reads the cron in its zone, across a daylight-saving change', () => {
    // Paris leaves summer time on 2026-10-25: 06:00 local is 04:00 UTC before, 05:00 UTC after.
    const times = nextFireTimes('0 6 * * *', 'Europe/Paris', 3, new Date('2026-10-23T12:00:00Z'));
    expect(times).toEqual(['2026-10-24T04:00:00.000Z', '2026-10-25T05:00:00.000Z', '2026-10-26T05:00:00.000Z']);
  });
});
