import type { Direction, FlowAggregate, FlowRecord } from './flow-record';
import { ActionToken, DirectionCode, LogStatusCode, ScannedFlow, textOf } from './flow-log-parser';
import { collapsePorts, PortCollapse, portCollapseOf } from './port-collapse';

export type FlowAction = 'ACCEPT' | 'REJECT';

export interface FlowAggregatorOptions {
  /**
   * Actions to keep. REJECT alone is enough to diagnose; add ACCEPT for return-traffic detection and
   * for "the same service is accepted from other peers". Default: REJECT only.
   */
  actions?: readonly FlowAction[];
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
}

const portKey = (port: number | null): string => (port === null ? '-' : String(port));

/**
 * The aggregation key as text: the index of keys the byte table cannot encode (non-ASCII or
 * space-holding strings, numbers outside the flow-log ranges), which only hand-built records carry.
 */
function textKey(flow: UsableFlow, direction: Direction | null, ports: ReturnType<typeof collapsePorts>): string {
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
  const action = textRanks(items, (a) => a.action);
  const src = textRanks(items, (a) => a.srcaddr);
  const dst = textRanks(items, (a) => a.dstaddr);
  const direction = textRanks(items, (a) => a.flowDirection);
  const side = textRanks(items, (a) => a.servicePortSide);
  const protocol = new Float64Array(n);
  const dstport = new Float64Array(n);
  const srcport = new Float64Array(n);
  items.forEach((a, i) => {
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;
const FIRST_NON_ASCII = 128;
/** Port tags in a byte key: no port (`-`), collapsed (`*`), a port value follows. */
const PORT_NONE = 0;
const PORT_COLLAPSED = 1;
const PORT_VALUE = 2;
/** Bytes before the strings of a byte key: direction, protocol, action, then tag and value of each port. */
const KEY_HEADER = 9;

/**
 * Distinct byte strings, each numbered by insertion order: an open-addressing hash table over one
 * growing byte arena. Looking a key up allocates nothing, which matters at millions of lines.
 */
class ByteKeyTable {
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private offsets = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  /** Entry number + 1 per slot, 0 for an empty slot; kept at most half full. */
  private slots = new Int32Array(2048);
  size = 0;

  /** The number of the key `key[0, length)`, or -1. */
  find(key: Uint8Array, length: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = (hash ^ (hash >>> 15)) & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] - 1;
      if (id < 0) return -1;
      if (this.hashes[id] === hash && this.lengths[id] === length && this.equals(id, key, length)) return id;
    }
  }

  /** Adds a key that find() did not find; returns its number. */
  insert(key: Uint8Array, length: number, hash: number): number {
    const id = this.size++;
    if (id === this.offsets.length) this.growEntries();
    if (this.arenaUsed + length > this.arena.length) this.growArena(length);
    this.arena.set(key.subarray(0, length), this.arenaUsed);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = length;
    this.hashes[id] = hash;
    this.arenaUsed += length;
    if (this.size * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private equals(id: number, key: Uint8Array, length: number): boolean {
    const arena = this.arena;
    const offset = this.offsets[id];
    for (let i = 0; i < length; i++) if (arena[offset + i] !== key[i]) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    const hash = this.hashes[id];
    let slot = (hash ^ (hash >>> 15)) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id++) this.place(id);
  }

  private growEntries(): void {
    const grow = (from: Int32Array): Int32Array<ArrayBuffer> => {
      const to = new Int32Array(from.length * 2);
      to.set(from);
      return to;
    };
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.hashes = grow(this.hashes);
  }

  private growArena(needed: number): void {
    const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + needed));
    next.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = next;
  }
}

const directionCode = (direction: Direction | null): number =>
  direction === 'ingress' ? DirectionCode.Ingress : direction === 'egress' ? DirectionCode.Egress : DirectionCode.None;
const directionOfCode = (code: number): Direction | null =>
  code === DirectionCode.Ingress ? 'ingress' : code === DirectionCode.Egress ? 'egress' : null;

const isPort = (port: number): boolean => Number.isInteger(port) && port >= 0 && port <= 65535;

/** Whether the byte span spells exactly `text` (ASCII bytes against UTF-16 code units). */
function spanEquals(bytes: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The span's text, or null for an absent or `-` field (start -1). */
const spanText = (bytes: Uint8Array, start: number, end: number): string | null =>
  start < 0 ? null : textOf(bytes, start, end);

/**
 * Sums flow-log records that share (interface, flow direction, source, destination, protocol,
 * ports after the shared collapse rule, action) into FlowAggregates. Memory grows with the number
 * of distinct keys, not with the number of records.
 *
 * Keys are encoded as bytes in a hash table, so adding a record whose key exists allocates nothing;
 * `addScanned` adds a line read by a FlowLineScanner without building its FlowRecord at all.
 */
export class FlowAggregator {
  private readonly keepAccept: boolean;
  private readonly keepReject: boolean;
  private readonly table = new ByteKeyTable();
  /** Entries of the byte table, by key number. */
  private readonly entries: Entry[] = [];
  /** Entries whose key the byte table cannot encode, by text key. */
  private readonly textEntries = new Map<string, Entry>();
  private key = new Uint8Array(256);
  private keyLength = 0;

  constructor(options: FlowAggregatorOptions = {}) {
    const actions = options.actions ?? ['REJECT'];
    this.keepAccept = actions.includes('ACCEPT');
    this.keepReject = actions.includes('REJECT');
  }

  /** Number of distinct aggregates so far. */
  get size(): number {
    return this.entries.length + this.textEntries.size;
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

    let entry: Entry | undefined;
    if (this.encodeRecordKey(flow, direction, ports)) {
      const hash = this.keyHash();
      const id = this.table.find(this.key, this.keyLength, hash);
      if (id < 0) {
        this.table.insert(this.key, this.keyLength, hash);
        this.entries.push(this.newEntry(record, flow, direction, ports));
        return true;
      }
      entry = this.entries[id];
    } else {
      const key = textKey(flow, direction, ports);
      entry = this.textEntries.get(key);
      if (entry === undefined) {
        this.textEntries.set(key, this.newEntry(record, flow, direction, ports));
        return true;
      }
    }
    this.merge(entry, record, ports.ephemeralPort);
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
    const srcport = flow.srcport < 0 ? null : flow.srcport;
    const dstport = flow.dstport < 0 ? null : flow.dstport;
    const collapse = portCollapseOf(flow.protocol, srcport, dstport);
    const ephemeral =
      collapse === PortCollapse.ServiceSrc ? dstport : collapse === PortCollapse.ServiceDst ? srcport : null;

    this.encodeScannedKey(flow, collapse);
    const hash = this.keyHash();
    const id = this.table.find(this.key, this.keyLength, hash);
    if (id < 0) {
      this.table.insert(this.key, this.keyLength, hash);
      this.entries.push(this.newScannedEntry(flow, collapse, srcport, dstport, ephemeral));
    } else {
      this.mergeScanned(this.entries[id], flow, ephemeral);
    }
    return true;
  }

  /** The aggregates, in a deterministic order (see compareAggregates). */
  aggregates(): FlowAggregate[] {
    const out: FlowAggregate[] = [];
    const emit = (entry: Entry): void => {
      out.push({ ...entry.aggregate, rejectReason: entry.reasonConflict ? null : entry.aggregate.rejectReason });
    };
    this.entries.forEach(emit);
    this.textEntries.forEach(emit);
    return sortAggregates(out);
  }

  // --- byte keys: the header (KEY_HEADER bytes), then interface, source and destination separated by spaces

  private keyHash(): number {
    const key = this.key;
    let hash = FNV_OFFSET;
    for (let i = 0; i < this.keyLength; i++) hash = Math.imul(hash ^ key[i], FNV_PRIME);
    return hash;
  }

  private reserve(bytes: number): void {
    if (this.keyLength + bytes <= this.key.length) return;
    const next = new Uint8Array(Math.max(this.key.length * 2, this.keyLength + bytes));
    next.set(this.key.subarray(0, this.keyLength));
    this.key = next;
  }

  private writeHeader(direction: number, protocol: number, action: number, srcTag: number, src: number, dstTag: number, dst: number): void {
    const key = this.key;
    key[0] = direction;
    key[1] = protocol;
    key[2] = action;
    key[3] = srcTag;
    key[4] = src >>> 8;
    key[5] = src & 0xff;
    key[6] = dstTag;
    key[7] = dst >>> 8;
    key[8] = dst & 0xff;
    this.keyLength = KEY_HEADER;
  }

  private writeSpan(bytes: Uint8Array, start: number, end: number, separator: boolean): void {
    this.reserve(end - start + 1);
    const key = this.key;
    let at = this.keyLength;
    for (let i = start; i < end; i++) key[at++] = bytes[i];
    if (separator) key[at++] = SPACE;
    this.keyLength = at;
  }

  /** False when the text holds a space or a non-ASCII character: the byte key would be ambiguous. */
  private writeText(text: string, separator: boolean): boolean {
    this.reserve(text.length + 1);
    const key = this.key;
    let at = this.keyLength;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c >= FIRST_NON_ASCII) return false;
      key[at++] = c;
    }
    if (separator) key[at++] = SPACE;
    this.keyLength = at;
    return true;
  }

  private encodeScannedKey(flow: ScannedFlow, collapse: PortCollapse): void {
    const srcTag =
      collapse === PortCollapse.None || flow.srcport < 0 ? PORT_NONE : collapse === PortCollapse.ServiceDst ? PORT_COLLAPSED : PORT_VALUE;
    const dstTag =
      collapse === PortCollapse.None || flow.dstport < 0 ? PORT_NONE : collapse === PortCollapse.ServiceSrc ? PORT_COLLAPSED : PORT_VALUE;
    this.writeHeader(
      flow.direction,
      flow.protocol,
      flow.action,
      srcTag,
      srcTag === PORT_VALUE ? flow.srcport : 0,
      dstTag,
      dstTag === PORT_VALUE ? flow.dstport : 0,
    );
    const bytes = flow.bytes;
    this.writeSpan(bytes, flow.interfaceStart, flow.interfaceEnd, true);
    this.writeSpan(bytes, flow.srcaddrStart, flow.srcaddrEnd, true);
    this.writeSpan(bytes, flow.dstaddrStart, flow.dstaddrEnd, false);
  }

  /** Encodes the key a record shares with scanned lines; false when the record needs a text key. */
  private encodeRecordKey(flow: UsableFlow, direction: Direction | null, ports: ReturnType<typeof collapsePorts>): boolean {
    const protocol = flow.protocol;
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) return false;
    const tag = (port: number | null, collapsed: boolean): number =>
      collapsed ? PORT_COLLAPSED : port === null ? PORT_NONE : PORT_VALUE;
    const srcTag = tag(ports.srcport, ports.servicePortSide === 'dst');
    const dstTag = tag(ports.dstport, ports.servicePortSide === 'src');
    const src = srcTag === PORT_VALUE ? (ports.srcport as number) : 0;
    const dst = dstTag === PORT_VALUE ? (ports.dstport as number) : 0;
    if (!isPort(src) || !isPort(dst)) return false;
    const action = flow.action === 'REJECT' ? ActionToken.Reject : ActionToken.Accept;
    this.writeHeader(directionCode(direction), protocol, action, srcTag, src, dstTag, dst);
    return (
      this.writeText(flow.interfaceId, true) && this.writeText(flow.srcaddr, true) && this.writeText(flow.dstaddr, false)
    );
  }

  // --- entries

  private newEntry(
    record: FlowRecord,
    flow: UsableFlow,
    direction: Direction | null,
    ports: ReturnType<typeof collapsePorts>,
  ): Entry {
    const tcpFlags = record['tcp-flags'];
    const start = record.start;
    const end = record.end;
    const ephemeral = ports.ephemeralPort;
    return {
      reasonConflict: false,
      timeSeen: typeof start === 'number' || typeof end === 'number',
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

  private newScannedEntry(
    flow: ScannedFlow,
    collapse: PortCollapse,
    srcport: number | null,
    dstport: number | null,
    ephemeral: number | null,
  ): Entry {
    const bytes = flow.bytes;
    const start = flow.start;
    const end = flow.end;
    return {
      reasonConflict: false,
      timeSeen: start >= 0 || end >= 0,
      aggregate: {
        interfaceId: textOf(bytes, flow.interfaceStart, flow.interfaceEnd),
        accountId: spanText(bytes, flow.accountStart, flow.accountEnd),
        vpcId: spanText(bytes, flow.vpcStart, flow.vpcEnd),
        subnetId: spanText(bytes, flow.subnetStart, flow.subnetEnd),
        flowDirection: directionOfCode(flow.direction),
        srcaddr: textOf(bytes, flow.srcaddrStart, flow.srcaddrEnd),
        dstaddr: textOf(bytes, flow.dstaddrStart, flow.dstaddrEnd),
        srcport: collapse === PortCollapse.None ? null : srcport,
        dstport: collapse === PortCollapse.None ? null : dstport,
        protocol: flow.protocol,
        action: flow.action === ActionToken.Reject ? 'REJECT' : 'ACCEPT',
        tcpFlags: flow.tcpFlags < 0 ? null : flow.tcpFlags,
        rejectReason: spanText(bytes, flow.reasonStart, flow.reasonEnd),
        servicePortSide:
          collapse === PortCollapse.ServiceSrc ? 'src' : collapse === PortCollapse.ServiceDst ? 'dst' : null,
        ephemeralPortMin: ephemeral,
        ephemeralPortMax: ephemeral,
        records: 1,
        packets: flow.packets < 0 ? 0 : flow.packets,
        bytes: flow.byteCount < 0 ? 0 : flow.byteCount,
        firstSeen: start >= 0 ? start : end >= 0 ? end : 0,
        lastSeen: end >= 0 ? end : start >= 0 ? start : 0,
      },
    };
  }

  /** merge() for a scanned line; keep the two in step. */
  private mergeScanned(entry: Entry, flow: ScannedFlow, ephemeral: number | null): void {
    const agg = entry.aggregate;
    const bytes = flow.bytes;
    agg.records += 1;
    if (flow.packets > 0) agg.packets += flow.packets;
    if (flow.byteCount > 0) agg.bytes += flow.byteCount;

    const start = flow.start;
    const end = flow.end;
    if (start >= 0 || end >= 0) {
      const first = start >= 0 ? start : end;
      const last = end >= 0 ? end : start;
      if (!entry.timeSeen) {
        agg.firstSeen = first;
        agg.lastSeen = last;
        entry.timeSeen = true;
      } else {
        if (first < agg.firstSeen) agg.firstSeen = first;
        if (last > agg.lastSeen) agg.lastSeen = last;
      }
    }

    if (flow.tcpFlags >= 0) agg.tcpFlags = (agg.tcpFlags ?? 0) | flow.tcpFlags;

    if (!entry.reasonConflict) {
      const reason = agg.rejectReason;
      const same =
        flow.reasonStart < 0 ? reason === null : reason !== null && spanEquals(bytes, flow.reasonStart, flow.reasonEnd, reason);
      if (!same) entry.reasonConflict = true;
    }

    if (ephemeral !== null) {
      if (ephemeral < (agg.ephemeralPortMin as number)) {
        agg.ephemeralPortMin = ephemeral;
        if (agg.servicePortSide === 'src') agg.dstport = ephemeral;
        else agg.srcport = ephemeral;
      }
      if (ephemeral > (agg.ephemeralPortMax as number)) agg.ephemeralPortMax = ephemeral;
    }

    if (agg.accountId === null) agg.accountId = spanText(bytes, flow.accountStart, flow.accountEnd);
    if (agg.vpcId === null) agg.vpcId = spanText(bytes, flow.vpcStart, flow.vpcEnd);
    if (agg.subnetId === null) agg.subnetId = spanText(bytes, flow.subnetStart, flow.subnetEnd);
  }
}
