import type { HourlyRecords } from './hourly-records';
import { hourOf } from './flow-key';

/** Hours one counter tells apart; records starting in further hours are counted in no hour (FlowAggregate.hourly allows that). */
const MAX_HOURS = 1 << 20;
/** No pair: the end of an entry's list, or an entry without one. */
const NONE = -1;
/** Pairs a chunk of the pool holds: the pool grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** One chunk of (aggregate, hour) pairs: each pair's hour (its number in first-seen order), records and next pair of its aggregate. */
class PairChunk {
  readonly hour = new Uint32Array(CHUNK_SIZE);
  readonly next = new Int32Array(CHUNK_SIZE);
  counts: Uint32Array | Float64Array = new Uint32Array(CHUNK_SIZE);
  /** The most a count may reach in `counts`: Infinity once they are float64. */
  countLimit: number;

  constructor(narrowLimit: number) {
    this.countLimit = narrowLimit;
  }

  /** The counts as float64 from now on, their values unchanged. */
  widen(): void {
    this.counts = new Float64Array(this.counts);
    this.countLimit = Infinity;
  }
}

/**
 * Records per (aggregate, hour of start), for FlowAggregate.hourly: each aggregate's hours as a
 * list threaded through a pool of typed-array chunks, so counting an hour allocates nothing, memory
 * grows with the number of (aggregate, hour) pairs seen (12 bytes a pair) and not with the records,
 * and growing never holds the pool twice. The hour a record counts in is almost always its
 * aggregate's latest (flow logs come roughly in time order), so a pair found is moved to the front
 * of its list and the next record of that hour finds it first. Hours are numbered in the order they
 * are first seen (a window holds few). Counts are uint32 until one would pass `narrowLimit`: from
 * then on that chunk's are float64, as exact as they were.
 */
export class FlowHourCounts {
  private readonly slotOfHour = new Map<number, number>();
  private hours: number[] = [];
  /** Each aggregate's first pair (NONE: no record counted). */
  private heads = new Int32Array(1024).fill(NONE);
  private chunks: PairChunk[] = [];
  private used = 0;

  /** `narrowLimit`: the most a uint32 count holds (2^32 - 1); smaller only to see the counts widen. */
  constructor(private readonly narrowLimit = 0xffffffff) {}

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
    if (entry >= this.heads.length) this.growHeads(entry);
    const { heads, chunks } = this;
    const head = heads[entry];
    let previous: PairChunk | null = null;
    let previousAt = 0;
    for (let pair = head; pair !== NONE;) {
      const chunk = chunks[pair >>> CHUNK_BITS];
      const at = pair & CHUNK_MASK;
      if (chunk.hour[at] === slot) {
        const count = chunk.counts[at] + 1;
        if (count > chunk.countLimit) chunk.widen();
        chunk.counts[at] = count;
        if (previous) {
          previous.next[previousAt] = chunk.next[at];
          chunk.next[at] = head;
          heads[entry] = pair;
        }
        return;
      }
      previous = chunk;
      previousAt = at;
      pair = chunk.next[at];
    }
    const pair = this.used++;
    const at = pair & CHUNK_MASK;
    if (at === 0) chunks.push(new PairChunk(this.narrowLimit));
    const chunk = chunks[pair >>> CHUNK_BITS];
    chunk.hour[at] = slot;
    chunk.counts[at] = 1;
    chunk.next[at] = head;
    heads[entry] = pair;
  }

  /** Every aggregate's records per hour, handed over as they are held; the counter is empty afterwards. */
  packed(): PackedHourCounts {
    const packed = new PackedHourCounts(this.heads, this.chunks, this.hours);
    this.slotOfHour.clear();
    this.hours = [];
    this.heads = new Int32Array(1024).fill(NONE);
    this.chunks = [];
    this.used = 0;
    return packed;
  }

  /** Room for aggregate `entry` in `heads`, by half again at least. */
  private growHeads(entry: number): void {
    const grown = new Int32Array(Math.max(entry + 1, Math.ceil(this.heads.length * 1.5))).fill(NONE);
    grown.set(this.heads);
    this.heads = grown;
  }
}

/** Per-aggregate hour lists as FlowHourCounts held them, read one aggregate at a time. */
export class PackedHourCounts {
  constructor(
    private readonly heads: Int32Array,
    private readonly chunks: readonly PairChunk[],
    private readonly hourOfSlot: readonly number[],
  ) {}

  /** Aggregate `entry`'s records per hour, hours ascending, as a new list (undefined: none counted). */
  of(entry: number): HourlyRecords | undefined {
    const { heads, chunks, hourOfSlot } = this;
    if (entry >= heads.length || heads[entry] === NONE) return undefined;
    const out: number[] = [];
    for (let pair = heads[entry]; pair !== NONE;) {
      const chunk = chunks[pair >>> CHUNK_BITS];
      const at = pair & CHUNK_MASK;
      // Insertion by hour: a list holds an aggregate's hours, a handful in a window.
      const hour = hourOfSlot[chunk.hour[at]];
      let i = out.length;
      out.push(0, 0);
      while (i > 0 && out[i - 2] > hour) {
        out[i] = out[i - 2];
        out[i + 1] = out[i - 1];
        i -= 2;
      }
      out[i] = hour;
      out[i + 1] = chunk.counts[at];
      pair = chunk.next[at];
    }
    return out;
  }
}
