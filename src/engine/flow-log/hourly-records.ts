/**
 * An aggregate's records per hour of their `start`, as one flat list of pairs: the hour's start
 * (epoch seconds, a multiple of 3600) then its records (> 0), hours ascending and each hour once.
 * Most aggregates fall in one hour, and a two-number array is a third of the memory of an object
 * keyed by the hour, which matters at a million aggregates.
 */
export type HourlyRecords = readonly number[];

/** The pairs of `byHour` (hour start → records) in hour order. */
export function hourlyRecordsOf(byHour: Iterable<readonly [number, number]> | Readonly<Record<number, number>>): number[] {
  const pairs: [number, number][] = isIterable(byHour)
    ? [...byHour].map(([h, r]) => [h, r])
    : Object.entries(byHour).map(([h, r]) => [Number(h), r]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [hour, records] of pairs) {
    if (out.length && out[out.length - 2] === hour) out[out.length - 1] += records;
    else out.push(hour, records);
  }
  // Copied to its size: a list that grew by pushes keeps room for more, and there are a million.
  return out.slice();
}

/** Adds `records` to `hour` in a mutable list, keeping the hours in order. */
export function addHourRecords(hourly: number[], hour: number, records: number): void {
  let i = hourly.length - 2;
  while (i >= 0 && hourly[i] > hour) i -= 2;
  if (i >= 0 && hourly[i] === hour) hourly[i + 1] += records;
  else hourly.splice(i + 2, 0, hour, records);
}

/** Calls `visit` with every hour and its records, hours ascending. */
export function forEachHour(hourly: HourlyRecords, visit: (hour: number, records: number) => void): void {
  for (let i = 0; i < hourly.length; i += 2) visit(hourly[i], hourly[i + 1]);
}

/** The list as an object keyed by hour start, for reading it in tests and reports. */
export function hourlyRecordsByHour(hourly: HourlyRecords): Record<number, number> {
  const out: Record<number, number> = {};
  forEachHour(hourly, (hour, records) => (out[hour] = records));
  return out;
}

function isIterable<T>(value: unknown): value is Iterable<T> {
  return typeof (value as Iterable<T>)[Symbol.iterator] === 'function';
}
