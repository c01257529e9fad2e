import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addHourRecords, forEachHour, hourlyRecordsByHour, hourlyRecordsOf } from '../../../../src/engine/flow-log/hourly-records';

const hour = fc.integer({ min: 0, max: 48 }).map((h) => 1_700_000_000 - (1_700_000_000 % 3600) + h * 3600);
const counts = fc.array(fc.tuple(hour, fc.integer({ min: 1, max: 1000 })), { maxLength: 40 });

/** Hours and their summed records through a plain Map, in hour order. */
function reference(pairs: [number, number][]): [number, number][] {
  const sums = new Map<number, number>();
  for (const [h, r] of pairs) sums.set(h, (sums.get(h) ?? 0) + r);
  return [...sums].sort((a, b) => a[0] - b[0]);
}

const pairsOf = (hourly: readonly number[]): [number, number][] => {
  const out: [number, number][] = [];
  forEachHour(hourly, (h, r) => out.push([h, r]));
  return out;
};

describe('hourly records', () => {
  it('added one at a time in any order, or made from an object keyed by the hour, hold each hour once with its sum, in hour order', () => {
    fc.assert(
      fc.property(counts, (pairs) => {
        const added: number[] = [];
        for (const [h, r] of pairs) addHourRecords(added, h, r);
        expect(pairsOf(added)).toEqual(reference(pairs));
        expect(hourlyRecordsOf(Object.fromEntries(reference(pairs).reverse()))).toEqual(added);
        expect(hourlyRecordsOf(hourlyRecordsByHour(added))).toEqual(added);
      }),
      { numRuns: 500 },
    );
  });
});
