import type { Row } from '@aws-sdk/client-athena';
import { z } from 'zod';
import { isCountDigits } from '../engine/flow-log/flow-count';
import type { Direction, FlowAggregate } from '../engine/flow-log/flow-record';
import { hourlyRecordsOf } from '../engine/flow-log/hourly-records';
import { MAX_PORT, MAX_PROTOCOL, MAX_TCP_FLAGS } from '../engine/flow-log/flow-log-fields';
import { UNREAD_RECORD_REASONS, type MalformedRecordReason, type UnreadRecordReason } from '../engine/flow-log/unread-records';
import { isIpAddress } from '../engine/ip/ip-address';
import { AwsAdapterError } from './aws-adapter.error';
import { FLOW_AGGREGATE_COLUMNS } from './athena-query-builder';

// Athena returns every value as a string; NULL is a datum without VarCharValue.
const int = z
  .string()
  .regex(/^-?\d+$/)
  .transform(Number)
  .pipe(z.number().int().safe());
const optionalInt = int.nullable();
/**
 * A sum of packets or bytes: BIGINT, as the flow-log counts it adds up are (see flow-count), read
 * up to 2^63 - 1 as the nearest double where `int` stops at 2^53.
 */
const count = z.string().regex(/^\d+$/).refine(isCountDigits, 'larger than 9223372036854775807, the largest BIGINT').transform(Number);
/**
 * Text that may hold no value: NULL (a datum without VarCharValue), or an empty string (a
 * VarCharValue of "": a table's empty cell, which the file readers read as `-`, no value).
 */
const optionalText = z
  .string()
  .nullable()
  .transform((v) => (v === '' ? null : v));

const HOUR_SECONDS = 3600;

/**
 * `hourly_records`: the JSON text of a histogram, `{"<hour epoch seconds>": records}`. Keys are
 * text (JSON object keys) and must be whole hours; counts are JSON numbers, positive integers.
 */
const hourlyRecords = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z
        .string()
        .regex(/^\d+$/, 'hour keys are epoch seconds')
        .refine((key) => Number(key) % HOUR_SECONDS === 0, 'hour keys are whole hours'),
      z.number().int().positive().safe(),
    ),
  )
  .nullable();

const aggregateRow = z
  .object({
    // Empty: no interface (counted, as a file reader counts a record without one).
    interface_id: z.string(),
    account_id: optionalText,
    vpc_id: optionalText,
    subnet_id: optionalText,
    // Any text: one that is no direction is counted (malformedValue), not refused with the whole result.
    flow_direction: optionalText,
    srcaddr: z.string(),
    dstaddr: z.string(),
    srcport: optionalInt,
    dstport: optionalInt,
    protocol: int,
    action: z.enum(['ACCEPT', 'REJECT']),
    tcp_flags: optionalInt,
    reject_reason: optionalText,
    service_port_side: z.enum(['src', 'dst']).nullable(),
    ephemeral_port_min: optionalInt,
    ephemeral_port_max: optionalInt,
    records: int,
    packets: count,
    bytes: count,
    first_seen: int,
    last_seen: int,
    hourly_records: hourlyRecords,
  })
  .refine((row) => !row.hourly_records || Object.values(row.hourly_records).reduce((sum, n) => sum + n, 0) <= row.records, {
    message: 'more records per hour than the aggregate has',
    path: ['hourly_records'],
  });

/**
 * A row counting records of the window left out of the aggregates: only its reason and its
 * records mean something (its keys are NULL).
 */
const unreadRow = z.object({
  unread_reason: z.enum(UNREAD_RECORD_REASONS as [UnreadRecordReason, ...UnreadRecordReason[]]),
  records: int.pipe(z.number().positive()),
});

/** What one result row is: a flow aggregate, or a count of records left out for one reason. */
export type AthenaResultRow =
  { kind: 'aggregate'; aggregate: FlowAggregate } | { kind: 'unread'; reason: UnreadRecordReason; records: number };

/**
 * Turns GetQueryResults rows into FlowAggregates and counts of records left out: checks the
 * header row names the expected columns (in any order), then validates each data row — a row
 * with `unread_reason` as a count (never an aggregate), any other as an aggregate.
 */
export class AthenaRowParser {
  private positions: Map<string, number> | null = null;

  /** Reads the header row (the first row of the first page of a SELECT result). */
  acceptHeader(row: Row): void {
    const names = (row.Data ?? []).map((d) => d.VarCharValue ?? '');
    const missing = FLOW_AGGREGATE_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `Athena result lacks columns ${missing.join(', ')}`, {
        header: names,
      });
    }
    this.positions = new Map(names.map((name, i) => [name, i]));
  }

  parse(row: Row, rowNumber: number): AthenaResultRow {
    if (!this.positions) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'Athena result row before its header');
    const data = row.Data ?? [];
    const raw: Record<string, string | null> = {};
    for (const column of FLOW_AGGREGATE_COLUMNS) {
      raw[column] = data[this.positions.get(column) as number]?.VarCharValue ?? null;
    }
    if (raw.unread_reason !== null) {
      const unread = unreadRow.safeParse(raw);
      if (!unread.success) {
        throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `Athena result row ${rowNumber} is not a count of records left out`, {
          rowNumber,
          issues: unread.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        });
      }
      return { kind: 'unread', reason: unread.data.unread_reason, records: unread.data.records };
    }
    const parsed = aggregateRow.safeParse(raw);
    if (!parsed.success) {
      throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `Athena result row ${rowNumber} is not a flow aggregate`, {
        rowNumber,
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
    }
    const r = parsed.data;
    const incomplete = r.interface_id === '' ? 'no interface-id' : r.srcaddr === '' || r.dstaddr === '' ? 'no address' : null;
    if (incomplete) return { kind: 'unread', reason: incomplete, records: r.records };
    const malformed = malformedValue(r);
    if (malformed) return { kind: 'unread', reason: malformed, records: r.records };
    return { kind: 'aggregate', aggregate: this.aggregateOf(r) };
  }

  private aggregateOf(r: z.infer<typeof aggregateRow>): FlowAggregate {
    return {
      interfaceId: r.interface_id,
      accountId: r.account_id,
      vpcId: r.vpc_id,
      subnetId: r.subnet_id,
      flowDirection: r.flow_direction as Direction | null,
      srcaddr: r.srcaddr,
      dstaddr: r.dstaddr,
      srcport: r.srcport,
      dstport: r.dstport,
      protocol: r.protocol,
      action: r.action,
      tcpFlags: r.tcp_flags,
      rejectReason: r.reject_reason,
      servicePortSide: r.service_port_side,
      ephemeralPortMin: r.ephemeral_port_min,
      ephemeralPortMax: r.ephemeral_port_max,
      records: r.records,
      packets: r.packets,
      bytes: r.bytes,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      ...(r.hourly_records ? { hourly: hourlyRecordsOf(r.hourly_records) } : {}),
    };
  }
}

/**
 * A second guard behind the query's (UNREAD_CHECKS): why an aggregate's values are none a flow-log
 * record holds — a protocol not from 0 to 255, an address that is not IPv4 or IPv6, a port not
 * from 0 to 65535, tcp-flags not from 0 to 255, a direction neither ingress nor egress — in the
 * reasons the query counts such records by; null when they all are. Such an aggregate (a table
 * read in a way the query did not foresee) is counted, never a flow.
 */
function malformedValue(r: z.infer<typeof aggregateRow>): MalformedRecordReason | null {
  if (r.protocol < 0) return 'protocol not a number';
  if (r.protocol > MAX_PROTOCOL) return 'protocol not from 0 to 255';
  if (!isIpAddress(r.srcaddr) || !isIpAddress(r.dstaddr)) return 'address not IPv4 or IPv6';
  const ports = [r.srcport, r.dstport, r.ephemeral_port_min, r.ephemeral_port_max].filter((p): p is number => p !== null);
  if (ports.some((p) => p < 0)) return 'port not a number';
  if (ports.some((p) => p > MAX_PORT)) return 'port not from 0 to 65535';
  if (r.tcp_flags !== null && r.tcp_flags < 0) return 'tcp-flags not a number';
  if (r.tcp_flags !== null && r.tcp_flags > MAX_TCP_FLAGS) return 'tcp-flags not from 0 to 255';
  if (r.flow_direction !== null && r.flow_direction !== 'ingress' && r.flow_direction !== 'egress')
    return 'flow-direction not ingress or egress';
  return null;
}
