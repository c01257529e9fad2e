import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random bytes drawn from the system's generator a few thousand at a time, handed out ten per id. */
const RANDOM_POOL = Buffer.alloc(10 * 512);
let poolOffset = RANDOM_POOL.length;

function randomTen(): number {
  if (poolOffset === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  return at;
}

/**
 * `evt_` + a ULID (48-bit millisecond time, 80 random bits, Crockford base32): ids sort by
 * creation time, which keeps the events index append-only and makes logs easy to read. Written
 * without big integers (an analysis names one event per new finding): the time in ten digits of
 * five bits, most significant first, then the random bytes read five bits at a time.
 */
export function newEventId(now: number): string {
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    const digit = rest % 32;
    time = CROCKFORD[digit]! + time;
    rest = (rest - digit) / 32;
  }
  const at = randomTen();
  let random = '';
  let bits = 0;
  let held = 0;
  for (let i = at; i < at + 10; i++) {
    held = (held << 8) | RANDOM_POOL[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += CROCKFORD[(held >> bits) & 31]!;
    }
    held &= (1 << bits) - 1;
  }
  return `evt_${time}${random}`;
}
