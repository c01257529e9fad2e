import fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';

import { ipv4Text, ipv4Value } from '../../../../src/engine/ip/ip-address';

/** The reference: four decimal parts, each 0-255, none with a leading zero, as ipaddr.js reads them. */
function referenceValue(text: string): number | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) || text.split('.').some((part) => part.length > 1 && part.startsWith('0'))) return null;
  return ipaddr.IPv4.parse(text)
    .toByteArray()
    .reduce((value, byte) => value * 256 + byte, 0);
}

describe('ipv4Value and ipv4Text', () => {
  it('writes every IPv4 value as a dotted quad that reads back as the same value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const text = ipv4Text(value);
        expect(text).toBe(ipaddr.fromByteArray([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]).toString());
        expect(ipv4Value(text)).toBe(value);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads only the texts that ipv4Text writes back exactly, as the reference does', () => {
    const looksLikeOne = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc
        .array(fc.oneof(fc.nat(300).map(String), fc.constantFrom('00', '01', '010', '0x1', '', ' 1', '1 ', '+1', '1e2')), {
          minLength: 1,
          maxLength: 5,
        })
        .map((parts) => parts.join('.')),
      fc.string({ maxLength: 16 }),
    );
    fc.assert(
      fc.property(looksLikeOne, (text) => {
        const value = ipv4Value(text);
        expect(value).toBe(referenceValue(text));
        if (value !== null) expect(ipv4Text(value)).toBe(text);
      }),
      { numRuns: 5000 },
    );
  });
});
