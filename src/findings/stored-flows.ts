import type { Direction, FlowAggregate } from '../engine/flow-log/flow-record';

/**
 * How a finding's sample flows are kept in its `flows` column: a JSON array with one array per flow,
 * its values in STORED_FLOW_FIELDS order, and the flow's per-hour counts after them when it has
 * any. A flow written as an object, as rows stored before this form were, still reads the same.
 *
 * The column holds up to a few hundred flows for each of tens of thousands of findings an analysis
 * writes, and the field names spelled in every object were nearly half of its bytes: what the
 * worker serialises, what PostgreSQL parses and compresses, what is read back to decide a
 * resolution. The column stays an array of one element per flow, so what is computed from its
 * length (`sample_flows`) is unchanged.
 */
export const STORED_FLOW_FIELDS = [
  'interfaceId',
  'accountId',
  'vpcId',
  'subnetId',
  'flowDirection',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'action',
  'tcpFlags',
  'rejectReason',
  'servicePortSide',
  'ephemeralPortMin',
  'ephemeralPortMax',
  'records',
  'packets',
  'bytes',
  'firstSeen',
  'lastSeen',
] as const satisfies readonly (keyof FlowAggregate)[];

/** Where a stored flow's per-hour counts are, when it has them. */
const HOURLY_AT = STORED_FLOW_FIELDS.length;

/** A flow as it is stored: its values in STORED_FLOW_FIELDS order, then its per-hour counts if it has any. */
export type StoredFlowRow = unknown[];

/** One flow's stored array (made as one literal: the quickest form to make and serialise, measured against the others). */
function storedFlowRow(f: FlowAggregate): StoredFlowRow {
  const row: StoredFlowRow = [
    f.interfaceId,
    f.accountId,
    f.vpcId,
    f.subnetId,
    f.flowDirection,
    f.srcaddr,
    f.dstaddr,
    f.srcport,
    f.dstport,
    f.protocol,
    f.action,
    f.tcpFlags,
    f.rejectReason,
    f.servicePortSide,
    f.ephemeralPortMin,
    f.ephemeralPortMax,
    f.records,
    f.packets,
    f.bytes,
    f.firstSeen,
    f.lastSeen,
  ];
  const hourly = f.hourly;
  if (hourly !== undefined && hourly !== null) row.push(Array.from(hourly));
  return row;
}

/** The flows as the `flows` column stores them (JSON.stringify gives the column's text). */
export function storedFlowRows(flows: readonly FlowAggregate[]): StoredFlowRow[] {
  return flows.map(storedFlowRow);
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const numberOrZero = (value: unknown): number => (typeof value === 'number' ? value : 0);

function directionOf(value: unknown): Direction | null {
  return value === 'ingress' || value === 'egress' ? value : null;
}

function serviceSideOf(value: unknown): 'src' | 'dst' | null {
  return value === 'src' || value === 'dst' ? value : null;
}

/** A flow read from its stored array (values missing or of another type read as null, or 0 for the counts). */
function flowOfRow(row: readonly unknown[]): FlowAggregate {
  // By name, in the one order STORED_FLOW_FIELDS gives.
  const v = {} as Record<(typeof STORED_FLOW_FIELDS)[number], unknown>;
  STORED_FLOW_FIELDS.forEach((field, i) => (v[field] = row[i]));
  const flow: FlowAggregate = {
    interfaceId: stringOrNull(v.interfaceId) ?? '',
    accountId: stringOrNull(v.accountId),
    vpcId: stringOrNull(v.vpcId),
    subnetId: stringOrNull(v.subnetId),
    flowDirection: directionOf(v.flowDirection),
    srcaddr: stringOrNull(v.srcaddr) ?? '',
    dstaddr: stringOrNull(v.dstaddr) ?? '',
    srcport: numberOrNull(v.srcport),
    dstport: numberOrNull(v.dstport),
    protocol: numberOrZero(v.protocol),
    action: v.action === 'ACCEPT' ? 'ACCEPT' : 'REJECT',
    tcpFlags: numberOrNull(v.tcpFlags),
    rejectReason: stringOrNull(v.rejectReason),
    servicePortSide: serviceSideOf(v.servicePortSide),
    ephemeralPortMin: numberOrNull(v.ephemeralPortMin),
    ephemeralPortMax: numberOrNull(v.ephemeralPortMax),
    records: numberOrZero(v.records),
    packets: numberOrZero(v.packets),
    bytes: numberOrZero(v.bytes),
    firstSeen: numberOrZero(v.firstSeen),
    lastSeen: numberOrZero(v.lastSeen),
  };
  const hourly = row[HOURLY_AT];
  if (Array.isArray(hourly) && hourly.every((n) => typeof n === 'number')) flow.hourly = hourly as number[];
  return flow;
}

/**
 * The flows of a `flows` column as read from PostgreSQL: each element a stored array, or an object
 * as rows written before the array form hold it (kept as it is). Anything but an array is no flows.
 */
export function storedFlowsOf(value: unknown): FlowAggregate[] {
  if (!Array.isArray(value)) return [];
  const flows: FlowAggregate[] = [];
  for (const element of value as unknown[]) {
    if (Array.isArray(element)) flows.push(flowOfRow(element));
    else if (element !== null && typeof element === 'object') flows.push(element as FlowAggregate);
  }
  return flows;
}
