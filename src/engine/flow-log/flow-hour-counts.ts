import type { HourlyRecords } from './hourly-records';
import { hourOf } from './flow-key';

/** Hours one counter tells apart; records starting in further hours are counted in no hour (FlowAggregate.hourly allows that). */
const MAX_HOURS = 1 << 20;
const EMPTY = -1;
/**
 * How the table grows when 3/4 full: by half, not double. A day's pairs run to millions, and a
 * doubling just past 3/4 would leave the table more than half empty (tens of MB at a day's size)
 * and hold old and new at once (three times the table); growing by half, the table is at least 1/2
 * full and a growth holds two and a half.
 */
const GROWTH = 1.5;

/** The slot a hash (uint32) starts probing at in a table of `capacity` slots: its place in [0, capacity), from its high bits. */
const firstSlot = (hash: number, capacity: number): number => Math.floor((hash * capacity) / 4294967296);

/**
 * Records per (aggregate, hour of start), for FlowAggregate.hourly: one open-addressing hash table
 * in typed arrays, so counting an hour allocates nothing and memory grows with the number of
 * (aggregate, hour) pairs seen, not with the number of records. Hours are numbered in the order
 * they are first seen (a window holds few), and a pair is the number `entry * MAX_HOURS + hour`.
 * The counts are uint32 (12 bytes a slot rather than 16) until one would pass `narrowLimit`: from
 * then on they are float64, as exact as they were.
 */
export class FlowHourCounts {
  private readonly slotOfHour = new Map<number, number>();
  private hours: number[] = [];
  private keys = new Float64Array(1024).fill(EMPTY);
  private counts: Uint32Array | Float64Array = new Uint32Array(1024);
  /** The most a count may reach in `counts`: Infinity once they are float64. */
  private countLimit: number;
  private used = 0;

  /** `narrowLimit`: the most a uint32 count holds (2^32 - 1); smaller only to see the counts widen. */
  constructor(private readonly narrowLimit = 0xffffffff) {
    this.countLimit = narrowLimit;
  }

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
    const capacity = this.keys.length;
    let i = firstSlot(hashOf(key), capacity);
    for (;;) {
      const k = this.keys[i];
      if (k === key) {
        const count = this.counts[i] + 1;
        if (count > this.countLimit) this.widen();
        this.counts[i] = count;
        return;
      }
      if (k === EMPTY) break;
      if (++i === capacity) i = 0;
    }
    this.keys[i] = key;
    this.counts[i] = 1;
    // Let fill to 3/4 (a well-mixed hash keeps linear probes short there): a day's pairs are many.
    if (++this.used * 4 > capacity * 3) this.grow();
  }

  /**
   * Every aggregate's records per hour, handed over in the table's own two arrays (no copy, so the
   * table and the lists are never held twice): the pairs moved to the front, renumbered by hour
   * rank and sorted by (aggregate, hour) in place, until an aggregate's list is asked for. The
   * counter is empty afterwards.
   */
  packed(): PackedHourCounts {
    const { keys, counts, hours } = this;
    const byHour = Array.from(hours.keys()).sort((a, b) => hours[a] - hours[b]);
    const rankOf = new Int32Array(hours.length);
    byHour.forEach((slot, rank) => (rankOf[slot] = rank));
    let used = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === EMPTY) continue;
      const entry = Math.floor(key / MAX_HOURS);
      keys[used] = entry * MAX_HOURS + rankOf[key - entry * MAX_HOURS];
      counts[used++] = counts[i];
    }
    sortPairs(keys, counts, 0, used - 1);
    const packed = new PackedHourCounts(
      keys,
      counts,
      used,
      byHour.map((slot) => hours[slot]),
    );
    this.slotOfHour.clear();
    this.hours = [];
    this.keys = new Float64Array(1024).fill(EMPTY);
    this.counts = new Uint32Array(1024);
    this.countLimit = this.narrowLimit;
    this.used = 0;
    return packed;
  }

  /** The counts as float64 from now on, their values unchanged. */
  private widen(): void {
    this.counts = new Float64Array(this.counts);
    this.countLimit = Infinity;
  }

  private grow(): void {
    const { keys, counts } = this;
    const capacity = Math.ceil(keys.length * GROWTH);
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.counts = counts instanceof Uint32Array ? new Uint32Array(capacity) : new Float64Array(capacity);
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j];
      if (key === EMPTY) continue;
      let i = firstSlot(hashOf(key), capacity);
      while (this.keys[i] !== EMPTY) if (++i === capacity) i = 0;
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

/** Below this many pairs a range is sorted by insertion. */
const INSERTION_SORT_MAX = 16;

/** Sorts `keys[lo..hi]` ascending in place (distinct keys), moving `counts` along: a quicksort recursing into the smaller side. */
function sortPairs(keys: Float64Array, counts: Uint32Array | Float64Array, lo: number, hi: number): void {
  while (hi - lo > INSERTION_SORT_MAX) {
    const mid = lo + ((hi - lo) >>> 1);
    // The median of three as the pivot, left at `mid`.
    if (keys[mid] < keys[lo]) swap(keys, counts, mid, lo);
    if (keys[hi] < keys[lo]) swap(keys, counts, hi, lo);
    if (keys[hi] < keys[mid]) swap(keys, counts, hi, mid);
    const pivot = keys[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i] < pivot) i++;
      while (keys[j] > pivot) j--;
      if (i <= j) swap(keys, counts, i++, j--);
    }
    if (j - lo < hi - i) {
      sortPairs(keys, counts, lo, j);
      lo = i;
    } else {
      sortPairs(keys, counts, i, hi);
      hi = j;
    }
  }
  for (let k = lo + 1; k <= hi; k++) {
    const key = keys[k];
    const count = counts[k];
    let at = k;
    while (at > lo && keys[at - 1] > key) {
      keys[at] = keys[at - 1];
      counts[at] = counts[at - 1];
      at--;
    }
    keys[at] = key;
    counts[at] = count;
  }
}

function swap(keys: Float64Array, counts: Uint32Array | Float64Array, a: number, b: number): void {
  const key = keys[a];
  keys[a] = keys[b];
  keys[b] = key;
  const count = counts[a];
  counts[a] = counts[b];
  counts[b] = count;
}

/**
 * Per-aggregate hour pairs: `used` pair numbers (`entry * MAX_HOURS + hour rank`) sorted, with
 * their counts beside them. Read in aggregate order (as the aggregates are made) each list starts
 * where the last one ended; otherwise it is found by bisection.
 */
export class PackedHourCounts {
  private next = 0;

  constructor(
    private readonly keys: Float64Array,
    private readonly counts: Uint32Array | Float64Array,
    private readonly used: number,
    private readonly hourOfRank: readonly number[],
  ) {}

  /** Aggregate `entry`'s records per hour, as a new list (undefined: none counted). */
  of(entry: number): HourlyRecords | undefined {
    const { keys, used } = this;
    const first = entry * MAX_HOURS;
    let at = this.next;
    if (!((at === 0 || keys[at - 1] < first) && (at === used || keys[at] >= first))) {
      let lo = 0;
      let hi = used;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < first) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
    }
    let end = at;
    while (end < used && keys[end] < first + MAX_HOURS) end++;
    this.next = end;
    if (end === at) return undefined;
    const out = new Array<number>(2 * (end - at));
    for (let i = at; i < end; i++) {
      out[2 * (i - at)] = this.hourOfRank[keys[i] - first];
      out[2 * (i - at) + 1] = this.counts[i];
    }
    return out;
  }
}
