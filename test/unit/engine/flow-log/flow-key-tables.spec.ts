import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ByteStringTable, hashTuple, TUPLE_WORDS, TupleTable } from '../../../../src/engine/flow-log/flow-key-tables';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Numbers each item on its first appearance, as the tables must. */
function referenceNumbers(items: readonly string[]): number[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    let n = seen.get(item);
    if (n === undefined) seen.set(item, (n = seen.size));
    return n;
  });
}

describe('ByteStringTable', () => {
  it('numbers equal byte strings alike and distinct ones apart, in first-seen order, and keeps their bytes', () => {
    const text = fc.oneof(
      fc.constantFrom('', 'a', 'eni-0a1b', '10.0.0.1', '10.0.0.10', '2001:db8::1'),
      fc.string({ unit: fc.integer({ min: 33, max: 126 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 2000 }), fc.nat(8), (texts, pad) => {
        const table = new ByteStringTable();
        // Each string read from the middle of a larger buffer, as the line reader hands them.
        const numbers = texts.map((t) => table.intern(ascii('#'.repeat(pad) + t + '#'), pad, t.length));
        expect(numbers).toEqual(referenceNumbers(texts));
        const distinct = [...new Set(texts)];
        expect(table.size).toBe(distinct.length);
        distinct.forEach((t, id) => {
          const bytes = table.arena.subarray(table.startOf(id), table.ends[id]);
          expect(String.fromCharCode(...bytes)).toBe(t);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('TupleTable', () => {
  const word = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-1, 0x7fffffff, -0x80000000, 65535 << 16), fc.integer());
  const tuple = fc.array(word, { minLength: TUPLE_WORDS, maxLength: TUPLE_WORDS });

  const numberAll = (table: TupleTable, tuples: readonly number[][]): number[] =>
    tuples.map(([a, b, c, d, e]) => {
      const hash = hashTuple(a, b, c, d, e);
      const id = table.find(a, b, c, d, e, hash);
      return id >= 0 ? id : table.insert(a, b, c, d, e, hash);
    });

  it('numbers equal tuples alike and distinct ones apart, in first-seen order, and reads their words back', () => {
    fc.assert(
      fc.property(fc.array(tuple, { maxLength: 3000 }), (tuples) => {
        const table = new TupleTable();
        expect(numberAll(table, tuples)).toEqual(referenceNumbers(tuples.map((t) => t.join(' '))));
        const distinct = [...new Set(tuples.map((t) => t.join(' ')))];
        expect(table.size).toBe(distinct.length);
        distinct.forEach((key, id) => {
          expect(Array.from({ length: TUPLE_WORDS }, (_, k) => table.word(id, k)).join(' ')).toBe(key);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('keeps its numbers over many chunks of tuples and many doublings of its index', () => {
    const table = new TupleTable();
    const tuples: number[][] = [];
    for (let i = 0; i < 70_000; i++) tuples.push([i % 301, (i * 7919) % 50_021, i % 3, (i % 65_536) << 16, i % 2]);
    const first = numberAll(table, tuples);
    expect(numberAll(table, tuples)).toEqual(first);
    expect(first).toEqual(referenceNumbers(tuples.map((t) => t.join(' '))));
    expect(table.size).toBe(new Set(tuples.map((t) => t.join(' '))).size);
    const last = table.size - 1;
    expect(Array.from({ length: TUPLE_WORDS }, (_, k) => table.word(last, k))).toEqual(tuples[first.lastIndexOf(last)]);
  });
});
