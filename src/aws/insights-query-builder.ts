import { MAX_EPOCH_SECONDS, MAX_PORT, MAX_TCP_FLAGS, parseLogFormat } from '../engine/flow-log/flow-log-fields';
import { AwsAdapterError } from './aws-adapter.error';
import { checkFlowQueryInput } from './athena-query-builder';

/** CloudWatch Logs Insights returns at most this many rows per query. */
export const INSIGHTS_MAX_ROWS = 10_000;

/** StartQuery's `queryString` holds at most this many characters. */
export const INSIGHTS_MAX_QUERY_LENGTH = 10_000;

/** Bits of `tcp-flags` OR-ed per tuple (FIN … CWR): Insights has no bitwise OR, so each bit is a max. */
export const TCP_FLAG_BITS = 8;

/** The key that is 1 for records whose `end` lies past 9999-12-31T23:59:59Z. */
export const END_PAST_MAX = 'end_past_max';

/** The key that is 1 for records whose `start` lies after their `end`. */
export const START_AFTER_END = 'start_after_end';

/** The key that is 1 for records with a port that is neither `-` nor a whole number (not negative). */
export const PORT_NOT_NUMBER = 'port_not_number';

/** The key that is 1 for records with a port past 65535. */
export const PORT_OUT_OF_RANGE = 'port_out_of_range';

/** The key that is 1 for records whose `tcp-flags` is neither `-` nor a whole number (not negative). */
export const TCP_FLAGS_NOT_NUMBER = 'tcp_flags_not_number';

/** The key that is 1 for records whose `tcp-flags` lies past 255. */
export const TCP_FLAGS_OUT_OF_RANGE = 'tcp_flags_out_of_range';

/** The key that is 1 for records whose `packets` or `bytes` is neither `-` nor a whole number (not negative). */
export const COUNT_NOT_NUMBER = 'count_not_number';

/** The key that is 1 for records whose `packets` or `bytes` lies past 2^63 - 1 (as near as a double tells). */
export const COUNT_PAST_MAX = 'count_past_max';

/**
 * The least double above 2^63: a count whose value, as a double, reaches it is past 2^63 - 1. The
 * counts that round to 2^63 itself (up to 2^63 + 1024) cannot be told from 2^63 - 1, which rounds
 * there too, and are read, as the largest count: a valid count is never refused.
 */
const COUNT_PAST_MAX_DOUBLE = '9223372036854777856';

export interface InsightsQueryInput {
  /** The flow log's LogFormat (`${version} ${account-id} …`): the order of the fields in each message. */
  logFormat: string;
  /** The analysis window: records overlapping [from, to) are read, as the Athena and file sources read them. */
  from: Date;
  to: Date;
  /** A slice of the window by the records' `start` (epoch seconds, [from, to)): how a capped query is split. */
  startSlice?: { from: number; to: number } | null;
  scope?: { vpcIds?: string[] | null; subnetIds?: string[] | null; interfaceIds?: string[] | null } | null;
}

export interface BuiltInsightsQuery {
  queryString: string;
  /** The flow-log fields the query reads (those of the format). */
  fields: ReadonlySet<string>;
}

const PARSED_FIELD_PREFIX = 'fl_';

/** The Insights field a flow-log field is parsed into: `fl_` and its name with `-` replaced by `_`. */
export function insightsFieldOf(field: string): string {
  return `${PARSED_FIELD_PREFIX}${field.replace(/-/g, '_')}`;
}

/** Whether a result field is one the query's `parse` sets (a flow-log field), not one it derives or aggregates. */
export function isParsedField(name: string): boolean {
  return name.startsWith(PARSED_FIELD_PREFIX);
}

/** Flow-log field names as the format parser accepts them; anything else never reaches a query. */
const FIELD_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Scope values: AWS resource ids, nothing that could close a string literal. */
const RESOURCE_ID = { vpcIds: /^vpc-[0-9a-f]{8,17}$/, subnetIds: /^subnet-[0-9a-f]{8,17}$/, interfaceIds: /^eni-[0-9a-f]{8,17}$/ } as const;

/**
 * Builds the CloudWatch Logs Insights query of one window (or one slice of it) over a flow log's
 * log group. Insights does the aggregation: every message is parsed by the flow log's format,
 * REJECT and ACCEPT records of the window kept, and one row returned per
 * (interface, direction, source, destination, protocol, ports after the shared collapse, action,
 * reject-reason, hour of `start`) — the Athena source's tuple with its `hourly_records`, so the
 * rows grow with distinct tuples per hour, not with records. The client merges the hours
 * (InsightsRowMerger) into the aggregates both other sources return.
 *
 * The records of the window that are left out of the aggregates are counted by the same query,
 * not a second one: SKIPDATA records are kept by the filter, and records that cannot be read are
 * not filtered out; the log-status, whether a port, the tcp-flags, the packets or the bytes are no
 * number or past what they hold, whether `end` lies past 9999-12-31T23:59:59Z and whether `start`
 * lies after `end` are keys, and so are the version and the packet addresses; such records come
 * back in rows of their own (interface, addresses, protocol and direction are keys already,
 * checked by the merger: a `-`, a protocol not from 0 to 255, an address that is neither IPv4 nor
 * IPv6, a direction neither ingress nor egress), which the merger counts by reason instead of
 * aggregating. Insights has no CASE to
 * fold them into one row per reason; they are rare, and a SKIPDATA row is one per interface and
 * hour. Messages that do not match the log format are kept too (see unparsedMessages): with every
 * key absent they fall into one row of their own.
 *
 * Insights has neither CASE nor bitwise functions, so the port collapse and the tcp-flags OR are
 * written in arithmetic (`least`, `greatest`, `floor`, `abs`, `%`):
 * - `port_low` = least(srcport, dstport), the service port;
 * - `port_dst_service` = 1 when the destination is the service side (srcport >= dstport, a tie
 *   counts as the destination), else 0: floor((s - d) / (|s - d| + 1)) is -1 when s < d, else 0;
 * - `port_ephemeral` = 1 when the other port is >= 1024 (collapsed), else 0;
 * - `port_kept` = the other port when it is not collapsed, else 0;
 * - the collapsed port's min and max per tuple;
 * - `tcp_flag_<b>` = bit b of tcp-flags, aggregated with max.
 * Ports of protocols without ports (not 6, 17, 132) are dropped by the client, as the shared rule does.
 *
 * Insights has no bound parameters: every value in the string is a number this builder
 * produced, a constant of the builder, or a scope id matched against a strict pattern (AWS ids:
 * a prefix, a dash, hex digits) before it is quoted; field names come from the parsed log format
 * and are matched against `[a-z][a-z0-9-]*`. No text from a log event or a request reaches the
 * query unchecked.
 */
export class InsightsQueryBuilder {
  build(input: InsightsQueryInput): BuiltInsightsQuery {
    const names = parseLogFormat(input.logFormat, { unknownFields: 'keep' }).names;
    for (const name of names) {
      if (!FIELD_NAME.test(name))
        throw new AwsAdapterError('AWS.INVALID_IDENTIFIER', `flow-log field "${name}" cannot be named in a query`);
    }
    const fields = new Set(names);
    checkFlowQueryInput(fields, input);
    const f = insightsFieldOf;
    const has = (field: string) => fields.has(field);
    const fromSec = integer(Math.floor(input.from.getTime() / 1000));
    const toSec = integer(Math.ceil(input.to.getTime() / 1000));

    const parse = `parse @message "${names.map(() => '*').join(' ')}" as ${names.map(f).join(', ')}`;
    // REJECT and ACCEPT records, and SKIPDATA ones (their action is `-`). Records that cannot be
    // read (a `-` interface or address, a protocol that is no number, an end past 9999-12-31,
    // another log-status) are not filtered out: they reach `stats` under their own keys, and
    // InsightsRowMerger counts their rows instead of aggregating them; so are messages that do not
    // match the format, beside these conditions (`unparsed or (…)`), which they could never meet.
    const actions = `${f('action')} = "REJECT" or ${f('action')} = "ACCEPT"`;
    const filters = [has('log-status') ? `(${actions} or ${f('log-status')} = "SKIPDATA")` : `(${actions})`];
    // A record overlaps the window when it starts before its end and ends at or after its start.
    if (has('start')) filters.push(`${f('start')} < ${toSec}`);
    if (has('end')) filters.push(`${f('end')} >= ${fromSec}`);
    if (input.startSlice) {
      if (!has('start'))
        throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', 'a window can only be split when the flow-log format has `start`');
      filters.push(`${f('start')} >= ${integer(input.startSlice.from)}`, `${f('start')} < ${integer(input.startSlice.to)}`);
    }
    const scope = input.scope ?? {};
    const inList = (field: string, kind: keyof typeof RESOURCE_ID, values: readonly string[]) => {
      for (const value of values) {
        if (!RESOURCE_ID[kind].test(value))
          throw new AwsAdapterError('AWS.INVALID_IDENTIFIER', `scope ${kind}: "${value}" is not an AWS id`);
      }
      return `${f(field)} in [${values.map((v) => `"${v}"`).join(', ')}]`;
    };
    if (scope.interfaceIds?.length) filters.push(inList('interface-id', 'interfaceIds', scope.interfaceIds));
    if (scope.vpcIds?.length && has('vpc-id')) filters.push(inList('vpc-id', 'vpcIds', scope.vpcIds));
    if (scope.subnetIds?.length && has('subnet-id')) filters.push(inList('subnet-id', 'subnetIds', scope.subnetIds));
    const unparsed = unparsedMessages(names[0], input);
    const filter = unparsed ? `${unparsed} or (${filters.join(' and ')})` : filters.join(' and ');

    const s = f('srcport');
    const d = f('dstport');
    const ported = has('srcport') && has('dstport');
    const derived: string[][] = [];
    if (ported) {
      derived.push([
        `least(${s}, ${d}) as port_low`,
        `greatest(${s}, ${d}) as port_high`,
        `floor((${s} - ${d}) / (abs(${s} - ${d}) + 1)) + 1 as port_dst_service`,
      ]);
      derived.push(['least(floor(port_high / 1024), 1) as port_ephemeral']);
      derived.push(['port_high * (1 - port_ephemeral) as port_kept']);
    }
    const first: string[] = [];
    if (has('start')) first.push(`floor(${f('start')} / 3600) * 3600 as hour`);
    // 1 for a capture time past 9999-12-31T23:59:59Z, which is no time (the file readers count
    // its line malformed), else 0: a key of its own, so such records are counted, not merged.
    if (has('end')) first.push(`least(floor(${f('end')} / ${MAX_EPOCH_SECONDS + 1}), 1) as ${END_PAST_MAX}`);
    // 1 for a capture window that ends before it starts (malformed to the file readers), else 0.
    if (has('start') && has('end')) first.push(`least(greatest(${f('start')} - ${f('end')}, 0), 1) as ${START_AFTER_END}`);
    // 1 for a port that is no number or past 65535 (malformed to the file readers, whatever the
    // protocol), else 0: keys of their own, so such records are counted, not merged (where a port
    // that is no number would leave the record without ports, and one past 65535 make it ephemeral).
    const ports = ['srcport', 'dstport'].filter(has).map(f);
    if (ports.length) {
      first.push(`least(${ports.map(notNumber).join(' + ')}, 1) as ${PORT_NOT_NUMBER}`);
      first.push(
        `least(${ports.map((p) => `coalesce(greatest(floor(${p} / ${MAX_PORT + 1}), 0), 0)`).join(' + ')}, 1) as ${PORT_OUT_OF_RANGE}`,
      );
    }
    if (has('tcp-flags')) {
      const t = f('tcp-flags');
      // 1 for tcp-flags that are no number or past 255 (malformed to the file readers), else 0: keys of
      // their own, so such records are counted (no number would read as no flags at all).
      first.push(`${notNumber(t)} as ${TCP_FLAGS_NOT_NUMBER}`);
      first.push(`coalesce(greatest(floor(${t} / ${MAX_TCP_FLAGS + 1}), 0), 0) as ${TCP_FLAGS_OUT_OF_RANGE}`);
      for (let bit = 0; bit < TCP_FLAG_BITS; bit++) first.push(`floor(${t} / ${2 ** bit}) % 2 as tcp_flag_${bit}`);
    }
    // 1 for packets or bytes that are no number (`sum` would leave them out: 0 packets) or past
    // 2^63 - 1, else 0: keys of their own, so such records are counted, as the file readers count them.
    const counts = ['packets', 'bytes'].filter(has).map(f);
    if (counts.length) {
      first.push(`least(${counts.map(notNumber).join(' + ')}, 1) as ${COUNT_NOT_NUMBER}`);
      first.push(
        `least(${counts.map((c) => `coalesce(greatest(floor(${c} / ${COUNT_PAST_MAX_DOUBLE}), 0), 0)`).join(' + ')}, 1) as ${COUNT_PAST_MAX}`,
      );
    }
    if (first.length) derived.unshift(first);

    const stats = ['count(*) as records'];
    if (has('packets')) stats.push(`sum(${f('packets')}) as packets`);
    if (has('bytes')) stats.push(`sum(${f('bytes')}) as bytes`);
    if (has('start')) stats.push(`min(${f('start')}) as first_start`);
    if (has('end')) stats.push(`max(${f('end')}) as last_end`);
    if (ported) stats.push('min(port_high) as ephemeral_min', 'max(port_high) as ephemeral_max');
    if (has('tcp-flags')) for (let bit = 0; bit < TCP_FLAG_BITS; bit++) stats.push(`max(tcp_flag_${bit}) as tcp_flag_${bit}_any`);

    // The version and the packet addresses are keys for the merger to check (one version per log, and
    // packet addresses that mostly follow the record's): rows that differ only by them merge again.
    const by = [
      'interface-id',
      'account-id',
      'vpc-id',
      'subnet-id',
      'flow-direction',
      'srcaddr',
      'dstaddr',
      'protocol',
      'action',
      'reject-reason',
      'version',
      'pkt-srcaddr',
      'pkt-dstaddr',
    ]
      .filter(has)
      .map(f);
    if (has('log-status')) by.push(f('log-status'));
    if (ported) by.push('port_low', 'port_dst_service', 'port_ephemeral', 'port_kept');
    if (ports.length) by.push(PORT_NOT_NUMBER, PORT_OUT_OF_RANGE);
    if (has('tcp-flags')) by.push(TCP_FLAGS_NOT_NUMBER, TCP_FLAGS_OUT_OF_RANGE);
    if (counts.length) by.push(COUNT_NOT_NUMBER, COUNT_PAST_MAX);
    if (has('end')) by.push(END_PAST_MAX);
    if (has('start') && has('end')) by.push(START_AFTER_END);
    if (has('start')) by.push('hour');

    const queryString = [
      parse,
      `| filter ${filter}`,
      ...derived.map((list) => `| fields ${list.join(', ')}`),
      `| stats ${stats.join(', ')} by ${by.join(', ')}`,
      `| limit ${INSIGHTS_MAX_ROWS}`,
    ].join('\n');
    // StartQuery refuses a longer string (InvalidParameterException); the scope's ids make most of it.
    if (queryString.length > INSIGHTS_MAX_QUERY_LENGTH) {
      throw new AwsAdapterError(
        'AWS.QUERY_TOO_LONG',
        `CloudWatch Logs Insights query is ${queryString.length} characters, StartQuery accepts at most ${INSIGHTS_MAX_QUERY_LENGTH}: narrow the scope`,
        { length: queryString.length },
      );
    }
    return { queryString, fields };
  }
}

/**
 * 1 when the parsed value `p` is neither `-` nor a whole number from 0 up written in digits, else 0.
 * Arithmetic on a value that is no number gives none, so `coalesce` goes on to its text, where only
 * `-` (length 1, holding a `-`) counts for nothing; a number is checked for a fraction (ceil of what
 * floor left) and a sign (floor(p / (|p| + 1)) is -1 below 0, else 0). Text that arithmetic may read
 * as a whole number but the line parser refuses — a `+` sign, a `.0` fraction, an exponent — holds a
 * `+`, a `.` or an `e`.
 */
function notNumber(p: string): string {
  const numeric = `least(ceil(${p} - floor(${p})) - floor(${p} / (abs(${p}) + 1)), 1)`;
  const text = `least(strlen(${p}) - strcontains(${p}, "-"), 1)`;
  const written = ['+', '.', 'e', 'E'].map((c) => `strcontains(${p}, "${c}")`).join(' + ');
  return `least(coalesce(${numeric}, ${text}) + ${written}, 1)`;
}

/**
 * The filter that keeps the messages of this query that do not match the log format, so that
 * `stats` counts them (in a row with no key: every parsed field absent) instead of dropping them;
 * null when the query owns none.
 *
 * A glob `parse` sets every field or, when the message has too few fields for the pattern, none:
 * such a message is known by its first field being absent. It has no `start` to place it in a
 * slice, so it is placed by its log event's @timestamp: counted are the unparsed messages whose
 * @timestamp (epoch ms) lies in the window [from, to) and, when the window is split, also in the
 * slice [startSlice.from, startSlice.to) (seconds). The events a query reads reach beyond both
 * (records may start before the window, events are read with slack around a slice); the ones
 * outside are read but not counted. The slices of a window split it without overlap, so each
 * unparsed message of the window is counted by exactly one of its queries, and not again by a
 * window that does not overlap this one. Slices of records that started before the window own
 * none. The scope is not applied: such a message names no VPC, subnet or interface, so it is
 * counted as its log group's.
 */
function unparsedMessages(firstField: string, input: InsightsQueryInput): string | null {
  let fromMs = input.from.getTime();
  let toMs = input.to.getTime();
  if (input.startSlice) {
    fromMs = Math.max(fromMs, integer(input.startSlice.from) * 1000);
    toMs = Math.min(toMs, integer(input.startSlice.to) * 1000);
  }
  if (fromMs >= toMs) return null;
  const at = 'toMillis(@timestamp)';
  return `(not ispresent(${insightsFieldOf(firstField)}) and ${at} >= ${integer(fromMs)} and ${at} < ${integer(toMs)})`;
}

function integer(value: number): number {
  if (!Number.isSafeInteger(value)) throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', `not an integer: ${value}`);
  return value;
}
