/**
 * The two hash tables a FlowAggregator keys its entries by, both open addressing over typed arrays,
 * so that a lookup allocates nothing and memory grows with what is distinct, never with the records:
 * `ByteStringTable` numbers the distinct texts of the keys (interface ids and addresses: a day holds
 * few), and `TupleTable` numbers the distinct keys as a few integers each (those text numbers, the
 * ports and a packed header), about a third of the bytes of the key spelled out.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over `bytes[start, start + length)`, as an int32. */
export function hashBytes(bytes: Uint8Array, start: number, length: number): number {
  let hash = FNV_OFFSET;
  for (let i = start, end = start + length; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  // As an int32, as the slots hold it (the offset itself, for no bytes, is above 2^31).
  return hash | 0;
}

/** Int32 fields per hash slot: entry number + 1 (0: empty), key hash. */
const SLOT_FIELDS = 2;

function grownInt32(from: Int32Array): Int32Array<ArrayBuffer> {
  const to = new Int32Array(from.length * 2);
  to.set(from);
  return to;
}

/** Where a hash starts probing in a table of `mask + 1` slots. */
const firstSlot = (hash: number, mask: number): number => (hash ^ (hash >>> 15)) & mask;

/**
 * Distinct byte strings, each numbered by insertion order: an open-addressing hash table over one
 * growing byte arena where the strings follow one another (one ends where the next begins). A slot
 * carries the entry and its string's hash, so a lookup reads one slot, and one arena span only when
 * the hashes agree.
 */
export class ByteStringTable {
  arena = new Uint8Array(1 << 12);
  /** Per entry: where its string ends in the arena (it starts where the previous one ends). */
  ends = new Int32Array(256);
  /** SLOT_FIELDS int32 per slot; kept at most half full. */
  private slots = new Int32Array(512 * SLOT_FIELDS);
  private slotMask = 511;
  size = 0;

  /** Where string `id` starts in the arena. */
  startOf(id: number): number {
    return id === 0 ? 0 : this.ends[id - 1];
  }

  /** The number of the string `bytes[start, start + length)`, numbering it if it is new. */
  intern(bytes: Uint8Array, start: number, length: number): number {
    const hash = hashBytes(bytes, start, length);
    const id = this.find(bytes, start, length, hash);
    return id >= 0 ? id : this.insert(bytes, start, length, hash);
  }

  /** The number of the string `bytes[start, start + length)`, or -1. */
  find(bytes: Uint8Array, start: number, length: number, hash: number): number {
    const slots = this.slots;
    const arena = this.arena;
    const ends = this.ends;
    const mask = this.slotMask;
    for (let slot = firstSlot(hash, mask); ; slot = (slot + 1) & mask) {
      const at = slot * SLOT_FIELDS;
      const id = slots[at] - 1;
      if (id < 0) return -1;
      if (slots[at + 1] !== hash) continue;
      const offset = id === 0 ? 0 : ends[id - 1];
      if (ends[id] - offset !== length) continue;
      let i = 0;
      while (i < length && arena[offset + i] === bytes[start + i]) i++;
      if (i === length) return id;
    }
  }

  /** Adds a string that find() did not find; returns its number. */
  insert(bytes: Uint8Array, start: number, length: number, hash: number): number {
    const id = this.size++;
    if (id === this.ends.length) this.ends = grownInt32(this.ends);
    const used = this.startOf(id);
    if (used + length > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, used + length));
      next.set(this.arena.subarray(0, used));
      this.arena = next;
    }
    const arena = this.arena;
    for (let i = 0; i < length; i++) arena[used + i] = bytes[start + i];
    this.ends[id] = used + length;
    if (this.size * 2 > this.slotMask + 1) this.rehash();
    place(this.slots, this.slotMask, id, hash);
    return id;
  }

  private rehash(): void {
    const old = this.slots;
    this.slotMask = this.slotMask * 2 + 1;
    this.slots = rehashed(old, this.slotMask);
  }
}

function place(slots: Int32Array, mask: number, id: number, hash: number): void {
  let slot = firstSlot(hash, mask);
  while (slots[slot * SLOT_FIELDS] !== 0) slot = (slot + 1) & mask;
  const at = slot * SLOT_FIELDS;
  slots[at] = id + 1;
  slots[at + 1] = hash;
}

function rehashed(old: Int32Array, mask: number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array((mask + 1) * SLOT_FIELDS);
  for (let at = 0; at < old.length; at += SLOT_FIELDS) {
    if (old[at] !== 0) place(slots, mask, old[at] - 1, old[at + 1]);
  }
  return slots;
}

/** Int32 words per tuple. */
export const TUPLE_WORDS = 5;
/** Tuples per chunk of words: the words grow without copying and are released chunk by chunk. */
export const TUPLE_CHUNK_BITS = 13;
const TUPLE_CHUNK_ENTRIES = 1 << TUPLE_CHUNK_BITS;
const TUPLE_CHUNK_MASK = TUPLE_CHUNK_ENTRIES - 1;
const RELEASED = new Int32Array(0);

/** One word into a murmur3-style running hash. */
function mix(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** A 32-bit hash of five words (murmur3's steps). */
export function hashTuple(a: number, b: number, c: number, d: number, e: number): number {
  let h = mix(mix(mix(mix(mix(0, a), b), c), d), e);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Where the index of a TupleTable starts: its slot count's power of two. */
const TUPLE_INDEX_BITS = 10;

/**
 * Distinct tuples of TUPLE_WORDS int32 words, each numbered by insertion order. The words are
 * kept in chunks of TUPLE_CHUNK_ENTRIES tuples (no copy as they grow). The index is let fill to
 * 3/4 before it doubles, and a slot is one int32: with 2^b slots, its low b bits hold the number + 1
 * (0: empty; the numbers stay below the slot count) and its high 32 - b bits the key hash's top
 * bits, so a probe reads the words only when those bits agree. Half the index of a slot carrying
 * the whole hash beside the number, which at a day's millions of keys is tens of megabytes; a
 * doubling hashes the words again.
 */
export class TupleTable {
  private readonly words: Int32Array[] = [];
  private slots = new Int32Array(1 << TUPLE_INDEX_BITS);
  /** b: the slot count's power of two. */
  private indexBits = TUPLE_INDEX_BITS;
  size = 0;

  /** The number of the tuple (a, b, c, d, e), or -1; `hash` is hashTuple(a, b, c, d, e). */
  find(a: number, b: number, c: number, d: number, e: number, hash: number): number {
    const slots = this.slots;
    const bits = this.indexBits;
    const mask = slots.length - 1;
    const tag = hash >>> bits;
    for (let slot = firstSlot(hash, mask); ; slot = (slot + 1) & mask) {
      const held = slots[slot];
      if (held === 0) return -1;
      if (held >>> bits !== tag) continue;
      const id = (held & mask) - 1;
      const words = this.words[id >>> TUPLE_CHUNK_BITS];
      const w = (id & TUPLE_CHUNK_MASK) * TUPLE_WORDS;
      if (words[w] === a && words[w + 1] === b && words[w + 2] === c && words[w + 3] === d && words[w + 4] === e) return id;
    }
  }

  /** Adds a tuple that find() did not find; returns its number. */
  insert(a: number, b: number, c: number, d: number, e: number, hash: number): number {
    const id = this.size++;
    if (id >>> TUPLE_CHUNK_BITS === this.words.length) this.words.push(new Int32Array(TUPLE_CHUNK_ENTRIES * TUPLE_WORDS));
    const words = this.words[id >>> TUPLE_CHUNK_BITS];
    const w = (id & TUPLE_CHUNK_MASK) * TUPLE_WORDS;
    words[w] = a;
    words[w + 1] = b;
    words[w + 2] = c;
    words[w + 3] = d;
    words[w + 4] = e;
    if (this.size * 4 > this.slots.length * 3) this.grow();
    else this.place(id, hash);
    return id;
  }

  /** Doubles the index, every tuple placed again by the hash of its words (this one's included). */
  private grow(): void {
    this.indexBits++;
    this.slots = new Int32Array(1 << this.indexBits);
    for (let id = 0; id < this.size; id++) {
      const words = this.words[id >>> TUPLE_CHUNK_BITS];
      const w = (id & TUPLE_CHUNK_MASK) * TUPLE_WORDS;
      this.place(id, hashTuple(words[w], words[w + 1], words[w + 2], words[w + 3], words[w + 4]));
    }
  }

  private place(id: number, hash: number): void {
    const slots = this.slots;
    const bits = this.indexBits;
    const mask = slots.length - 1;
    let slot = firstSlot(hash, mask);
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = ((hash >>> bits) << bits) | (id + 1);
  }

  /** Word `k` (0 to TUPLE_WORDS - 1) of tuple `id`. */
  word(id: number, k: number): number {
    return this.words[id >>> TUPLE_CHUNK_BITS][(id & TUPLE_CHUNK_MASK) * TUPLE_WORDS + k];
  }

  /** Drops the hash index (the tuples stay readable by number): find and insert must not be called after. */
  releaseIndex(): void {
    this.slots = new Int32Array(0);
  }

  /** Drops the words of the chunk holding tuple `id`: that chunk's tuples must not be read after. */
  releaseChunk(id: number): void {
    this.words[id >>> TUPLE_CHUNK_BITS] = RELEASED;
  }
}
