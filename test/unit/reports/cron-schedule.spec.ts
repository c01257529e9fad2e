import { describe, expect, it } from 'vitest';
import { cronProblem, isValidTimeZone, nextFireTimes } from '../../../src/reports/cron-schedule.util';

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

  it('knows IANA zones through Intl', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('reads the cron in its zone, across a daylight-saving change', () => {
    // Paris leaves summer time on 2026-10-25: 06:00 local is 04:00 UTC before, 05:00 UTC after.
    const times = nextFireTimes('0 6 * * *', 'Europe/Paris', 3, new Date('2026-10-23T12:00:00Z'));
    expect(times).toEqual(['2026-10-24T04:00:00.000Z', '2026-10-25T05:00:00.000Z', '2026-10-26T05:00:00.000Z']);
  });
});
