/** Highest rule number a user entry may take (32767/32768 are the catch-all denies). */
export const MAX_USER_RULE_NUMBER = 32766;
const STEP = 10;

/**
 * `count` free NACL rule numbers that all evaluate BEFORE `before` (the first deny that matches
 * the blocked flows). They are taken from the gap just above the last existing user entry below
 * `before` (the catch-all denies, 32767 and 32768, are none), so every earlier entry (including narrower denies) keeps precedence over the new
 * allow: multiples of 10 when the gap has room, else consecutive free numbers; when the gap is
 * too small, other free numbers below `before`, nearest first. Null when fewer than `count` exist.
 */
export function freeRuleNumbersBefore(used: Iterable<number>, before: number, count: number): number[] | null {
  const taken = new Set<number>();
  // The catch-all denies are no entries to follow: an IPv6 flow's first deny may be 32768, past the IPv4 one.
  let previous = 0;
  for (const n of used) {
    taken.add(n);
    if (n < before && n <= MAX_USER_RULE_NUMBER && n > previous) previous = n;
  }
  const limit = Math.min(before - 1, MAX_USER_RULE_NUMBER);
  const isFree = (n: number) => n >= 1 && n <= limit && !taken.has(n);
  const tens: number[] = [];
  for (let n = Math.floor(previous / STEP) * STEP + STEP; n <= limit && tens.length < count; n += STEP) if (isFree(n)) tens.push(n);
  if (tens.length === count) return tens;
  const gap: number[] = [];
  for (let n = previous + 1; n <= limit && gap.length < count; n++) if (isFree(n)) gap.push(n);
  if (gap.length === count) return gap;
  const anywhere: number[] = [];
  for (let n = limit; n >= 1 && anywhere.length < count; n--) if (!taken.has(n)) anywhere.push(n);
  return anywhere.length === count ? anywhere.sort((a, b) => a - b) : null;
}
