import { describe, expect, it } from 'vitest';
import { acceptedCodingOf } from '../../../src/common/http/content-coding';

const CASES: Array<[string | undefined, 'gzip' | 'identity']> = [
  [undefined, 'identity'],
  ['', 'identity'],
  ['gzip', 'gzip'],
  ['gzip, deflate, br', 'gzip'],
  ['br, deflate', 'identity'],
  ['*', 'gzip'],
  ['identity;q=1, gzip;q=0.5', 'identity'],
  ['gzip;q=0.5, identity;q=0.5', 'gzip'],
  ['gzip;q=0', 'identity'],
  ['identity;q=0', 'identity'],
  ['GZIP', 'gzip'],
  ['x-gzip', 'identity'],
];

describe('acceptedCodingOf', () => {
  it('chooses gzip only when the client accepts it at least as much as identity', () => {
    for (const [header, coding] of CASES) expect({ header, coding: acceptedCodingOf(header) }).toEqual({ header, coding });
  });

  it('gives the same answer for a header seen before, and after many others have been seen', () => {
    for (let round = 0; round < 2; round++) {
      for (const [header, coding] of CASES) expect(acceptedCodingOf(header)).toBe(coding);
      // More distinct values than are remembered: the earlier answers are forgotten, not changed.
      for (let i = 0; i < 300; i++) expect(acceptedCodingOf(`gzip;q=0.${i % 10}, br, x-${i}`)).toBe(i % 10 === 0 ? 'identity' : 'gzip');
    }
  });
});
