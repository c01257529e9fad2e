import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import { flowKey, hourOf } from '../../engine/flow-log/flow-key';

/** Records of one flow key in one time bucket (bucket start ISO), as correlate takes them. */
export interface BucketCount {
  key: string;
  bucket: string;
  records: number;
}

/**
 * The per-hour counts of an analysis's REJECT aggregates, whichever source counted them (the
 * file collector or the Athena query), as correlate takes them: one bucket per flow key and hour,
 * keyed by the hour's start (ISO).
 *
 * Findings keep these buckets merged by hour, a bucket written again replacing the old one, so a
 * re-analysed hour is never counted twice. An analysis writes only the hours from the one its
 * window starts in: a record that started in an earlier hour (and ends inside the window) is in
 * the window's aggregates but not in its counts over time, because that hour belongs to the
 * analysis that covered it, whose whole count a few straddling records must not replace. So
 * consecutive hour-aligned windows add up to exactly the records per hour of their union.
 *
 * Undefined when some REJECT aggregate carries no per-hour counts (e.g. a format without
 * `start`): correlate then keeps one bucket for the window.
 */
export function hourlyBucketCounts(aggregates: readonly FlowAggregate[], window: { from: Date }): BucketCount[] | undefined {
  const firstHour = hourOf(Math.floor(window.from.getTime() / 1000));
  const perKey = new Map<string, Map<number, number>>();
  for (const flow of aggregates) {
    if (flow.action !== 'REJECT') continue;
    if (!flow.hourly) return undefined;
    const key = flowKey(flow);
    const hours = perKey.get(key) ?? new Map<number, number>();
    perKey.set(key, hours);
    for (const [text, records] of Object.entries(flow.hourly)) {
      const hour = Number(text);
      if (hour < firstHour) continue;
      hours.set(hour, (hours.get(hour) ?? 0) + records);
    }
  }
  const counts: BucketCount[] = [];
  for (const [key, hours] of perKey) {
    for (const [hour, records] of [...hours].sort((a, b) => a[0] - b[0])) {
      counts.push({ key, bucket: new Date(hour * 1000).toISOString(), records });
    }
  }
  return counts;
}

