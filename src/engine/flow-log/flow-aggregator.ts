import type { Direction, FlowAggregate, FlowRecord } from './flow-record';
import { ActionToken, DirectionCode, LogStatusCode, ScannedFlow, textOf } from './flow-line-scanner';
import { FlowHourCounts, type PackedHourCounts } from './flow-hour-counts';
import { ByteStringTable, hashTuple, TupleTable } from './flow-key-tables';
import { hourOf } from './flow-key';
import { addHourRecords, type HourlyRecords } from './hourly-records';
import { CollapsedPorts, collapsePorts, PortCollapse, portCollapseOf } from './port-collapse';

export type FlowAction = 'ACCEPT' | 'REJECT';

export interface FlowAggregatorOptions {
  /**
   * Actions to keep. REJECT alone is enough to diagnose; add ACCEPT for return-traffic detection and
   * for "the same service is accepted from other peers". Default: REJECT only.
   */
  actions?: readonly FlowAction[];
  /**
   * Also count REJECT records per hour of their `start` (FlowAggregate.hourly), in the same pass
   * and under the same key. Default: no per-hour counts.
   */
  hourly?: boolean;
}

/** The fields every aggregated record must carry; a record without one of them is not a usable flow. */
interface UsableFlow {
  interfaceId: string;
  srcaddr: string;
  dstaddr: string;
  protocol: number;
  action: FlowAction;
}

function usableFlow(record: FlowRecord): UsableFlow | null {
  const status = record['log-status'];
  if (status !== undefined && status !== null && status !== 'OK') return null;
  const interfaceId = record['interface-id'];
  const srcaddr = record.srcaddr;
  const dstaddr = record.dstaddr;
  const protocol = record.protocol;
  const action = record.action;
  if (!interfaceId || !srcaddr || !dstaddr || typeof protocol !== 'number') return null;
  if (action !== 'ACCEPT' && action !== 'REJECT') return null;
  return { interfaceId, srcaddr, dstaddr, protocol, action };
}

function directionOf(record: FlowRecord): Direction | null {
  const d = record['flow-direction'];
  return d === 'ingress' || d === 'egress' ? d : null;
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * One record as a flow without collapsing its ports (records = 1): what `explain` evaluates.
 * Null for NODATA/SKIPDATA records and records that lack interface, addresses, protocol or action.
 */
export function recordToFlow(record: FlowRecord): FlowAggregate | null {
  const flow = usableFlow(record);
  if (!flow) return null;
  const tcpFlags = record['tcp-flags'];
  const start = numberOr(record.start, 0);
  return {
    interfaceId: flow.interfaceId,
    accountId: stringOrNull(record['account-id']),
    vpcId: stringOrNull(record['vpc-id']),
    subnetId: stringOrNull(record['subnet-id']),
    flowDirection: directionOf(record),
    srcaddr: flow.srcaddr,
    dstaddr: flow.dstaddr,
    srcport: typeof record.srcport === 'number' ? record.srcport : null,
    dstport: typeof record.dstport === 'number' ? record.dstport : null,
    protocol: flow.protocol,
    action: flow.action,
    tcpFlags: typeof tcpFlags === 'number' ? tcpFlags : null,
    rejectReason: stringOrNull(record['reject-reason']),
    servicePortSide: null,
    ephemeralPortMin: null,
    ephemeralPortMax: null,
    records: 1,
    packets: numberOr(record.packets, 0),
    bytes: numberOr(record.bytes, 0),
    firstSeen: start,
    lastSeen: numberOr(record.end, start),
  };
}

interface Entry {
  aggregate: FlowAggregate;
  /** Some records disagreed on reject-reason: the aggregate keeps null. */
  reasonConflict: boolean;
  /** No record carried start/end yet: firstSeen/lastSeen are placeholders. */
  timeSeen: boolean;
  /** REJECT records per hour of start, counted in place; the aggregates handed out get a copy. */
  hourly: number[] | null;
}

const portKey = (port: number | null): string => (port === null ? '-' : String(port));

/**
 * The aggregation key as text, for the records the byte table does not take (strings holding a space
 * or non-ASCII characters, numbers outside the flow-log ranges): only hand-built records are like that.
 */
function textKey(flow: UsableFlow, direction: Direction | null, ports: CollapsedPorts): string {
  return (
    flow.interfaceId +
    ' ' +
    (direction ?? '-') +
    ' ' +
    flow.srcaddr +
    ' ' +
    flow.dstaddr +
    ' ' +
    flow.protocol +
    ' ' +
    (ports.servicePortSide === 'dst' ? '*' : portKey(ports.srcport)) +
    ' ' +
    (ports.servicePortSide === 'src' ? '*' : portKey(ports.dstport)) +
    ' ' +
    flow.action
  );
}

function compareNullable(a: number | null, b: number | null): number {
  return (a ?? -1) - (b ?? -1);
}

function compareText(a: string | null, b: string | null): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Deterministic order: by interface, action, protocol, service ports, then peers and direction. */
export function compareAggregates(a: FlowAggregate, b: FlowAggregate): number {
  return (
    compareText(a.interfaceId, b.interfaceId) ||
    compareText(a.action, b.action) ||
    a.protocol - b.protocol ||
    compareNullable(a.dstport, b.dstport) ||
    compareNullable(a.srcport, b.srcport) ||
    compareText(a.srcaddr, b.srcaddr) ||
    compareText(a.dstaddr, b.dstaddr) ||
    compareText(a.flowDirection, b.flowDirection) ||
    compareText(a.servicePortSide, b.servicePortSide)
  );
}

/**
 * For each item, the rank of its text among all the items' texts in compareText order (equal texts,
 * equal ranks): sorting then compares small integers instead of the same long strings again and again.
 */
function textRanks<T>(items: readonly T[], text: (item: T) => string | null): Int32Array {
  const distinct = new Map<string, number>();
  for (const item of items) distinct.set(text(item) ?? '', 0);
  const sorted = [...distinct.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  sorted.forEach((value, rank) => distinct.set(value, rank));
  const ranks = new Int32Array(items.length);
  items.forEach((item, i) => (ranks[i] = distinct.get(text(item) ?? '') as number));
  return ranks;
}

/** `items` sorted by compareAggregates, comparing precomputed ranks and numbers only. */
function sortAggregates(items: FlowAggregate[]): FlowAggregate[] {
  const n = items.length;
  const iface = textRanks(items, (a) => a.interfaceId);
  const src = textRanks(items, (a) => a.srcaddr);
  const dst = textRanks(items, (a) => a.dstaddr);
  // Fields with a few known values rank directly, in compareText order (null reads as '').
  const action = new Int8Array(n);
  const direction = new Int8Array(n);
  const side = new Int8Array(n);
  const protocol = new Float64Array(n);
  const dstport = new Float64Array(n);
  const srcport = new Float64Array(n);
  items.forEach((a, i) => {
    action[i] = a.action === 'ACCEPT' ? 0 : 1;
    direction[i] = a.flowDirection === null ? 0 : a.flowDirection === 'egress' ? 1 : 2;
    side[i] = a.servicePortSide === null ? 0 : a.servicePortSide === 'dst' ? 1 : 2;
    protocol[i] = a.protocol;
    dstport[i] = a.dstport ?? -1;
    srcport[i] = a.srcport ?? -1;
  });
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(
    (a, b) =>
      iface[a] - iface[b] ||
      action[a] - action[b] ||
      protocol[a] - protocol[b] ||
      dstport[a] - dstport[b] ||
      srcport[a] - srcport[b] ||
      src[a] - src[b] ||
      dst[a] - dst[b] ||
      direction[a] - direction[b] ||
      side[a] - side[b],
  );
  return order.map((i) => items[i]);
}

const SPACE = 32;
const FIRST_NON_ASCII = 128;
/** Port tags in a key: no port (`-`), collapsed (`*`), a port value. */
const PORT_NONE = 0;
const PORT_COLLAPSED = 1;
const PORT_VALUE = 2;

/** The words of an entry's tuple: the numbers of its interface id and addresses, its ports (source << 16 | destination), its head. */
const W_INTERFACE = 0;
const W_SOURCE = 1;
const W_DESTINATION = 2;
const W_PORTS = 3;
const W_HEAD = 4;

/** Bit positions in a tuple's head: direction code, source and destination port tags, action token, protocol. */
const HEAD_DIRECTION = 0;
const HEAD_SRC_TAG = 2;
const HEAD_DST_TAG = 4;
const HEAD_ACTION = 6;
const HEAD_PROTOCOL = 8;

/**
 * The keys of the entries, by entry number: the head, the port values, and the interface id and
 * addresses as numbers of distinct texts (each decoded once).
 */
interface DecodedKeys {
  heads: Int32Array;
  srcports: Uint16Array;
  dstports: Uint16Array;
  interfaces: Int32Array;
  sources: Int32Array;
  destinations: Int32Array;
  texts: string[];
}

/** Every text of the table, by its number. */
function decodeTexts(table: ByteStringTable): string[] {
  const texts = new Array<string>(table.size);
  for (let id = 0; id < table.size; id++) texts[id] = textOf(table.arena, table.startOf(id), table.ends[id]);
  return texts;
}

function decodeKeys(tuples: TupleTable, texts: string[]): DecodedKeys {
  const n = tuples.size;
  const keys: DecodedKeys = {
    heads: new Int32Array(n),
    srcports: new Uint16Array(n),
    dstports: new Uint16Array(n),
    interfaces: new Int32Array(n),
    sources: new Int32Array(n),
    destinations: new Int32Array(n),
    texts,
  };
  for (let id = 0; id < n; id++) {
    keys.interfaces[id] = tuples.word(id, W_INTERFACE);
    keys.sources[id] = tuples.word(id, W_SOURCE);
    keys.destinations[id] = tuples.word(id, W_DESTINATION);
    const ports = tuples.word(id, W_PORTS);
    keys.srcports[id] = ports >>> 16;
    keys.dstports[id] = ports & 0xffff;
    keys.heads[id] = tuples.word(id, W_HEAD);
  }
  return keys;
}

/** The head word of a key. */
const headOf = (direction: number, protocol: number, action: number, srcTag: number, dstTag: number): number =>
  (direction << HEAD_DIRECTION) |
  (srcTag << HEAD_SRC_TAG) |
  (dstTag << HEAD_DST_TAG) |
  (action << HEAD_ACTION) |
  (protocol << HEAD_PROTOCOL);

/** The ports word of a key: source port << 16 | destination port (0 for a port that is not a value). */
const portsWord = (src: number, dst: number): number => (src << 16) | dst;

/** compareText's order of the flow direction codes (null, egress, ingress) and of the port tags as servicePortSide (null, dst, src). */
const DIRECTION_ORDER = [0, 2, 1];
const SIDE_ORDER_OF_SRC_TAG = [0, 1, 0];
const SIDE_ORDER_OF_DST_TAG = [0, 2, 0];

/**
 * The entry numbers in compareAggregates order, computed from the decoded keys and the sums (a
 * collapsed port compares as the lowest ephemeral port the aggregate will carry). Ties, which
 * distinct keys do not produce, keep the entries' order, as a stable sort of the aggregates would.
 * Renumbers the keys' texts in place, in compareText order.
 */
function sortedEntries(keys: DecodedKeys, marks: readonly Int32Array[]): Int32Array {
  const n = keys.heads.length;
  // The texts renumbered in compareText order: comparing numbers then compares the texts.
  const texts = keys.texts;
  const byText = Array.from(texts.keys()).sort((a, b) => compareText(texts[a], texts[b]));
  const rank = new Int32Array(texts.length);
  byText.forEach((text, r) => (rank[text] = r));
  keys.texts = byText.map((text) => texts[text]);
  const { interfaces: iface, sources: src, destinations: dst } = keys;
  // action, protocol, destination port + 1, source port + 1 (0: null) in one exact number below 2^53.
  const ports = new Float64Array(n);
  const rest = new Int8Array(n);
  for (let id = 0; id < n; id++) {
    iface[id] = rank[iface[id]];
    src[id] = rank[src[id]];
    dst[id] = rank[dst[id]];
    const head = keys.heads[id];
    const srcTag = (head >>> HEAD_SRC_TAG) & 3;
    const dstTag = (head >>> HEAD_DST_TAG) & 3;
    const ephemeralMin = ephemeralMinOf(marks[id >>> CHUNK_BITS], (id & CHUNK_MASK) * ENTRY_WORDS);
    const port = (tag: number, value: number): number => (tag === PORT_VALUE ? value : tag === PORT_COLLAPSED ? ephemeralMin : -1) + 1;
    const action = ((head >>> HEAD_ACTION) & 3) === ActionToken.Reject ? 1 : 0;
    ports[id] =
      ((action * 256 + ((head >>> HEAD_PROTOCOL) & 0xff)) * 65537 + port(dstTag, keys.dstports[id])) * 65537 +
      port(srcTag, keys.srcports[id]);
    rest[id] = DIRECTION_ORDER[(head >>> HEAD_DIRECTION) & 3] * 3 + SIDE_ORDER_OF_SRC_TAG[srcTag] + SIDE_ORDER_OF_DST_TAG[dstTag];
  }
  const order = new Int32Array(n);
  for (let id = 0; id < n; id++) order[id] = id;
  return order.sort(
    (a, b) => iface[a] - iface[b] || ports[a] - ports[b] || src[a] - src[b] || dst[a] - dst[b] || rest[a] - rest[b] || a - b,
  );
}

/** One FlowAggregate object, its fields always made in this order (every aggregate shares one shape). */
function flowAggregate(
  interfaceId: string,
  accountId: string | null,
  vpcId: string | null,
  subnetId: string | null,
  flowDirection: Direction | null,
  srcaddr: string,
  dstaddr: string,
  srcport: number | null,
  dstport: number | null,
  protocol: number,
  action: 'ACCEPT' | 'REJECT',
  tcpFlags: number | null,
  rejectReason: string | null,
  servicePortSide: 'src' | 'dst' | null,
  ephemeralPortMin: number | null,
  ephemeralPortMax: number | null,
  records: number,
  packets: number,
  bytes: number,
  firstSeen: number,
  lastSeen: number,
): FlowAggregate {
  return {
    interfaceId,
    accountId,
    vpcId,
    subnetId,
    flowDirection,
    srcaddr,
    dstaddr,
    srcport,
    dstport,
    protocol,
    action,
    tcpFlags,
    rejectReason,
    servicePortSide,
    ephemeralPortMin,
    ephemeralPortMax,
    records,
    packets,
    bytes,
    firstSeen,
    lastSeen,
  };
}

/**
 * One aggregate made first with no numbers in its numeric fields, and kept. V8 gives an object's
 * field the representation of the values the field first holds: made first from numbers, every
 * numeric field large enough once (bytes) would hold each aggregate's number in a heap object of its
 * own (16 bytes a field an aggregate); as general fields they hold small integers inline.
 */
const NOT_A_NUMBER = undefined as unknown as number;
export const GENERAL_FIELDS_AGGREGATE: FlowAggregate = flowAggregate(
  '',
  null,
  null,
  null,
  null,
  '',
  '',
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  'ACCEPT',
  NOT_A_NUMBER,
  null,
  null,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
  NOT_A_NUMBER,
);

/**
 * What a byte-keyed aggregate sums and marks, ENTRY_BYTES per entry in one buffer per chunk (a
 * record's update touches one place): as 32-bit words, its counts (records, packets, firstSeen,
 * lastSeen: uint32, see fitsNarrow), the ephemeral range (min << 16 | max, when BIT_EPHEMERAL is
 * set), and tcp-flags + 1 (0 for null) above the Bit flags below (FLAGS_SHIFT); then its bytes as
 * float64 (they pass 2^32 in an ordinary day). Counts as uint32 take half the bytes of float64 and
 * hold what a day gives (sums of records and packets, epoch seconds until 2106); the first value
 * of a chunk that does not fit (a sum past 2^32 - 1, a hand-built record's fraction or -0, tcp-flags
 * past MAX_TCP_FLAGS) moves the chunk's counts and tcp-flags to float64 for good (WIDE_FIELDS per
 * entry), exact as they were, so every sum is the one float64 would have made throughout.
 */
const ENTRY_BYTES = 32;
const ENTRY_WORDS = ENTRY_BYTES / 4;
const ENTRY_FLOATS = ENTRY_BYTES / 8;
const C_RECORDS = 0;
const C_PACKETS = 1;
const C_FIRST = 2;
const C_LAST = 3;
const M_EPHEMERAL = 4;
const M_BITS = 5;
/** Where tcp-flags + 1 starts in the M_BITS word, above the Bit flags. */
const FLAGS_SHIFT = 8;
/** The largest tcp-flags an entry's word holds (+ 1, shifted, within 32 bits; AWS logs 9 bits): more widen the chunk. */
const MAX_TCP_FLAGS = 0x7fffff;
/** The float64 of the bytes in an entry. */
const F_BYTES = 3;
/**
 * Float64 per entry once a chunk is wide: records, packets, firstSeen, lastSeen (C_RECORDS to
 * C_LAST), and tcp-flags (-1 for null), which a chunk also widens for when one passes MAX_TCP_FLAGS.
 */
const WIDE_FIELDS = 5;
const W_TCP_FLAGS = 4;
const MAX_NARROW = 0xffffffff;
/** Whether uint32 holds `value` exactly: a whole number from 0 to 2^32 - 1, not -0. */
const fitsNarrow = (value: number): boolean => value >>> 0 === value && (value !== 0 || 1 / value > 0);
/**
 * Bits: a record carried start/end; records disagreed on reject-reason; a string field has its
 * value; a port was collapsed (the ephemeral range is set).
 */
const BIT_TIME_SEEN = 1;
const BIT_REASON_CONFLICT = 2;
const BIT_ACCOUNT = 4;
const BIT_VPC = 8;
const BIT_SUBNET = 16;
const BIT_REASON = 32;
const BIT_EPHEMERAL = 64;

/** The lowest collapsed port of the entry whose words start at `marks[at]`, or -1. */
const ephemeralMinOf = (marks: Int32Array, at: number): number =>
  (marks[at + M_BITS] & BIT_EPHEMERAL) === 0 ? -1 : marks[at + M_EPHEMERAL] >>> 16;

const directionCode = (direction: Direction | null): number =>
  direction === 'ingress' ? DirectionCode.Ingress : direction === 'egress' ? DirectionCode.Egress : DirectionCode.None;
const directionOfCode = (code: number): Direction | null =>
  code === DirectionCode.Ingress ? 'ingress' : code === DirectionCode.Egress ? 'egress' : null;

const isPort = (port: number | null): boolean => port === null || (Number.isInteger(port) && port >= 0 && port <= 65535);

/** A record number the byte table can hold: absent, or >= 0 (-1 marks null there). */
const isPlainNumber = (value: unknown): boolean => typeof value !== 'number' || value >= 0;
/** The record number as the byte table holds it: -1 for absent or null. */
const plainNumber = (value: unknown): number => (typeof value === 'number' ? value : -1);

/** Whether the byte span spells exactly `text` (ASCII bytes against UTF-16 code units). */
function spanEquals(bytes: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Per-entry columns are kept in chunks of CHUNK_ENTRIES entries: they grow without copying, and
 * can be released chunk by chunk while the aggregates are made.
 */
const CHUNK_BITS = 13;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;
const RELEASED_NUMBERS = new Int32Array(0);
const NO_NUMBERS = new Int32Array(0);
const RELEASED_COUNTS = new Uint32Array(0);
const RELEASED_FLOATS = new Float64Array(0);

/**
 * One string field of every byte-keyed entry (account, VPC, subnet, reject reason): a number per
 * entry into the field's distinct texts, so a text that repeats across aggregates is held once and
 * an entry costs four bytes. A span is decoded only when its bytes differ from the last text seen.
 */
class TextColumn {
  /**
   * Per entry, in chunks of CHUNK_ENTRIES: the number of its text, -1 for null. A chunk is made
   * when one of its entries is first set (until then it is NO_NUMBERS): a field the logs do not
   * carry (the default format has no VPC, subnet or reason) costs nothing.
   */
  private readonly numbers: Int32Array[] = [];
  private readonly texts: string[] = [];
  private readonly numberOfText = new Map<string, number>();
  private last = -1;

  /** Makes room for entry `id` (null until set); entries are reserved in order. */
  reserve(id: number): void {
    if (id >>> CHUNK_BITS === this.numbers.length) this.numbers.push(NO_NUMBERS);
  }

  /** The chunk of entry `id`, made if it was not. */
  private chunkOf(id: number): Int32Array {
    const chunk = this.numbers[id >>> CHUNK_BITS];
    if (chunk !== NO_NUMBERS) return chunk;
    return (this.numbers[id >>> CHUNK_BITS] = new Int32Array(CHUNK_ENTRIES).fill(-1));
  }

  /** Drops the chunk holding entry `id`: the entries of that chunk must not be read after. */
  release(id: number): void {
    this.numbers[id >>> CHUNK_BITS] = RELEASED_NUMBERS;
  }

  get(id: number): string | null {
    const chunk = this.numbers[id >>> CHUNK_BITS];
    if (chunk === NO_NUMBERS) return null;
    const n = chunk[id & CHUNK_MASK];
    return n < 0 ? null : this.texts[n];
  }

  set(id: number, text: string): void {
    this.chunkOf(id)[id & CHUNK_MASK] = this.number(text);
  }

  /** Sets entry `id` to the text of `bytes[start, end)`. */
  setSpan(id: number, bytes: Uint8Array, start: number, end: number): void {
    const last = this.last;
    this.chunkOf(id)[id & CHUNK_MASK] =
      last >= 0 && spanEquals(bytes, start, end, this.texts[last]) ? last : this.number(textOf(bytes, start, end));
  }

  private number(text: string): number {
    let n = this.numberOfText.get(text);
    if (n === undefined) {
      n = this.texts.length;
      this.texts.push(text);
      this.numberOfText.set(text, n);
    }
    return (this.last = n);
  }
}

/**
 * Sums flow-log records that share (interface, flow direction, source, destination, protocol,
 * ports after the shared collapse rule, action) into FlowAggregates. Memory grows with the number
 * of distinct keys, not with the number of records.
 *
 * Keys are encoded as bytes in a hash table and sums kept in one typed buffer per chunk, so adding a record
 * whose key exists allocates nothing; `addScanned` adds a line read by a FlowLineScanner without
 * building its FlowRecord at all. Hand-built records the byte table cannot hold (see textKey) are
 * aggregated in a map of objects by the same rules.
 */
/** A hand-built entry's aggregate: its reject reason dropped when its records disagreed, its hours copied. */
function textEntryAggregate(entry: Entry): FlowAggregate {
  const aggregate: FlowAggregate = { ...entry.aggregate, rejectReason: entry.reasonConflict ? null : entry.aggregate.rejectReason };
  if (entry.hourly) aggregate.hourly = entry.hourly.slice();
  return aggregate;
}

export class FlowAggregator {
  private readonly keepAccept: boolean;
  private readonly keepReject: boolean;
  /** The distinct interface ids and addresses of the byte-keyed entries' keys, numbered. */
  private texts = new ByteStringTable();
  /** The byte-keyed entries' keys (see W_INTERFACE), numbered: a key's number is its entry's. */
  private tuples = new TupleTable();
  /**
   * Per byte-keyed entry, in chunks of CHUNK_ENTRIES entries, ENTRY_BYTES (see ENTRY_BYTES) seen
   * through three views of one buffer: the counts, the marks, the bytes. `wide` holds a chunk's
   * counts once they are float64 (null until then).
   */
  private counts: Uint32Array[] = [];
  private marks: Int32Array[] = [];
  private floats: Float64Array[] = [];
  private wide: (Float64Array | null)[] = [];
  private accounts = new TextColumn();
  private vpcs = new TextColumn();
  private subnets = new TextColumn();
  private reasons = new TextColumn();
  /** Entries whose key the byte table cannot encode, by text key. */
  private readonly textEntries = new Map<string, Entry>();
  /** Scratch: a hand-built record's text as bytes before it is numbered, and its key's words. */
  private key = new Uint8Array(256);
  private readonly recordKey = new Int32Array(5);
  /** Whether the last entryOf() made its entry. */
  private isNew = false;
  /** REJECT records per (byte-keyed entry, hour of start), when counted. */
  private hours: FlowHourCounts | null;

  constructor(options: FlowAggregatorOptions = {}) {
    const actions = options.actions ?? ['REJECT'];
    this.keepAccept = actions.includes('ACCEPT');
    this.keepReject = actions.includes('REJECT');
    this.hours = options.hourly ? new FlowHourCounts() : null;
  }

  /** Number of distinct aggregates so far. */
  get size(): number {
    return this.tuples.size + this.textEntries.size;
  }

  /** Whether records with this action are kept. */
  keeps(action: FlowAction): boolean {
    return action === 'REJECT' ? this.keepReject : this.keepAccept;
  }

  /**
   * Adds one record. Returns false (and changes nothing) for NODATA/SKIPDATA records, actions not
   * kept, and records lacking interface, addresses, protocol or action.
   */
  add(record: FlowRecord): boolean {
    const flow = usableFlow(record);
    if (!flow || !this.keeps(flow.action)) return false;
    const direction = directionOf(record);
    const ports = collapsePorts(flow.protocol, record.srcport, record.dstport);

    if (this.plainRecord(record, ports) && this.encodeRecordKey(flow, direction, ports)) {
      const words = this.recordKey;
      const id = this.entryOf(words[W_INTERFACE], words[W_SOURCE], words[W_DESTINATION], words[W_PORTS], words[W_HEAD]);
      const isNew = this.isNew;
      this.addValues(
        id,
        isNew,
        plainNumber(record.packets),
        plainNumber(record.bytes),
        plainNumber(record.start),
        plainNumber(record.end),
        plainNumber(record['tcp-flags']),
        ports.ephemeralPort ?? -1,
      );
      this.addRecordTexts(id, isNew, record);
      if (this.hours && flow.action === 'REJECT' && typeof record.start === 'number') this.hours.add(id, record.start);
      return true;
    }

    const key = textKey(flow, direction, ports);
    let entry = this.textEntries.get(key);
    if (entry === undefined) this.textEntries.set(key, (entry = this.newEntry(record, flow, direction, ports)));
    else this.merge(entry, record, ports.ephemeralPort);
    if (this.hours && flow.action === 'REJECT' && typeof record.start === 'number') {
      addHourRecords((entry.hourly ??= []), hourOf(record.start), 1);
    }
    return true;
  }

  /**
   * Adds the line a FlowLineScanner just read, exactly as `add` would add the record the line parser
   * makes of it, without making that record. Returns false in the same cases as `add`.
   */
  addScanned(flow: ScannedFlow): boolean {
    if (flow.logStatus !== LogStatusCode.None && flow.logStatus !== LogStatusCode.Ok) return false;
    if (flow.interfaceStart < 0 || flow.srcaddrStart < 0 || flow.dstaddrStart < 0 || flow.protocol < 0) return false;
    const action = flow.action;
    if (action === ActionToken.Reject ? !this.keepReject : action !== ActionToken.Accept || !this.keepAccept) {
      return false;
    }
    const srcport = flow.srcport;
    const dstport = flow.dstport;
    const collapse = portCollapseOf(flow.protocol, srcport < 0 ? null : srcport, dstport < 0 ? null : dstport);

    const srcTag =
      collapse === PortCollapse.None || srcport < 0 ? PORT_NONE : collapse === PortCollapse.ServiceDst ? PORT_COLLAPSED : PORT_VALUE;
    const dstTag =
      collapse === PortCollapse.None || dstport < 0 ? PORT_NONE : collapse === PortCollapse.ServiceSrc ? PORT_COLLAPSED : PORT_VALUE;
    const bytes = flow.bytes;
    const texts = this.texts;
    const id = this.entryOf(
      texts.intern(bytes, flow.interfaceStart, flow.interfaceEnd - flow.interfaceStart),
      texts.intern(bytes, flow.srcaddrStart, flow.srcaddrEnd - flow.srcaddrStart),
      texts.intern(bytes, flow.dstaddrStart, flow.dstaddrEnd - flow.dstaddrStart),
      portsWord(srcTag === PORT_VALUE ? srcport : 0, dstTag === PORT_VALUE ? dstport : 0),
      headOf(flow.direction, flow.protocol, action, srcTag, dstTag),
    );
    const isNew = this.isNew;
    const ephemeral = srcTag === PORT_COLLAPSED ? srcport : dstTag === PORT_COLLAPSED ? dstport : -1;
    this.addValues(id, isNew, flow.packets, flow.byteCount, flow.start, flow.end, flow.tcpFlags, ephemeral);
    this.addScannedTexts(id, isNew, flow);
    if (this.hours && action === ActionToken.Reject && flow.start >= 0) this.hours.add(id, flow.start);
    return true;
  }

  /** The aggregates, in a deterministic order (see compareAggregates). */
  aggregates(): FlowAggregate[] {
    return this.collect(false);
  }

  /**
   * The aggregates, as `aggregates()` returns them, releasing the aggregator's tables while they are
   * made (the hash index, the per-hour table and the key bytes before the first aggregate, the sums
   * and texts chunk by chunk as their aggregates are made): the aggregator is empty afterwards. For
   * a caller that keeps only the aggregates, so that it never holds both in full.
   */
  takeAggregates(): FlowAggregate[] {
    const out = this.collect(true);
    this.reset();
    return out;
  }

  private reset(): void {
    this.texts = new ByteStringTable();
    this.tuples = new TupleTable();
    this.counts = [];
    this.marks = [];
    this.floats = [];
    this.wide = [];
    this.accounts = new TextColumn();
    this.vpcs = new TextColumn();
    this.subnets = new TextColumn();
    this.reasons = new TextColumn();
    this.textEntries.clear();
  }

  /**
   * Hands every aggregate to `visit`, one at a time and in no particular order, releasing the
   * aggregator's tables as `takeAggregates` does: for a caller that keeps the aggregates in a form
   * of its own (FlowAggregateStore), so that neither the aggregator's tables nor every aggregate as
   * an object are held with it. The aggregator is empty afterwards.
   */
  drainAggregates(visit: (aggregate: FlowAggregate) => void): void {
    const tuples = this.tuples;
    const n = tuples.size;
    const hourly = this.hours?.packed();
    this.hours = this.hours ? new FlowHourCounts() : null;
    tuples.releaseIndex();
    const texts = decodeTexts(this.texts);
    this.texts = new ByteStringTable();
    for (let id = 0; id < n; id++) {
      const ports = tuples.word(id, W_PORTS);
      visit(
        this.aggregateOf(
          texts[tuples.word(id, W_INTERFACE)],
          texts[tuples.word(id, W_SOURCE)],
          texts[tuples.word(id, W_DESTINATION)],
          tuples.word(id, W_HEAD),
          ports >>> 16,
          ports & 0xffff,
          id,
          hourly?.of(id),
        ),
      );
      if ((id & CHUNK_MASK) === CHUNK_MASK || id === n - 1) {
        this.releaseChunk(id);
        tuples.releaseChunk(id);
      }
    }
    for (const entry of this.textEntries.values()) visit(textEntryAggregate(entry));
    this.reset();
  }

  /**
   * The byte-keyed entries made into aggregates in compareAggregates order, sorted before any is
   * made: each distinct interface id and address is decoded once and shared by every aggregate that
   * holds it, and the sort compares small numbers. `release` drops the tables as soon as they are
   * no longer read.
   */
  private collect(release: boolean): FlowAggregate[] {
    const { n, keys, hourly } = this.decodedEntries(release);
    if (this.textEntries.size > 0) {
      // Hand-built records the byte table could not hold: sorted with the rest as objects.
      const out: FlowAggregate[] = [];
      for (let id = 0; id < n; id++) out.push(this.keyedAggregate(keys, id, hourly?.of(id)));
      for (const entry of this.textEntries.values()) out.push(textEntryAggregate(entry));
      return sortAggregates(out);
    }
    const order = sortedEntries(keys, this.marks);
    // Made in entry order, so that each chunk of sums is dropped once its aggregates are made.
    const made = new Array<FlowAggregate>(n);
    for (let id = 0; id < n; id++) {
      made[id] = this.keyedAggregate(keys, id, hourly?.of(id));
      if (release && ((id & CHUNK_MASK) === CHUNK_MASK || id === n - 1)) this.releaseChunk(id);
    }
    const out = new Array<FlowAggregate>(n);
    for (let i = 0; i < n; i++) out[i] = made[order[i]];
    return out;
  }

  /**
   * The byte-keyed entries' decoded keys and per-hour counts, read before any aggregate is made.
   * `release` drops the hash index, the per-hour table and the key bytes once they are read.
   */
  private decodedEntries(release: boolean): { n: number; keys: DecodedKeys; hourly: PackedHourCounts | undefined } {
    const n = this.tuples.size;
    const hourly = this.hours?.packed();
    if (release) {
      this.hours = this.hours ? new FlowHourCounts() : null;
      this.tuples.releaseIndex();
    }
    const keys = decodeKeys(this.tuples, decodeTexts(this.texts));
    if (release) {
      this.texts = new ByteStringTable();
      this.tuples = new TupleTable();
    }
    return { n, keys, hourly };
  }

  // --- byte-keyed entries

  /** Drops the sums and texts of the chunk holding entry `id`. */
  private releaseChunk(id: number): void {
    this.counts[id >>> CHUNK_BITS] = RELEASED_COUNTS;
    this.marks[id >>> CHUNK_BITS] = RELEASED_NUMBERS;
    this.floats[id >>> CHUNK_BITS] = RELEASED_FLOATS;
    this.wide[id >>> CHUNK_BITS] = null;
    this.accounts.release(id);
    this.vpcs.release(id);
    this.subnets.release(id);
    this.reasons.release(id);
  }

  /** The entry of a key (see W_INTERFACE), made when new: `isNew` tells. */
  private entryOf(iface: number, src: number, dst: number, ports: number, head: number): number {
    const hash = hashTuple(iface, src, dst, ports, head);
    const id = this.tuples.find(iface, src, dst, ports, head, hash);
    this.isNew = id < 0;
    return id >= 0 ? id : this.newId(iface, src, dst, ports, head, hash);
  }

  private newId(iface: number, src: number, dst: number, ports: number, head: number, hash: number): number {
    const id = this.tuples.insert(iface, src, dst, ports, head, hash);
    if (id >>> CHUNK_BITS === this.counts.length) {
      const buffer = new ArrayBuffer(CHUNK_ENTRIES * ENTRY_BYTES);
      this.counts.push(new Uint32Array(buffer));
      this.marks.push(new Int32Array(buffer));
      this.floats.push(new Float64Array(buffer));
      this.wide.push(null);
    }
    this.accounts.reserve(id);
    this.vpcs.reserve(id);
    this.subnets.reserve(id);
    this.reasons.reserve(id);
    return id;
  }

  /**
   * The numeric part of newEntry/merge on one byte-keyed entry; -1 stands for a null number,
   * `ephemeral` is the collapsed side's port or -1.
   */
  private addValues(
    id: number,
    isNew: boolean,
    packets: number,
    bytes: number,
    start: number,
    end: number,
    tcpFlags: number,
    ephemeral: number,
  ): void {
    const chunk = id >>> CHUNK_BITS;
    const at = (id & CHUNK_MASK) * ENTRY_WORDS;
    const m = this.marks[chunk];
    const hasTime = start >= 0 || end >= 0;
    const first = start >= 0 ? start : end >= 0 ? end : 0;
    const last = end >= 0 ? end : start >= 0 ? start : 0;
    const packetCount = packets < 0 ? 0 : packets;
    const byteCount = bytes < 0 ? 0 : bytes;
    // The counts where they are: the entry's words, or the chunk's float64 once one did not fit.
    let c: Uint32Array | Float64Array = this.counts[chunk];
    let ct = at;
    const wide = this.wide[chunk];
    const f = (id & CHUNK_MASK) * ENTRY_FLOATS + F_BYTES;
    if (isNew) {
      if (wide !== null || tcpFlags > MAX_TCP_FLAGS || !(fitsNarrow(packetCount) && fitsNarrow(first) && fitsNarrow(last))) {
        c = wide ?? this.widen(chunk);
        ct = (id & CHUNK_MASK) * WIDE_FIELDS;
        c[ct + W_TCP_FLAGS] = tcpFlags | 0;
      }
      c[ct + C_RECORDS] = 1;
      c[ct + C_PACKETS] = packetCount;
      c[ct + C_FIRST] = first;
      c[ct + C_LAST] = last;
      this.floats[chunk][f] = byteCount;
      m[at + M_EPHEMERAL] = ephemeral < 0 ? 0 : (ephemeral << 16) | ephemeral;
      m[at + M_BITS] = ((tcpFlags + 1) << FLAGS_SHIFT) | (hasTime ? BIT_TIME_SEEN : 0) | (ephemeral < 0 ? 0 : BIT_EPHEMERAL);
      return;
    }
    if (
      wide !== null ||
      tcpFlags > MAX_TCP_FLAGS ||
      c[at + C_RECORDS] === MAX_NARROW ||
      !fitsNarrow(packetCount) ||
      c[at + C_PACKETS] + packetCount > MAX_NARROW ||
      (hasTime && !(fitsNarrow(first) && fitsNarrow(last)))
    ) {
      c = wide ?? this.widen(chunk);
      ct = (id & CHUNK_MASK) * WIDE_FIELDS;
    }
    const narrow = c === this.counts[chunk];
    c[ct + C_RECORDS] += 1;
    c[ct + C_PACKETS] += packetCount;
    this.floats[chunk][f] += byteCount;
    const held = m[at + M_BITS];
    let bits = held;
    if (hasTime) {
      if ((bits & BIT_TIME_SEEN) === 0) {
        c[ct + C_FIRST] = first;
        c[ct + C_LAST] = last;
        bits |= BIT_TIME_SEEN;
      } else {
        if (first < c[ct + C_FIRST]) c[ct + C_FIRST] = first;
        if (last > c[ct + C_LAST]) c[ct + C_LAST] = last;
      }
    }
    if (tcpFlags >= 0) {
      if (narrow) {
        const flags = (bits >>> FLAGS_SHIFT) - 1;
        bits = ((((flags < 0 ? 0 : flags) | tcpFlags) + 1) << FLAGS_SHIFT) | (bits & ((1 << FLAGS_SHIFT) - 1));
      } else {
        const flags = c[ct + W_TCP_FLAGS];
        c[ct + W_TCP_FLAGS] = (flags < 0 ? 0 : flags) | tcpFlags;
      }
    }
    if (ephemeral >= 0) {
      if ((bits & BIT_EPHEMERAL) === 0) {
        m[at + M_EPHEMERAL] = (ephemeral << 16) | ephemeral;
        bits |= BIT_EPHEMERAL;
      } else {
        const range = m[at + M_EPHEMERAL];
        const min = range >>> 16;
        const max = range & 0xffff;
        if (ephemeral < min || ephemeral > max) m[at + M_EPHEMERAL] = (Math.min(min, ephemeral) << 16) | Math.max(max, ephemeral);
      }
    }
    if (bits !== held) m[at + M_BITS] = bits;
  }

  /** The counts of chunk `chunk` as float64 from now on (their values unchanged): one did not fit uint32. */
  private widen(chunk: number): Float64Array {
    const narrow = this.counts[chunk];
    const wide = new Float64Array(CHUNK_ENTRIES * WIDE_FIELDS);
    const marks = this.marks[chunk];
    for (let e = 0; e < CHUNK_ENTRIES; e++) {
      for (let k = C_RECORDS; k <= C_LAST; k++) wide[e * WIDE_FIELDS + k] = narrow[e * ENTRY_WORDS + k];
      wide[e * WIDE_FIELDS + W_TCP_FLAGS] = (marks[e * ENTRY_WORDS + M_BITS] >>> FLAGS_SHIFT) - 1;
    }
    return (this.wide[chunk] = wide);
  }

  /** The string part of newEntry/merge for a record. */
  private addRecordTexts(id: number, isNew: boolean, record: FlowRecord): void {
    const v = this.marks[id >>> CHUNK_BITS];
    const at = (id & CHUNK_MASK) * ENTRY_WORDS + M_BITS;
    let bits = v[at];
    const reason = stringOrNull(record['reject-reason']);
    if (isNew) {
      if (reason !== null) {
        this.reasons.set(id, reason);
        bits |= BIT_REASON;
      }
    } else if ((bits & BIT_REASON_CONFLICT) === 0 && reason !== this.reasons.get(id)) {
      bits |= BIT_REASON_CONFLICT;
    }
    const account = stringOrNull(record['account-id']);
    if ((bits & BIT_ACCOUNT) === 0 && account !== null) {
      this.accounts.set(id, account);
      bits |= BIT_ACCOUNT;
    }
    const vpc = stringOrNull(record['vpc-id']);
    if ((bits & BIT_VPC) === 0 && vpc !== null) {
      this.vpcs.set(id, vpc);
      bits |= BIT_VPC;
    }
    const subnet = stringOrNull(record['subnet-id']);
    if ((bits & BIT_SUBNET) === 0 && subnet !== null) {
      this.subnets.set(id, subnet);
      bits |= BIT_SUBNET;
    }
    v[at] = bits;
  }

  /** addRecordTexts for a scanned line: touches the string arrays only when a value is set or compared. */
  private addScannedTexts(id: number, isNew: boolean, flow: ScannedFlow): void {
    const v = this.marks[id >>> CHUNK_BITS];
    const at = (id & CHUNK_MASK) * ENTRY_WORDS + M_BITS;
    let bits = v[at];
    const bytes = flow.bytes;
    if (isNew) {
      if (flow.reasonStart >= 0) {
        this.reasons.setSpan(id, bytes, flow.reasonStart, flow.reasonEnd);
        bits |= BIT_REASON;
      }
    } else if ((bits & BIT_REASON_CONFLICT) === 0) {
      const same =
        flow.reasonStart < 0
          ? (bits & BIT_REASON) === 0
          : (bits & BIT_REASON) !== 0 && spanEquals(bytes, flow.reasonStart, flow.reasonEnd, this.reasons.get(id) as string);
      if (!same) bits |= BIT_REASON_CONFLICT;
    }
    if ((bits & BIT_ACCOUNT) === 0 && flow.accountStart >= 0) {
      this.accounts.setSpan(id, bytes, flow.accountStart, flow.accountEnd);
      bits |= BIT_ACCOUNT;
    }
    if ((bits & BIT_VPC) === 0 && flow.vpcStart >= 0) {
      this.vpcs.setSpan(id, bytes, flow.vpcStart, flow.vpcEnd);
      bits |= BIT_VPC;
    }
    if ((bits & BIT_SUBNET) === 0 && flow.subnetStart >= 0) {
      this.subnets.setSpan(id, bytes, flow.subnetStart, flow.subnetEnd);
      bits |= BIT_SUBNET;
    }
    v[at] = bits;
  }

  /** aggregateOf for an entry of decoded keys. */
  private keyedAggregate(keys: DecodedKeys, id: number, hourly: HourlyRecords | undefined): FlowAggregate {
    return this.aggregateOf(
      keys.texts[keys.interfaces[id]],
      keys.texts[keys.sources[id]],
      keys.texts[keys.destinations[id]],
      keys.heads[id],
      keys.srcports[id],
      keys.dstports[id],
      id,
      hourly,
    );
  }

  /** The FlowAggregate of a byte-keyed entry, from its key and its sums. */
  private aggregateOf(
    interfaceId: string,
    srcaddr: string,
    dstaddr: string,
    head: number,
    srcport: number,
    dstport: number,
    id: number,
    hourly: HourlyRecords | undefined,
  ): FlowAggregate {
    const chunk = id >>> CHUNK_BITS;
    const at = (id & CHUNK_MASK) * ENTRY_WORDS;
    const m = this.marks[chunk];
    const wide = this.wide[chunk];
    const c = wide ?? this.counts[chunk];
    const ct = wide ? (id & CHUNK_MASK) * WIDE_FIELDS : at;
    const bits = m[at + M_BITS];
    const collapsed = (bits & BIT_EPHEMERAL) !== 0;
    const ephemeralMin = collapsed ? m[at + M_EPHEMERAL] >>> 16 : null;
    const ephemeralMax = collapsed ? m[at + M_EPHEMERAL] & 0xffff : null;
    const srcTag = (head >>> HEAD_SRC_TAG) & 3;
    const dstTag = (head >>> HEAD_DST_TAG) & 3;
    const tcpFlags = wide ? wide[ct + W_TCP_FLAGS] : (bits >>> FLAGS_SHIFT) - 1;
    const aggregate = flowAggregate(
      interfaceId,
      this.accounts.get(id),
      this.vpcs.get(id),
      this.subnets.get(id),
      directionOfCode((head >>> HEAD_DIRECTION) & 3),
      srcaddr,
      dstaddr,
      srcTag === PORT_VALUE ? srcport : srcTag === PORT_COLLAPSED ? ephemeralMin : null,
      dstTag === PORT_VALUE ? dstport : dstTag === PORT_COLLAPSED ? ephemeralMin : null,
      (head >>> HEAD_PROTOCOL) & 0xff,
      ((head >>> HEAD_ACTION) & 3) === ActionToken.Reject ? 'REJECT' : 'ACCEPT',
      tcpFlags < 0 ? null : tcpFlags,
      (bits & BIT_REASON_CONFLICT) !== 0 ? null : this.reasons.get(id),
      srcTag === PORT_COLLAPSED ? 'dst' : dstTag === PORT_COLLAPSED ? 'src' : null,
      ephemeralMin,
      ephemeralMax,
      c[ct + C_RECORDS],
      c[ct + C_PACKETS],
      this.floats[chunk][(id & CHUNK_MASK) * ENTRY_FLOATS + F_BYTES],
      c[ct + C_FIRST],
      c[ct + C_LAST],
    );
    if (hourly) aggregate.hourly = hourly;
    return aggregate;
  }

  // --- byte keys

  /** The number of a hand-built record's text, or -1 when it holds a space or a non-ASCII character. */
  private textNumber(text: string): number {
    if (text.length > this.key.length) this.key = new Uint8Array(Math.max(this.key.length * 2, text.length));
    const key = this.key;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c >= FIRST_NON_ASCII) return -1;
      key[i] = c;
    }
    return this.texts.intern(key, 0, text.length);
  }

  /** Whether the record's numbers fit the byte table (see plainNumber; ports within 0-65535). */
  private plainRecord(record: FlowRecord, ports: CollapsedPorts): boolean {
    const flags = record['tcp-flags'];
    return (
      isPlainNumber(record.packets) &&
      isPlainNumber(record.bytes) &&
      isPlainNumber(record.start) &&
      isPlainNumber(record.end) &&
      isPlainNumber(flags) &&
      (typeof flags !== 'number' || flags <= 0x7fffffff) &&
      isPort(ports.srcport) &&
      isPort(ports.dstport) &&
      isPort(ports.ephemeralPort)
    );
  }

  /** Encodes the key a record shares with scanned lines; false when the record needs a text key. */
  private encodeRecordKey(flow: UsableFlow, direction: Direction | null, ports: CollapsedPorts): boolean {
    const protocol = flow.protocol;
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) return false;
    const tag = (port: number | null, collapsed: boolean): number => (collapsed ? PORT_COLLAPSED : port === null ? PORT_NONE : PORT_VALUE);
    const srcTag = tag(ports.srcport, ports.servicePortSide === 'dst');
    const dstTag = tag(ports.dstport, ports.servicePortSide === 'src');
    const src = srcTag === PORT_VALUE ? (ports.srcport as number) : 0;
    const dst = dstTag === PORT_VALUE ? (ports.dstport as number) : 0;
    const action = flow.action === 'REJECT' ? ActionToken.Reject : ActionToken.Accept;
    const words = this.recordKey;
    words[W_INTERFACE] = this.textNumber(flow.interfaceId);
    words[W_SOURCE] = this.textNumber(flow.srcaddr);
    words[W_DESTINATION] = this.textNumber(flow.dstaddr);
    words[W_PORTS] = portsWord(src, dst);
    words[W_HEAD] = headOf(directionCode(direction), protocol, action, srcTag, dstTag);
    return words[W_INTERFACE] >= 0 && words[W_SOURCE] >= 0 && words[W_DESTINATION] >= 0;
  }

  // --- text-keyed entries (the plain object form of the same rules)

  private newEntry(record: FlowRecord, flow: UsableFlow, direction: Direction | null, ports: CollapsedPorts): Entry {
    const tcpFlags = record['tcp-flags'];
    const start = record.start;
    const end = record.end;
    const ephemeral = ports.ephemeralPort;
    return {
      reasonConflict: false,
      timeSeen: typeof start === 'number' || typeof end === 'number',
      hourly: null,
      aggregate: {
        interfaceId: flow.interfaceId,
        accountId: stringOrNull(record['account-id']),
        vpcId: stringOrNull(record['vpc-id']),
        subnetId: stringOrNull(record['subnet-id']),
        flowDirection: direction,
        srcaddr: flow.srcaddr,
        dstaddr: flow.dstaddr,
        srcport: ports.servicePortSide === 'dst' ? ephemeral : ports.srcport,
        dstport: ports.servicePortSide === 'src' ? ephemeral : ports.dstport,
        protocol: flow.protocol,
        action: flow.action,
        tcpFlags: typeof tcpFlags === 'number' ? tcpFlags : null,
        rejectReason: stringOrNull(record['reject-reason']),
        servicePortSide: ports.servicePortSide,
        ephemeralPortMin: ephemeral,
        ephemeralPortMax: ephemeral,
        records: 1,
        packets: numberOr(record.packets, 0),
        bytes: numberOr(record.bytes, 0),
        firstSeen: numberOr(start, numberOr(end, 0)),
        lastSeen: numberOr(end, numberOr(start, 0)),
      },
    };
  }

  private merge(entry: Entry, record: FlowRecord, ephemeral: number | null): void {
    const agg = entry.aggregate;
    agg.records += 1;
    agg.packets += numberOr(record.packets, 0);
    agg.bytes += numberOr(record.bytes, 0);

    const start = record.start;
    const end = record.end;
    if (typeof start === 'number' || typeof end === 'number') {
      const first = numberOr(start, end as number);
      const last = numberOr(end, start as number);
      if (!entry.timeSeen) {
        agg.firstSeen = first;
        agg.lastSeen = last;
        entry.timeSeen = true;
      } else {
        if (first < agg.firstSeen) agg.firstSeen = first;
        if (last > agg.lastSeen) agg.lastSeen = last;
      }
    }

    const flags = record['tcp-flags'];
    if (typeof flags === 'number') agg.tcpFlags = (agg.tcpFlags ?? 0) | flags;

    if (!entry.reasonConflict && stringOrNull(record['reject-reason']) !== agg.rejectReason) {
      entry.reasonConflict = true;
    }

    if (ephemeral !== null) {
      if (ephemeral < (agg.ephemeralPortMin as number)) {
        agg.ephemeralPortMin = ephemeral;
        if (agg.servicePortSide === 'src') agg.dstport = ephemeral;
        else agg.srcport = ephemeral;
      }
      if (ephemeral > (agg.ephemeralPortMax as number)) agg.ephemeralPortMax = ephemeral;
    }

    if (agg.accountId === null) agg.accountId = stringOrNull(record['account-id']);
    if (agg.vpcId === null) agg.vpcId = stringOrNull(record['vpc-id']);
    if (agg.subnetId === null) agg.subnetId = stringOrNull(record['subnet-id']);
  }
}
