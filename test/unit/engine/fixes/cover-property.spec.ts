import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { type CoverOptions, coverAddresses } from '../../../../src/engine/ip/cidr-cover';
import { referenceCoverAddresses } from '../../../support/reference-cover';

/** Addresses clustered in a few blocks, so merges, absorption and ties all happen. */
const ipv4 = fc
  .tuple(
    fc.constantFrom(10, 172, 192, 203),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 7 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
const ipv6 = fc
  .tuple(fc.constantFrom('2001:db8', 'fd00:1'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xfff }))
  .map(([prefix, b, c]) => `${prefix}:${b}::${c.toString(16)}`);
const address = fc.oneof(
  { weight: 4, arbitrary: ipv4 },
  { weight: 1, arbitrary: ipv6 },
  { weight: 1, arbitrary: fc.constant('not-an-ip') },
);

const options: fc.Arbitrary<CoverOptions> = fc.record({
  maxPrefixes: fc.integer({ min: 1, max: 8 }),
  minPrefixLength: fc.record({ 4: fc.integer({ min: 8, max: 30 }), 6: fc.integer({ min: 32, max: 124 }) }),
  mergeWithin: fc.option(fc.record({ 4: fc.integer({ min: 20, max: 31 }), 6: fc.integer({ min: 100, max: 127 }) }), { nil: undefined }),
  subnets: fc.option(
    fc.array(fc.constantFrom('10.0.0.0/24', '10.0.0.0/22', '10.1.2.0/24', '172.0.0.0/16', '192.1.0.0/22', '2001:db8:1::/64', 'bad'), {
      maxLength: 4,
    }),
    { nil: undefined },
  ),
  subnetThreshold: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
});

describe('coverAddresses', () => {
  it('gives exactly the simple pairwise cover', () => {
    fc.assert(
      fc.property(fc.array(address, { maxLength: 120 }), options, (addresses, opts) => {
        expect(coverAddresses(addresses, opts)).toEqual(referenceCoverAddresses(addresses, opts));
      }),
      { numRuns: 400 },
    );
  });

  it('grows n log n: 16,000 internet peers cost about 10× as much as 2,000 (quadratic: 64×)', () => {
    const peers = (n: number) =>
      Array.from({ length: n }, (_, i) => `${((i * 7919) % 200) + 11}.${(i * 104729) % 256}.${(i * 31) % 256}.${i % 256}`);
    const opts: CoverOptions = { maxPrefixes: 5, minPrefixLength: { 4: 16, 6: 48 }, mergeWithin: { 4: 27, 6: 120 } };
    const time = (n: number) => {
      const input = peers(n);
      let best = Number.POSITIVE_INFINITY;
      // The fastest of three runs: other work on the machine only ever adds time.
      for (let run = 0; run < 3; run++) {
        const start = performance.now();
        coverAddresses(input, opts);
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    const small = time(2_000);
    const large = time(16_000);
    // Wide of n log n's ~10× for a loaded machine, far below the quadratic cover's 64×.
    expect(large / small).toBeLessThan(30);
  });
});
