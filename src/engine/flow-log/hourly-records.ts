/**
 * An aggregate's records per hour of their `start`, as one flat list of pairs: the hour's start
 * (epoch seconds, a multiple of 3600) then its records (> 0), hours ascending and each hour once.
 * Most aggregates fall in one hour, and a two-number array is a third of the memory of an object
 * keyed by the hour, which matters at a million aggregates.
 */
export type HourlyRecords = readonly number[];

/** The pairs of `byHour` (hour start, as a number or its text → records) in hour order. */
export function hourlyRecordsOf(byHour: Readonly<Record<number | string, number>>): number[] {
  const pairs = Object.entries(byHour).map(([hour, records]) => [Number(hour), records] as const);
  pairs.sort((a, b) => a[0] - b[0]);
  // Allocated at its size, not grown by pushes that leave room for more: there are a million.
  const out = new Array<number>(pairs.length * 2);
  pairs.forEach(([hour, records], i) => {
    out[2 * i] = hour;
    out[2 * i + 1] = records;
  });
  return out;
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
