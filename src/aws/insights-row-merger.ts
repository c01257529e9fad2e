import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import type { Direction, FlowAggregate } from '../engine/flow-log/flow-record';
import { addHourRecords, forEachHour } from '../engine/flow-log/hourly-records';
import { PORTED_PROTOCOLS } from '../engine/flow-log/port-collapse';
import { countUnreadRecords, emptyUnreadRecords, type UnreadRecordReason, type UnreadRecords } from '../engine/flow-log/unread-records';
import { AwsAdapterError } from './aws-adapter.error';
import { MAX_PROTOCOL, MAX_VERSION } from '../engine/flow-log/flow-log-fields';
import { isIpAddress } from '../engine/ip/ip-address';
import {
  COUNT_NOT_NUMBER,
  COUNT_PAST_MAX,
  END_PAST_MAX,
  insightsFieldOf,
  isParsedField,
  PORT_NOT_NUMBER,
  PORT_OUT_OF_RANGE,
  START_AFTER_END,
  TCP_FLAG_BITS,
  TCP_FLAGS_NOT_NUMBER,
  TCP_FLAGS_OUT_OF_RANGE,
} from './insights-query-builder';

const optionalNumber = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '' || v === '-') return null;
    const n = Number(v);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `not a number: ${v}` });
      return z.NEVER;
    }
    return n;
  });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' || v === '-' ? null : v));

/**
 * One row of the flow query, as Insights returns it (every value a string, absent fields left
 * out). The fields a flow needs are read as text: a row of records that lack one is counted, not
 * refused (see InsightsRowMerger.unreadReason).
 */
const InsightsFlowRow = z.object({
  [insightsFieldOf('interface-id')]: optionalText,
  [insightsFieldOf('account-id')]: optionalText,
  [insightsFieldOf('vpc-id')]: optionalText,
  [insightsFieldOf('subnet-id')]: optionalText,
  [insightsFieldOf('flow-direction')]: optionalText,
  [insightsFieldOf('srcaddr')]: optionalText,
  [insightsFieldOf('dstaddr')]: optionalText,
  [insightsFieldOf('protocol')]: optionalText,
  [insightsFieldOf('action')]: optionalText,
  [insightsFieldOf('reject-reason')]: optionalText,
  [insightsFieldOf('log-status')]: optionalText,
  [insightsFieldOf('version')]: optionalText,
  [insightsFieldOf('pkt-srcaddr')]: optionalText,
  [insightsFieldOf('pkt-dstaddr')]: optionalText,
  [TCP_FLAGS_NOT_NUMBER]: optionalNumber,
  [TCP_FLAGS_OUT_OF_RANGE]: optionalNumber,
  [COUNT_NOT_NUMBER]: optionalNumber,
  [COUNT_PAST_MAX]: optionalNumber,
  [END_PAST_MAX]: optionalNumber,
  [START_AFTER_END]: optionalNumber,
  [PORT_NOT_NUMBER]: optionalNumber,
  [PORT_OUT_OF_RANGE]: optionalNumber,
  port_low: optionalNumber,
  port_dst_service: optionalNumber,
  port_ephemeral: optionalNumber,
  port_kept: optionalNumber,
  hour: optionalNumber,
  records: optionalNumber,
  packets: optionalNumber,
  bytes: optionalNumber,
  first_start: optionalNumber,
  last_end: optionalNumber,
  ephemeral_min: optionalNumber,
  ephemeral_max: optionalNumber,
  ...Object.fromEntries(Array.from({ length: TCP_FLAG_BITS }, (_, bit) => [`tcp_flag_${bit}_any`, optionalNumber])),
});

interface Entry {
  flow: FlowAggregate;
  reasonConflict: boolean;
}

const portKey = (port: number | null) => (port === null ? '-' : String(port));

/**
 * Merges the rows of one window's Insights queries — one row per tuple and hour, possibly from
 * several slices of the window — into FlowAggregates keyed as the engine's aggregator keys them,
 * each REJECT aggregate carrying its records per hour (`hourly`): what the Athena source returns
 * and the file collector computes. Sums add up, the collapsed port's range widens, tcp-flags are
 * OR-ed, reject-reason survives only where every row agrees, the first and last seen widen.
 * A row of records that are no flow (SKIPDATA, a value that cannot be read, messages that do not
 * match the log format) is counted by reason for its log group, never aggregated.
 */
export class InsightsRowMerger {
  private readonly entries = new Map<string, Entry>();
  private readonly unreadByGroup = new Map<string, UnreadRecords>();
  /** Rows read. */
  rows = 0;

  /** The records left out of the aggregates, by log group (only groups that had some). */
  unread(): Array<{ logGroupName: string; unread: UnreadRecords }> {
    return [...this.unreadByGroup]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([logGroupName, unread]) => ({ logGroupName, unread }));
  }

  add(row: ResultField[], logGroupName: string): void {
    const values: Record<string, string> = {};
    for (const cell of row) if (cell.field !== undefined && cell.value !== undefined) values[cell.field] = cell.value;
    const parsed = InsightsFlowRow.safeParse(values);
    if (!parsed.success) {
      throw new AwsAdapterError(
        'AWS.UNEXPECTED_RESPONSE',
        `CloudWatch Logs Insights returned a row sgdoctor cannot read: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.rows++;
    const r = parsed.data as Record<string, string | number | null>;
    const text = (field: string) => r[insightsFieldOf(field)] as string | null;
    const num = (name: string) => r[name] as number | null;
    const unread = isUnparsed(values) ? UNPARSED : unreadReason(text, num);
    if (unread) {
      let counts = this.unreadByGroup.get(logGroupName);
      if (!counts) this.unreadByGroup.set(logGroupName, (counts = emptyUnreadRecords()));
      countUnreadRecords(counts, unread, num('records') ?? 0);
      return;
    }
    const action = text('action');
    if (action !== 'ACCEPT' && action !== 'REJECT') {
      throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `CloudWatch Logs Insights returned a row of action ${String(action)}`);
    }
    const protocol = Number(text('protocol'));
    const direction = text('flow-direction');
    const flowDirection: Direction | null = direction === 'ingress' || direction === 'egress' ? direction : null;

    let srcport: number | null = null;
    let dstport: number | null = null;
    let side: 'src' | 'dst' | null = null;
    let ephemeralMin: number | null = null;
    let ephemeralMax: number | null = null;
    const low = num('port_low');
    if (PORTED_PROTOCOLS.includes(protocol) && low !== null) {
      const dstService = num('port_dst_service') === 1;
      if (num('port_ephemeral') === 1) {
        side = dstService ? 'dst' : 'src';
        ephemeralMin = num('ephemeral_min');
        ephemeralMax = num('ephemeral_max');
        if (dstService) {
          dstport = low;
          srcport = ephemeralMin;
        } else {
          srcport = low;
          dstport = ephemeralMin;
        }
      } else {
        const kept = num('port_kept');
        srcport = dstService ? kept : low;
        dstport = dstService ? low : kept;
      }
    }
    let tcpFlags: number | null = null;
    for (let bit = 0; bit < TCP_FLAG_BITS; bit++) {
      const any = num(`tcp_flag_${bit}_any`);
      if (any === null) continue;
      tcpFlags = (tcpFlags ?? 0) | (any >= 1 ? 1 << bit : 0);
    }
    const records = num('records') ?? 0;
    const firstSeen = num('first_start') ?? num('last_end') ?? 0;
    const lastSeen = num('last_end') ?? num('first_start') ?? 0;
    const hour = num('hour');
    const flow: FlowAggregate = {
      interfaceId: text('interface-id') as string,
      accountId: text('account-id'),
      vpcId: text('vpc-id'),
      subnetId: text('subnet-id'),
      flowDirection,
      srcaddr: text('srcaddr') as string,
      dstaddr: text('dstaddr') as string,
      srcport,
      dstport,
      protocol,
      action,
      tcpFlags,
      rejectReason: text('reject-reason'),
      servicePortSide: side,
      ephemeralPortMin: ephemeralMin,
      ephemeralPortMax: ephemeralMax,
      records,
      packets: num('packets') ?? 0,
      bytes: num('bytes') ?? 0,
      firstSeen,
      lastSeen,
      ...(action === 'REJECT' && hour !== null ? { hourly: [hour, records] } : {}),
    };
    const key = [
      flow.interfaceId,
      flow.flowDirection ?? '-',
      flow.srcaddr,
      flow.dstaddr,
      flow.protocol,
      side === 'dst' ? '*' : portKey(srcport),
      side === 'src' ? '*' : portKey(dstport),
      action,
    ].join(' ');
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { flow, reasonConflict: false });
      return;
    }
    merge(entry, flow);
  }

  /** The merged aggregates (REJECT ones carry `hourly` when the format has `start`). */
  aggregates(): FlowAggregate[] {
    return [...this.entries.values()].map((entry) => entry.flow);
  }
}

const UNPARSED: UnreadRecordReason = 'message does not match the log format';

/** A number as the line parser reads one: digits only, no sign (`+6` is no protocol). */
const DIGITS = /^[0-9]+$/;

/**
 * Whether a row holds the messages that did not match the log format: the query's `parse` set
 * none of their fields, so no key of the flow log's is in the row (Insights leaves a field without
 * a value out). A record that matched has every field, if only `-`.
 */
function isUnparsed(values: Record<string, string>): boolean {
  return !Object.keys(values).some(isParsedField);
}

/**
 * Why a row's records are no flow, in the order the Athena query checks (the first that fails):
 * SKIPDATA, a log-status other than OK (`-` reads as OK, as the file reader reads it), a `-`
 * interface, address or protocol, a protocol that is not a number or not from 0 to 255, an
 * address that is neither IPv4 nor IPv6, a port that is no number or past 65535, a version that is
 * no number or past 255, a packet address that is neither `-` nor IPv4 or IPv6, tcp-flags that are
 * no number or past 255, a direction neither `-`, ingress nor egress, packets or bytes that are no
 * number or past 2^63 - 1, an end past 9999-12-31T23:59:59Z, a start after the end. Null for a row
 * of flows. (`-` reads as null here: the row schema reads it so.)
 */
function unreadReason(text: (field: string) => string | null, num: (name: string) => number | null): UnreadRecordReason | null {
  const status = text('log-status');
  if (status === 'SKIPDATA') return 'skipdata';
  if (status !== null && status !== 'OK') return 'log-status not OK';
  if (text('interface-id') === null) return 'no interface-id';
  if (text('srcaddr') === null || text('dstaddr') === null) return 'no address';
  const protocol = text('protocol');
  if (protocol === null) return 'no protocol';
  if (!DIGITS.test(protocol)) return 'protocol not a number';
  if (Number(protocol) > MAX_PROTOCOL) return 'protocol not from 0 to 255';
  if (!isIpAddress(text('srcaddr') as string) || !isIpAddress(text('dstaddr') as string)) return 'address not IPv4 or IPv6';
  if ((num(PORT_NOT_NUMBER) ?? 0) >= 1) return 'port not a number';
  if ((num(PORT_OUT_OF_RANGE) ?? 0) >= 1) return 'port not from 0 to 65535';
  const version = text('version');
  if (version !== null && !DIGITS.test(version)) return 'version not a number';
  if (version !== null && Number(version) > MAX_VERSION) return 'version not from 0 to 255';
  if ([text('pkt-srcaddr'), text('pkt-dstaddr')].some((a) => a !== null && !isIpAddress(a)))
    return 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6';
  if ((num(TCP_FLAGS_NOT_NUMBER) ?? 0) >= 1) return 'tcp-flags not a number';
  if ((num(TCP_FLAGS_OUT_OF_RANGE) ?? 0) >= 1) return 'tcp-flags not from 0 to 255';
  const direction = text('flow-direction');
  if (direction !== null && direction !== 'ingress' && direction !== 'egress') return 'flow-direction not ingress or egress';
  if ((num(COUNT_NOT_NUMBER) ?? 0) >= 1) return 'packets or bytes not a number';
  if ((num(COUNT_PAST_MAX) ?? 0) >= 1) return 'packets or bytes past 9223372036854775807';
  if ((num(END_PAST_MAX) ?? 0) >= 1) return 'end past 9999-12-31T23:59:59Z';
  if ((num(START_AFTER_END) ?? 0) >= 1) return 'start after end';
  return null;
}

function merge(entry: Entry, next: FlowAggregate): void {
  const a = entry.flow;
  a.records += next.records;
  a.packets += next.packets;
  a.bytes += next.bytes;
  a.firstSeen = Math.min(a.firstSeen, next.firstSeen);
  a.lastSeen = Math.max(a.lastSeen, next.lastSeen);
  a.accountId ??= next.accountId;
  a.vpcId ??= next.vpcId;
  a.subnetId ??= next.subnetId;
  if (next.tcpFlags !== null) a.tcpFlags = (a.tcpFlags ?? 0) | next.tcpFlags;
  if (!entry.reasonConflict && a.rejectReason !== next.rejectReason) {
    entry.reasonConflict = true;
    a.rejectReason = null;
  }
  if (a.servicePortSide !== null) {
    const min = minOf(a.ephemeralPortMin, next.ephemeralPortMin);
    a.ephemeralPortMin = min;
    a.ephemeralPortMax = maxOf(a.ephemeralPortMax, next.ephemeralPortMax);
    if (a.servicePortSide === 'dst') a.srcport = min;
    else a.dstport = min;
  }
  if (next.hourly) {
    const hourly = [...(a.hourly ?? [])];
    forEachHour(next.hourly, (hour, records) => addHourRecords(hourly, hour, records));
    a.hourly = hourly;
  }
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
