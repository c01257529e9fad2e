import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * `evt_` + a ULID (48-bit millisecond time, 80 random bits, Crockford base32): ids sort by
 * creation time, which keeps the events index append-only and makes logs easy to read.
 */
export function newEventId(now: number): string {
  const random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  return `evt_${encode(BigInt(now), 10)}${encode(random, 16)}`;
}
