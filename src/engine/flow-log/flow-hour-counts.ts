import type { HourlyRecords } from './hourly-records';
import { hourOf } from './flow-key';

/** Hours one counter tells apart; records starting in further hours are counted in no hour (FlowAggregate.hourly allows that). */
const MAX_HOURS = 1 << 20;
const EMPTY = -1;

/**
 * Records per (aggregate, hour of start), for FlowAggregate.hourly: one open-addressing hash table
 * in typed arrays, so counting an hour allocates nothing and memory grows with the number of
 * (aggregate, hour) pairs seen, not with the number of records. Hours are numbered in the order
 * they are first seen (a window holds few), and a pair is the number `entry * MAX_HOURS + hour`.
 */
export class FlowHourCounts {
  private readonly slotOfHour = new Map<number, number>();
  private readonly hours: number[] = [];
  private keys = new Float64Array(1024).fill(EMPTY);
  private counts = new Float64Array(1024);
  private used = 0;

  /** Counts one record of aggregate `entry` that started at `startSeconds`. */
  add(entry: number, startSeconds: number): void {
    const hour = hourOf(startSeconds);
    let slot = this.slotOfHour.get(hour);
    if (slot === undefined) {
      if (this.hours.length >= MAX_HOURS) return;
      slot = this.hours.length;
      this.hours.push(hour);
      this.slotOfHour.set(hour, slot);
    }
    const key = entry * MAX_HOURS + slot;
    const mask = this.keys.length - 1;
    let i = hashOf(key) & mask;
    for (;;) {
      const k = this.keys[i];
      if (k === key) {
        this.counts[i]++;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & mask;
    }
    this.keys[i] = key;
    this.counts[i] = 1;
    // Let fill to 3/4 (a well-mixed hash keeps linear probes short there): a day's pairs are many.
    if (++this.used * 4 > this.keys.length * 3) this.grow();
  }

  /**
   * Every aggregate's records per hour, held in two flat arrays until an aggregate's list is asked
   * for, so that the lists exist only as their aggregates are made. The pairs are 32-bit when every
   * hour and count fits (epoch hours do until 2106), half the bytes of float64; the offsets are
   * counted, then used as the cursors the pairs are placed by, so they are never copied.
   */
  packed(entries: number): PackedHourCounts {
    const { keys, counts, hours } = this;
    const starts = new Int32Array(entries + 1);
    let narrow = true;
    for (const hour of hours) if (!(Number.isInteger(hour) && hour >= 0 && hour <= 0xffffffff)) narrow = false;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      starts[Math.floor(keys[i] / MAX_HOURS) + 1] += 2;
      if (counts[i] > 0xffffffff) narrow = false;
    }
    for (let entry = 0; entry < entries; entry++) starts[entry + 1] += starts[entry];
    const pairs = narrow ? new Uint32Array(starts[entries]) : new Float64Array(starts[entries]);
    // Placed in table order, each entry's from its start on: `starts[entry]` moves to its end...
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === EMPTY) continue;
      const entry = Math.floor(key / MAX_HOURS);
      const at = starts[entry];
      starts[entry] = at + 2;
      pairs[at] = hours[key - entry * MAX_HOURS];
      pairs[at + 1] = counts[i];
    }
    // ...which is the next entry's start: moved back one place, the offsets are starts again.
    for (let entry = entries; entry > 0; entry--) starts[entry] = starts[entry - 1];
    starts[0] = 0;
    // Then each entry's few pairs put in hour order.
    for (let entry = 0; entry < entries; entry++) {
      const start = starts[entry];
      const end = starts[entry + 1];
      for (let j = start + 2; j < end; j += 2) {
        const hour = pairs[j];
        const records = pairs[j + 1];
        let at = j;
        while (at > start && pairs[at - 2] > hour) {
          pairs[at] = pairs[at - 2];
          pairs[at + 1] = pairs[at - 1];
          at -= 2;
        }
        pairs[at] = hour;
        pairs[at + 1] = records;
      }
    }
    return new PackedHourCounts(starts, pairs);
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.counts = new Float64Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j];
      if (key === EMPTY) continue;
      let i = hashOf(key) & mask;
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = key;
      this.counts[i] = counts[j];
    }
  }
}

/** A 32-bit mix of a pair number (below 2^53): its low and high words through a multiplicative hash. */
function hashOf(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per-aggregate hour pairs in one flat list, entry `e`'s at `pairs[starts[e]]` up to `pairs[starts[e + 1]]`. */
export class PackedHourCounts {
  constructor(
    private readonly starts: Int32Array,
    private readonly pairs: Uint32Array | Float64Array,
  ) {}

  /** Aggregate `entry`'s records per hour, as a new list (undefined: none counted). */
  of(entry: number): HourlyRecords | undefined {
    const start = this.starts[entry];
    const end = this.starts[entry + 1];
    return start === end ? undefined : Array.from(this.pairs.subarray(start, end));
  }
}
