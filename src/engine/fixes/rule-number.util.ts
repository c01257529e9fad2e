/** Highest rule number a user entry may take (32767/32768 are the catch-all denies). */
export const MAX_USER_RULE_NUMBER = 32766;
const STEP = 10;

/**
 * `count` free NACL rule numbers that all evaluate BEFORE `before` (the first deny that matches
 * the blocked flows). They are taken from the gap just above the last existing entry below
 * `before`, so every earlier entry (including narrower denies) keeps precedence over the new
 * allow: multiples of 10 when the gap has room, else consecutive free numbers; when the gap is
 * too small, other free numbers below `before`, nearest first. Null when fewer than `count` exist.
 */
export function freeRuleNumbersBefore(used: Iterable<number>, before: number, count: number): number[] | null {
  const taken = new Set(used);
  const limit = Math.min(before - 1, MAX_USER_RULE_NUMBER);
  const below = [...taken].filter((n) => n < before);
  const previous = below.length ? Math.max(...below) : 0;
  const pick = (candidates: number[]): number[] | null => {
    const free = candidates.filter((n) => n >= 1 && n <= limit && !taken.has(n));
    return free.length >= count ? free.slice(0, count) : null;
  };
  const roundStart = Math.floor(previous / STEP) * STEP + STEP;
  const tens: number[] = [];
  for (let n = roundStart; n <= limit && tens.length < count; n += STEP) tens.push(n);
  const gap: number[] = [];
  for (let n = previous + 1; n <= limit && gap.length < count; n++) gap.push(n);
  const anywhere: number[] = [];
  for (let n = limit; n >= 1 && anywhere.length < count; n--) if (!taken.has(n)) anywhere.push(n);
  return pick(tens) ?? pick(gap) ?? pick(anywhere.sort((a, b) => a - b));
}
