/**
 * Epoch seconds as ISO 8601 UTC with second precision: `2023-11-14T22:13:20Z`. The text is one
 * flat string, made of its character codes: a concatenated or replaced text would be a chain of
 * pieces holding the whole ISO text (about 110 bytes for 20 characters), and an analysis's
 * findings keep hundreds of thousands of them. The calendar date is worked out by arithmetic
 * (`civilDate`), not through a Date and its text.
 */
export function isoSeconds(epochSeconds: number): string {
  const seconds = Math.trunc(epochSeconds);
  const day = Math.floor(seconds / SECONDS_PER_DAY);
  const { year, month, dayOfMonth } = civilDate(day);
  // Date writes other years with a sign and six digits.
  if (!(year >= 0 && year <= 9999)) return slowIsoSeconds(seconds);
  const within = seconds - day * SECONDS_PER_DAY;
  const hours = Math.floor(within / 3600);
  const minutes = Math.floor(within / 60) % 60;
  const secs = within % 60;
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    DASH,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    DASH,
    ZERO + Math.floor(dayOfMonth / 10),
    ZERO + (dayOfMonth % 10),
    UPPER_T,
    ZERO + Math.floor(hours / 10),
    ZERO + (hours % 10),
    COLON,
    ZERO + Math.floor(minutes / 10),
    ZERO + (minutes % 10),
    COLON,
    ZERO + Math.floor(secs / 10),
    ZERO + (secs % 10),
    UPPER_Z,
  );
}

const SECONDS_PER_DAY = 86_400;
const ZERO = 48;
const DASH = 45;
const COLON = 58;
const UPPER_T = 84;
const UPPER_Z = 90;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const DAYS_FROM_MARCH_0000 = 719_468;
const DAYS_PER_ERA = 146_097;

/**
 * The proleptic Gregorian date of a day counted from 1970-01-01: years counted from March in
 * 400-year eras (146,097 days each), so that the leap day ends a year (H. Hinnant's
 * `civil_from_days`).
 */
function civilDate(daysSinceEpoch: number): { year: number; month: number; dayOfMonth: number } {
  const z = daysSinceEpoch + DAYS_FROM_MARCH_0000;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / (DAYS_PER_ERA - 1))) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
}

/** Any time Date can write (years of six digits included), through its ISO text. */
function slowIsoSeconds(seconds: number): string {
  const text = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const codes = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode(...codes);
}
