import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hourOf } from '../../../../src/engine/flow-log/flow-key';
import { FlowHourCounts } from '../../../../src/engine/flow-log/flow-hour-counts';
import { addHourRecords } from '../../../../src/engine/flow-log/hourly-records';

/** Record starts: in a few hours of one day mostly, sometimes beyond what 32 bits hold. */
const start = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1_699_920_000, max: 1_699_920_000 + 6 * 3600 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 33 }) },
);

describe('FlowHourCounts', () => {
  it('packs every entry its records per hour, hours ascending, as counting them one by one in a list does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.tuple(fc.nat(), start), { maxLength: 3000 }),
        fc.boolean(),
        (entries, added, beyond32Bits) => {
          const counts = new FlowHourCounts();
          const expected: number[][] = Array.from({ length: entries }, () => []);
          const records = added.map(([entry, at]) => [entry % entries, beyond32Bits ? at : Math.min(at, 2 ** 32 - 3600)] as const);
          for (const [entry, at] of records) {
            counts.add(entry, at);
            addHourRecords(expected[entry], hourOf(at), 1);
          }
          const packed = counts.packed();
          for (let entry = 0; entry < entries; entry++) {
            expect(packed.of(entry)).toEqual(expected[entry].length ? expected[entry] : undefined);
          }
          // Out of order too, and again.
          for (let entry = entries - 1; entry >= 0; entry -= 2) {
            expect(packed.of(entry)).toEqual(expected[entry].length ? expected[entry] : undefined);
          }
          // The counter hands its counts over and is empty after.
          expect(counts.packed().of(records[0]?.[0] ?? 0)).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts on past what its narrow counts hold, across table growths, and starts narrow again once emptied', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 3 * 3600 })), { maxLength: 3000 }),
        (narrowLimit, added) => {
          // A limit this small stands for 2^32 - 1: which count passes it first, and when, is the same question.
          const counts = new FlowHourCounts(narrowLimit);
          for (let round = 0; round < 2; round++) {
            const expected: number[][] = Array.from({ length: 41 }, () => []);
            for (const [entry, offset] of added) {
              const at = 1_699_920_000 + offset + round * 86_400;
              counts.add(entry, at);
              addHourRecords(expected[entry], hourOf(at), 1);
            }
            const packed = counts.packed();
            for (let entry = 0; entry <= 40; entry++)
              expect(packed.of(entry)).toEqual(expected[entry].length ? expected[entry] : undefined);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('packs many entries with many hours across table growths', () => {
    const counts = new FlowHourCounts();
    const entries = 5000;
    const expected: number[][] = Array.from({ length: entries }, () => []);
    for (let i = 0; i < 60_000; i++) {
      const entry = (i * 7919) % entries;
      const at = 1_699_920_000 + ((i * 104_729) % (48 * 3600));
      counts.add(entry, at);
      addHourRecords(expected[entry], hourOf(at), 1);
    }
    const packed = counts.packed();
    for (let entry = 0; entry < entries; entry++) expect(packed.of(entry)).toEqual(expected[entry].length ? expected[entry] : undefined);
  });
});
