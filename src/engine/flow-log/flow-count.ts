/**
 * The counts of a flow-log record (`packets`, `bytes`) are 64-bit integers — BIGINT in AWS's
 * Athena table for flow logs — where every other numeric field has a small range of its own. A
 * count is read up to 2^63 - 1 as the nearest double: past 2^53 it is no longer exact, but a flow
 * that carried that much is kept rather than lost as a malformed line. A count of more digits, or
 * larger, is no count AWS writes.
 */

/** 2^63 - 1, the largest count, as AWS writes it. */
export const MAX_COUNT_TEXT = '9223372036854775807';
/** The digits of MAX_COUNT_TEXT: no count has more. */
const MAX_COUNT_DIGITS = MAX_COUNT_TEXT.length;
/** Up to this many digits, the digits summed one by one are the exact value (below 2^53). */
const EXACT_DIGITS = 15;

const CODE_0 = 48;
const CODE_9 = 57;

/** Whether `text` (digits only) is at most 2^63 - 1 written in at most 19 digits. */
export function isCountDigits(text: string): boolean {
  return text.length < MAX_COUNT_DIGITS || (text.length === MAX_COUNT_DIGITS && text <= MAX_COUNT_TEXT);
}

/**
 * The decimal a token of at most `maxDigits` digits spells, or -1 when it is empty, longer, or not
 * digits only. Summed digit by digit: exact up to 15 digits, rounded at each step beyond.
 */
export function parseDigits(token: string, maxDigits: number): number {
  const len = token.length;
  if (len === 0 || len > maxDigits) return -1;
  let value = 0;
  for (let i = 0; i < len; i++) {
    const c = token.charCodeAt(i);
    if (c < CODE_0 || c > CODE_9) return -1;
    value = value * 10 + (c - CODE_0);
  }
  return value;
}

/** The count a token spells (nearest double), or -1 when it is not digits only or is past 2^63 - 1. */
export function parseCount(token: string): number {
  const value = parseDigits(token, MAX_COUNT_DIGITS);
  if (value < 0 || token.length <= EXACT_DIGITS) return value;
  // Number() rounds the decimal to the nearest double once, where the sum above rounded at each digit.
  return isCountDigits(token) ? Number(token) : -1;
}

/** parseCount of the token `bytes[start, end)`, read as ASCII. */
export function parseCountBytes(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > MAX_COUNT_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c < CODE_0 || c > CODE_9) return -1;
    value = value * 10 + (c - CODE_0);
  }
  return len <= EXACT_DIGITS ? value : parseCount(String.fromCharCode(...bytes.subarray(start, end)));
}
