import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import { eachFlow, type FlowRows } from '../../engine/flow-log/flow-rows';
import { hourOf } from '../../engine/flow-log/flow-key';
import { forEachHour } from '../../engine/flow-log/hourly-records';

/** Records of one flow key in one time bucket (bucket start ISO), as correlate takes them. */
export interface BucketCount {
  key: string;
  bucket: string;
  records: number;
}

/**
 * The first hour (epoch seconds) whose counts an analysis of the window writes, when every REJECT
 * aggregate carries per-hour counts (whichever source counted them: the file collector or the
 * Athena query); undefined when one does not (e.g. a format without `start`): correlate then keeps
 * one bucket for the window.
 *
 * Findings keep their buckets merged by hour, a bucket written again replacing the old one, so a
 * re-analysed hour is never counted twice. An analysis writes only the hours from the one its
 * window starts in: a record that started in an earlier hour (and ends inside the window) is in
 * the window's aggregates but not in its counts over time, because that hour belongs to the
 * analysis that covered it, whose whole count a few straddling records must not replace. So
 * consecutive hour-aligned windows add up to exactly the records per hour of their union.
 */
export function hourlyCountsFrom(aggregates: FlowRows, window: { from: Date }): number | undefined {
  for (const flow of eachFlow(aggregates)) if (flow.action === 'REJECT' && !flow.hourly) return undefined;
  return hourOf(Math.floor(window.from.getTime() / 1000));
}

/**
 * Adds a finding's flows' records per hour (from `firstHour` on) to its buckets, keyed by the
 * hour's start (ISO): straight from each aggregate, without a list of every key × hour.
 */
export function addHourlyCounts(buckets: Map<number, number>, flow: FlowAggregate, firstHour: number): void {
  // Read once: a stored aggregate makes the list at each read.
  const hourly = flow.hourly;
  if (!hourly) return;
  forEachHour(hourly, (hour, records) => {
    if (hour >= firstHour) buckets.set(hour, (buckets.get(hour) ?? 0) + records);
  });
}

/** The ISO texts of the hours seen lately: an analysis's findings share the few dozen hours of its window. */
const isoHours = new Map<number, string>();
const ISO_HOURS_KEPT = 10_000;

/** The hour's start (epoch seconds) as ISO text. */
function isoHour(hour: number): string {
  let text = isoHours.get(hour);
  if (text === undefined) {
    if (isoHours.size >= ISO_HOURS_KEPT) isoHours.clear();
    text = new Date(hour * 1000).toISOString();
    isoHours.set(hour, text);
  }
  return text;
}

/** Buckets by hour start (ISO), in time order. */
export function bucketsByIsoHour(buckets: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [hour, records] of [...buckets].sort((a, b) => a[0] - b[0])) out[isoHour(hour)] = records;
  return out;
}
