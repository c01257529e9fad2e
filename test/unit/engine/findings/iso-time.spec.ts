import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isoSeconds } from '../../../../src/engine/findings/iso-time.util';

/** The ISO text of a Date at second precision, as the reference. */
const reference = (seconds: number): string => {
  const iso = new Date(Math.trunc(seconds) * 1000).toISOString();
  return `${iso.slice(0, iso.lastIndexOf('.'))}Z`;
};

describe('isoSeconds', () => {
  it('writes epoch seconds as ISO 8601 UTC at second precision', () => {
    expect(isoSeconds(1_700_000_000)).toBe('2023-11-14T22:13:20Z');
    expect(isoSeconds(1_700_000_000.9)).toBe('2023-11-14T22:13:20Z');
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('agrees with the Date reference over the whole range of dates, years of six digits and before 1970 included', () => {
    fc.assert(
      fc.property(fc.double({ min: -8.64e12, max: 8.64e12, noNaN: true }), (seconds) => {
        expect(isoSeconds(seconds)).toBe(reference(seconds));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference however times follow each other: within a day, across midnight, back and forth', () => {
    const day = 86_400;
    const around = fc.integer({ min: -3, max: 3 }).chain((d) => fc.integer({ min: d * day - 2, max: d * day + 2 }));
    const anywhere = fc.integer({ min: -62_167_219_200 - day, max: 253_402_300_799 + day });
    fc.assert(
      fc.property(fc.array(fc.oneof(around, anywhere, fc.constant(1_700_000_000)), { minLength: 1, maxLength: 20 }), (times) => {
        for (const seconds of times) expect(isoSeconds(seconds)).toBe(reference(seconds));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what is not a time, as Date does', () => {
    expect(() => isoSeconds(Number.NaN)).toThrow(RangeError);
  });
});
