import type { Direction, FlowAggregate, FlowRecord } from './flow-record';
import { collapsePorts } from './port-collapse';

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
 * Sums flow-log records that share (interface, flow direction, source, destination, protocol,
 * ports after the shared collapse rule, action) into FlowAggregates. Memory grows with the number
 * of distinct keys, not with the number of records.
 */
export class FlowAggregator {
  private readonly keepAccept: boolean;
  private readonly keepReject: boolean;
  private readonly entries = new Map<string, Entry>();

  constructor(options: FlowAggregatorOptions = {}) {
    const actions = options.actions ?? ['REJECT'];
    this.keepAccept = actions.includes('ACCEPT');
    this.keepReject = actions.includes('REJECT');
  }

  /** Number of distinct aggregates so far. */
  get size(): number {
    return this.entries.size;
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
    const key =
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
      flow.action;

    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, this.newEntry(record, flow, direction, ports));
    } else {
      this.merge(entry, record, ports.ephemeralPort);
    }
    return true;
  }

  /** The aggregates, in a deterministic order (see compareAggregates). */
  aggregates(): FlowAggregate[] {
    const out: FlowAggregate[] = [];
    for (const entry of this.entries.values()) {
      out.push({ ...entry.aggregate, rejectReason: entry.reasonConflict ? null : entry.aggregate.rejectReason });
    }
    return out.sort(compareAggregates);
  }

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
}
