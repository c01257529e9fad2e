import { ipv4Text, ipv4Value } from '../ip/ip-address';
import type { Direction, FlowAggregate } from './flow-record';
import type { FlowRows } from './flow-rows';
import type { HourlyRecords } from './hourly-records';

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

// Numbers per entry in `Chunk.counts` (whole numbers from 0 to 2^32 - 1: records, packets, bytes,
// epoch seconds). An aggregate with more (a day of backups between two hosts can pass 4 GB) is kept as it came.
const C_RECORDS = 0;
const C_FIRST = 1;
const C_LAST = 2;
const C_PACKETS = 3;
const C_BYTES = 4;
const COUNT_FIELDS = 5;

// Bits of `Chunk.bits`: which ports are null, the direction, the action, the service side, whether
// the entry has per-hour counts, which addresses are held as IPv4 values.
const NULL_SRCPORT = 1 << 0;
const NULL_DSTPORT = 1 << 1;
const NULL_EPHEMERAL_MIN = 1 << 2;
const NULL_EPHEMERAL_MAX = 1 << 3;
const DIRECTION_SHIFT = 4; // 2 bits: 0 null, 1 ingress, 2 egress
const REJECT = 1 << 6;
const SIDE_SHIFT = 7; // 2 bits: 0 null, 1 src, 2 dst
const HAS_HOURLY = 1 << 9;
const SRC_IPV4 = 1 << 10; // `sources` holds the address's IPv4 value, not a text's index
const DST_IPV4 = 1 << 11; // the same for `destinations`

const NO_TEXT = -1;
/** The most hours one entry's counts keep in its chunk (more go as a kept object). */
const MAX_HOUR_PAIRS = 0xffff;

const DIRECTIONS: readonly (Direction | null)[] = [null, 'ingress', 'egress'];
const SIDES: readonly ('src' | 'dst' | null)[] = [null, 'src', 'dst'];

/** A number `Chunk.counts` holds exactly: a whole number from 0 to 2^32 - 1 (not -0). */
const isCount = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 0xffffffff && !Object.is(value, -0);

/** The value of an address in the dotted-quad form `ipv4Text` writes back exactly; null for any other (kept as text). */
const ipv4Of = (address: string): number | null => (typeof address === 'string' ? ipv4Value(address) : null);

const isPort = (value: number | null): boolean => value === null || (Number.isInteger(value) && value >= 0 && value <= 0xffff);

/**
 * The columns of up to CHUNK_SIZE aggregates. Texts (interfaces, addresses, accounts, VPCs,
 * subnets, reasons) are numbers into the store's one table of distinct texts, except an IPv4
 * address in its dotted-quad form, which is held as its value: a day of internet peers is a
 * million distinct addresses, each some 30 bytes of string kept for the whole analysis.
 */
class Chunk {
  readonly interfaces = new Int32Array(CHUNK_SIZE);
  /** The (account, VPC, subnet) of each entry, as an index into `placeTexts`. */
  readonly places = new Int32Array(CHUNK_SIZE);
  /** An index into `texts`, or the IPv4 value when the entry's SRC_IPV4 bit is set. */
  readonly sources = new Uint32Array(CHUNK_SIZE);
  /** An index into `texts`, or the IPv4 value when the entry's DST_IPV4 bit is set. */
  readonly destinations = new Uint32Array(CHUNK_SIZE);
  /** Made when one of the chunk's entries first has a reason (NO_TEXT for those without): logs in the default format have none. */
  reasons: Int32Array | null = null;
  readonly srcports = new Uint16Array(CHUNK_SIZE);
  readonly dstports = new Uint16Array(CHUNK_SIZE);
  readonly ephemeralMins = new Uint16Array(CHUNK_SIZE);
  readonly ephemeralMaxs = new Uint16Array(CHUNK_SIZE);
  readonly protocols = new Uint8Array(CHUNK_SIZE);
  /** `tcp-flags` OR-ed (9 bits as AWS logs them), -1 when null; made when one of the chunk's entries first has flags. */
  tcpFlags: Int16Array | null = null;
  readonly bits = new Uint16Array(CHUNK_SIZE);
  readonly counts = new Uint32Array(CHUNK_SIZE * COUNT_FIELDS);
  /** Where each entry's hour pairs start in `hours` (a byte offset), and how many pairs it has. */
  readonly hourStarts = new Int32Array(CHUNK_SIZE);
  readonly hourPairs = new Uint16Array(CHUNK_SIZE);
  /**
   * Each entry's hour pairs (hour start, records: whole numbers below 2^32, as isCount), one after
   * another as variable-length numbers (writeVarint): each hour start as its difference from the
   * one before (the first from 0), zigzag-coded so that any order is kept, then its records. A
   * pair of a day's hours takes about 3 bytes where two uint32 took 8: an input that logs each flow
   * in many hours holds millions of pairs. Grown as they come and trimmed to what is used once the
   * chunk is full.
   */
  hours = new Uint8Array(CHUNK_SIZE * 4);
  hoursUsed = 0;

  constructor(
    readonly texts: readonly string[],
    readonly placeTexts: readonly (readonly [string | null, string | null, string | null])[],
  ) {}

  addHours(offset: number, hourly: HourlyRecords): void {
    // A number below 2^33 takes at most 5 bytes.
    const most = this.hoursUsed + hourly.length * 5;
    if (most > this.hours.length) {
      const grown = new Uint8Array(Math.max(this.hours.length * 2, most));
      grown.set(this.hours.subarray(0, this.hoursUsed));
      this.hours = grown;
    }
    this.hourStarts[offset] = this.hoursUsed;
    this.hourPairs[offset] = hourly.length / 2;
    let at = this.hoursUsed;
    let previous = 0;
    for (let i = 0; i < hourly.length; i += 2) {
      const difference = hourly[i] - previous;
      at = writeVarint(this.hours, at, difference >= 0 ? difference * 2 : -difference * 2 - 1);
      at = writeVarint(this.hours, at, hourly[i + 1]);
      previous = hourly[i];
    }
    this.hoursUsed = at;
  }

  /** Entry `offset`'s hour pairs, as a new list. */
  hourlyOf(offset: number): HourlyRecords {
    const { hours } = this;
    const out = new Array<number>(2 * this.hourPairs[offset]);
    const cursor = { at: this.hourStarts[offset] };
    let hour = 0;
    for (let i = 0; i < out.length; i += 2) {
      const zigzag = readVarint(hours, cursor);
      hour += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      out[i] = hour;
      out[i + 1] = readVarint(hours, cursor);
    }
    return out;
  }

  /** Drops the room the hour pairs were given beyond what they use: no more entries will come. */
  trimHours(): void {
    if (this.hours.length > this.hoursUsed) this.hours = this.hours.slice(0, this.hoursUsed);
  }
}

/**
 * Writes `value` (a whole number below 2^53) at `at` in 7-bit groups, lowest first, the high bit
 * set on every byte but the last; returns where the next number goes.
 */
function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    const low = value & 0x7f;
    bytes[at++] = low | 0x80;
    value = (value - low) / 0x80;
  }
  bytes[at++] = value;
  return at;
}

/** The number writeVarint wrote at `cursor.at`; moves `cursor.at` past it. */
function readVarint(bytes: Uint8Array, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = bytes[cursor.at++];
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
  } while (byte & 0x80);
  return value;
}

/**
 * One aggregate of a FlowAggregateStore, read from its chunk's columns field by field. It holds
 * two references where a FlowAggregate object holds some twenty fields and the texts' and numbers'
 * own objects; `toJSON` writes the plain aggregate.
 */
class StoredFlowAggregate implements FlowAggregate {
  constructor(
    private readonly chunk: Chunk,
    private readonly at: number,
  ) {}

  get interfaceId(): string {
    return this.chunk.texts[this.chunk.interfaces[this.at]];
  }
  get accountId(): string | null {
    return this.chunk.placeTexts[this.chunk.places[this.at]][0];
  }
  get vpcId(): string | null {
    return this.chunk.placeTexts[this.chunk.places[this.at]][1];
  }
  get subnetId(): string | null {
    return this.chunk.placeTexts[this.chunk.places[this.at]][2];
  }
  get flowDirection(): Direction | null {
    return DIRECTIONS[(this.chunk.bits[this.at] >>> DIRECTION_SHIFT) & 3];
  }
  /** A new string at each read for an address held as an IPv4 value. */
  get srcaddr(): string {
    const { bits, sources, texts } = this.chunk;
    return bits[this.at] & SRC_IPV4 ? ipv4Text(sources[this.at]) : texts[sources[this.at]];
  }
  get dstaddr(): string {
    const { bits, destinations, texts } = this.chunk;
    return bits[this.at] & DST_IPV4 ? ipv4Text(destinations[this.at]) : texts[destinations[this.at]];
  }
  get srcport(): number | null {
    return this.chunk.bits[this.at] & NULL_SRCPORT ? null : this.chunk.srcports[this.at];
  }
  get dstport(): number | null {
    return this.chunk.bits[this.at] & NULL_DSTPORT ? null : this.chunk.dstports[this.at];
  }
  get protocol(): number {
    return this.chunk.protocols[this.at];
  }
  get action(): 'ACCEPT' | 'REJECT' {
    return this.chunk.bits[this.at] & REJECT ? 'REJECT' : 'ACCEPT';
  }
  get tcpFlags(): number | null {
    const flags = this.chunk.tcpFlags?.[this.at] ?? -1;
    return flags < 0 ? null : flags;
  }
  get rejectReason(): string | null {
    const reason = this.chunk.reasons?.[this.at] ?? NO_TEXT;
    return reason === NO_TEXT ? null : this.chunk.texts[reason];
  }
  get servicePortSide(): 'src' | 'dst' | null {
    return SIDES[(this.chunk.bits[this.at] >>> SIDE_SHIFT) & 3];
  }
  get ephemeralPortMin(): number | null {
    return this.chunk.bits[this.at] & NULL_EPHEMERAL_MIN ? null : this.chunk.ephemeralMins[this.at];
  }
  get ephemeralPortMax(): number | null {
    return this.chunk.bits[this.at] & NULL_EPHEMERAL_MAX ? null : this.chunk.ephemeralMaxs[this.at];
  }
  get records(): number {
    return this.chunk.counts[this.at * COUNT_FIELDS + C_RECORDS];
  }
  get packets(): number {
    return this.chunk.counts[this.at * COUNT_FIELDS + C_PACKETS];
  }
  get bytes(): number {
    return this.chunk.counts[this.at * COUNT_FIELDS + C_BYTES];
  }
  get firstSeen(): number {
    return this.chunk.counts[this.at * COUNT_FIELDS + C_FIRST];
  }
  get lastSeen(): number {
    return this.chunk.counts[this.at * COUNT_FIELDS + C_LAST];
  }
  /** A new list each time it is read. */
  get hourly(): HourlyRecords | undefined {
    if (!(this.chunk.bits[this.at] & HAS_HOURLY)) return undefined;
    return this.chunk.hourlyOf(this.at);
  }

  toJSON(): FlowAggregate {
    return plainFlowAggregate(this);
  }
}

/**
 * The aggregates of one analysis window in columns, about a third of the memory of as many
 * FlowAggregate objects: filled one aggregate at a time as a flow source reads, then read by row
 * (FlowRows), each `at` making a small FlowAggregate that reads the columns, so no list of them is
 * ever held. An aggregate whose values the
 * columns cannot hold exactly (a port or protocol out of its range, a non-integer, a value not of
 * its type, records, packets, bytes, times, hours or hour counts that are not whole numbers below 2^32, tens of thousands of hours) is kept as it came, so every aggregate reads back exactly as it was added.
 */
export class FlowAggregateStore implements FlowRows {
  private readonly chunks: Chunk[] = [];
  private readonly texts: string[] = [];
  private readonly placeTexts: (readonly [string | null, string | null, string | null])[] = [];
  private textIds: Map<string, number> | null = new Map();
  private placeIds: Map<string | null, Map<string | null, Map<string | null, number>>> | null = new Map();
  private stored = 0;
  private readonly kept: FlowAggregate[] = [];

  /** How many aggregates were added. */
  get size(): number {
    return this.stored + this.kept.length;
  }

  /** The rows: as many as aggregates were added. */
  get length(): number {
    return this.size;
  }

  add(flow: FlowAggregate): void {
    if (!this.textIds || !this.placeIds) throw new Error('FlowAggregateStore: aggregates cannot be added once a row was read');
    const hourly = flow.hourly;
    const direction = DIRECTIONS.indexOf(flow.flowDirection);
    const side = SIDES.indexOf(flow.servicePortSide);
    if (
      direction < 0 ||
      side < 0 ||
      (flow.action !== 'REJECT' && flow.action !== 'ACCEPT') ||
      !isPort(flow.srcport) ||
      !isPort(flow.dstport) ||
      !isPort(flow.ephemeralPortMin) ||
      !isPort(flow.ephemeralPortMax) ||
      !(Number.isInteger(flow.protocol) && flow.protocol >= 0 && flow.protocol <= 0xff) ||
      !(flow.tcpFlags === null || (Number.isInteger(flow.tcpFlags) && flow.tcpFlags >= 0 && flow.tcpFlags <= 0x7fff)) ||
      !isCount(flow.records) ||
      !isCount(flow.packets) ||
      !isCount(flow.bytes) ||
      !isCount(flow.firstSeen) ||
      !isCount(flow.lastSeen) ||
      (hourly !== undefined && (hourly.length % 2 !== 0 || hourly.length / 2 > MAX_HOUR_PAIRS || !hourly.every(isCount)))
    ) {
      this.kept.push(flow);
      return;
    }
    const offset = this.stored & CHUNK_MASK;
    if (offset === 0) {
      this.chunks.at(-1)?.trimHours();
      this.chunks.push(new Chunk(this.texts, this.placeTexts));
    }
    const chunk = this.chunks[this.chunks.length - 1];
    this.stored++;
    chunk.interfaces[offset] = this.textId(flow.interfaceId);
    chunk.places[offset] = this.placeId(flow.accountId, flow.vpcId, flow.subnetId);
    const src = ipv4Of(flow.srcaddr);
    chunk.sources[offset] = src ?? this.textId(flow.srcaddr);
    const dst = ipv4Of(flow.dstaddr);
    chunk.destinations[offset] = dst ?? this.textId(flow.dstaddr);
    if (flow.rejectReason !== null) (chunk.reasons ??= new Int32Array(CHUNK_SIZE).fill(NO_TEXT))[offset] = this.textId(flow.rejectReason);
    chunk.srcports[offset] = flow.srcport ?? 0;
    chunk.dstports[offset] = flow.dstport ?? 0;
    chunk.ephemeralMins[offset] = flow.ephemeralPortMin ?? 0;
    chunk.ephemeralMaxs[offset] = flow.ephemeralPortMax ?? 0;
    chunk.protocols[offset] = flow.protocol;
    if (flow.tcpFlags !== null) (chunk.tcpFlags ??= new Int16Array(CHUNK_SIZE).fill(-1))[offset] = flow.tcpFlags;
    const c = offset * COUNT_FIELDS;
    chunk.counts[c + C_RECORDS] = flow.records;
    chunk.counts[c + C_FIRST] = flow.firstSeen;
    chunk.counts[c + C_LAST] = flow.lastSeen;
    chunk.counts[c + C_PACKETS] = flow.packets;
    chunk.counts[c + C_BYTES] = flow.bytes;
    let bits =
      (flow.srcport === null ? NULL_SRCPORT : 0) |
      (flow.dstport === null ? NULL_DSTPORT : 0) |
      (flow.ephemeralPortMin === null ? NULL_EPHEMERAL_MIN : 0) |
      (flow.ephemeralPortMax === null ? NULL_EPHEMERAL_MAX : 0) |
      (direction << DIRECTION_SHIFT) |
      (flow.action === 'REJECT' ? REJECT : 0) |
      (side << SIDE_SHIFT) |
      (src !== null ? SRC_IPV4 : 0) |
      (dst !== null ? DST_IPV4 : 0);
    if (hourly !== undefined) {
      bits |= HAS_HOURLY;
      chunk.addHours(offset, hourly);
    }
    chunk.bits[offset] = bits;
  }

  /**
   * The aggregate of `row` (a negative row counts from the end, as an array's `at`), in the order
   * they were added (those kept as they came last): a new object reading the columns at each call
   * for a stored one, the object itself for a kept one. Adding ends at the first read: the text
   * indexes are dropped.
   */
  at(row: number): FlowAggregate | undefined {
    if (this.textIds) {
      this.textIds = null;
      this.placeIds = null;
      this.chunks.at(-1)?.trimHours();
    }
    const index = row < 0 ? this.size + row : row;
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    if (index < this.stored) return new StoredFlowAggregate(this.chunks[index >>> CHUNK_BITS], index & CHUNK_MASK);
    return this.kept[index - this.stored];
  }

  private textId(text: string): number {
    const ids = this.textIds!;
    let id = ids.get(text);
    if (id === undefined) {
      id = this.texts.push(text) - 1;
      ids.set(text, id);
    }
    return id;
  }

  private placeId(account: string | null, vpc: string | null, subnet: string | null): number {
    let byVpc = this.placeIds!.get(account);
    if (!byVpc) this.placeIds!.set(account, (byVpc = new Map()));
    let bySubnet = byVpc.get(vpc);
    if (!bySubnet) byVpc.set(vpc, (bySubnet = new Map()));
    let id = bySubnet.get(subnet);
    if (id === undefined) {
      id = this.placeTexts.push([account, vpc, subnet]) - 1;
      bySubnet.set(subnet, id);
    }
    return id;
  }
}

/**
 * An aggregate as a plain object with exactly the FlowAggregate fields, in one order, whatever
 * held it (a FlowAggregateStore's column reader, a source's object with fields of its own): what
 * is stored or serialized. `hourly` is copied unless `withHourly` is false.
 */
export function plainFlowAggregate(flow: FlowAggregate, withHourly = true): FlowAggregate {
  const plain: FlowAggregate = {
    interfaceId: flow.interfaceId,
    accountId: flow.accountId,
    vpcId: flow.vpcId,
    subnetId: flow.subnetId,
    flowDirection: flow.flowDirection,
    srcaddr: flow.srcaddr,
    dstaddr: flow.dstaddr,
    srcport: flow.srcport,
    dstport: flow.dstport,
    protocol: flow.protocol,
    action: flow.action,
    tcpFlags: flow.tcpFlags,
    rejectReason: flow.rejectReason,
    servicePortSide: flow.servicePortSide,
    ephemeralPortMin: flow.ephemeralPortMin,
    ephemeralPortMax: flow.ephemeralPortMax,
    records: flow.records,
    packets: flow.packets,
    bytes: flow.bytes,
    firstSeen: flow.firstSeen,
    lastSeen: flow.lastSeen,
  };
  const hourly = withHourly ? flow.hourly : undefined;
  if (hourly !== undefined) plain.hourly = [...hourly];
  return plain;
}
