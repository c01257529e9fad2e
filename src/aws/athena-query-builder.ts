import { MAX_EPOCH_SECONDS, MAX_PORT, MAX_PROTOCOL, MAX_TCP_FLAGS, MAX_VERSION, parseLogFormat } from '../engine/flow-log/flow-log-fields';
import { SKIPDATA_REASON, type MalformedRecordReason, type UnreadRecordReason } from '../engine/flow-log/unread-records';
import { AwsAdapterError } from './aws-adapter.error';
import { quoteAthenaIdentifier } from './athena-identifier';

export interface AthenaTableRef {
  /** Data catalog; `AwsDataCatalog` (Glue) when absent. */
  catalog?: string | null;
  database: string;
  table: string;
}

/** Date formats of a single string partition column (Hive `dt=` or a projected `day`). */
export type AthenaDatePartitionFormat = 'yyyy/MM/dd' | 'yyyy-MM-dd' | 'yyyyMMdd' | 'yyyy/MM/dd/HH' | 'yyyy-MM-dd-HH';

/**
 * How the flow-log table is partitioned, so the query reads only the days (or hours) of the window:
 * - `none`: no partitions (the time predicate still applies);
 * - `date-string`: one column holding the date — a Hive-style `dt`/`date` partition or a
 *   partition-projected `day` such as `2024/05/01` (AWS's default S3 prefix `YYYY/MM/DD`); of type
 *   `string`, or of type `date` (`columnType: 'date'`, the table AWS's documentation creates),
 *   which is compared with dates, not strings;
 * - `date-parts`: Hive-compatible `year=/month=/day=[/hour=]` columns, as strings (`'05'`) or integers.
 * Any of them may also name the partition columns holding the account and the region (AWS's
 * Hive-compatible and Parquet layouts, central multi-account buckets): the query then reads only
 * the target's.
 */
export type AthenaPartitionLayout = (
  | { type: 'none' }
  | {
      type: 'date-string';
      column: string;
      format: AthenaDatePartitionFormat;
      columnType?: 'string' | 'date';
      /** An hour partition beside a daily one (`date` + `hour`, as Parquet tables have): read by the hour. */
      hour?: string | null;
      hourType?: 'string' | 'integer';
    }
  | {
      type: 'date-parts';
      year: string;
      month: string;
      day: string;
      hour?: string | null;
      valueType?: 'string' | 'integer';
    }
) &
  AthenaScopePartitions;

/** Partition columns that hold the account id and the region of the records. */
export interface AthenaScopePartitions {
  accountColumn?: string | null;
  regionColumn?: string | null;
}

/**
 * What a query returns: REJECT aggregates, ACCEPT aggregates, or — what analyses run, one scan
 * per window — the REJECT aggregates with the ACCEPT evidence the diagnosis uses (`window`).
 */
export type FlowQueryKind = 'reject' | 'accept' | 'window';

/**
 * At most this many accepted peers per service (interface, protocol, service port and side) of a
 * rejected flow are returned on each side, those not rejected there first: the diagnosis only asks
 * whether the service was accepted from a peer outside a finding.
 */
export const ACCEPTED_PEERS_PER_SERVICE = 50;

export interface FlowQueryInput {
  table: AthenaTableRef;
  layout: AthenaPartitionLayout;
  /** The flow log's format (`${version} ${account-id} …`); columns are its fields, `-` → `_`. */
  logFormat: string;
  kind: FlowQueryKind;
  from: Date;
  to: Date;
  /**
   * The target's account and region: the values of the layout's account and region partitions.
   * An organisation target reads many (its member accounts and regions) in the same one scan.
   */
  accountId?: string | readonly string[] | null;
  region?: string | readonly string[] | null;
  /** Optional pre-filters; applied only when the table has the column. */
  scope?: { vpcIds?: string[] | null; subnetIds?: string[] | null; interfaceIds?: string[] | null } | null;
  /**
   * Partitions are cut by delivery time, which trails the records' `start`: widen the partition
   * range by this much on both sides (default one hour). The `start`/`end` predicate stays exact.
   */
  partitionSlackSeconds?: number;
  /**
   * A table over delimited text (LazySimpleSerDe, with no NULL format of its own): its string
   * columns. Such a table reads a line with fewer fields than its columns with the rest NULL, and
   * a string column is NULL only then (`-` stays `-`), so the query can count the lines too short
   * for the format (SHORT_LINE_REASON). Absent for any other table: in Parquet, or in a numeric
   * column (where `-` reads as NULL), a NULL says nothing about the line.
   */
  delimitedText?: { stringColumns: readonly string[] } | null;
}

/** What a line too short for the format is counted as: what the Logs Insights source calls it too. */
export const SHORT_LINE_REASON: MalformedRecordReason = 'message does not match the log format';

export interface BuiltFlowQuery {
  sql: string;
  /** ExecutionParameters, in the order of the `?` in the SQL; strings already quoted. */
  parameters: string[];
  /** Names of the columns of a result row, in order. */
  columns: readonly string[];
  /** Fields of the format newer than sgdoctor's catalogue: their columns are not read. */
  unknownFields: readonly string[];
}

/** Athena's maximum query string length. */
export const ATHENA_MAX_QUERY_BYTES = 262_144;

/** The flow-log fields no REJECT can be attributed without. */
export const REQUIRED_FIELDS = ['interface-id', 'srcaddr', 'dstaddr', 'protocol', 'action'] as const;

/**
 * What every flow query needs, whichever service runs it: a log format with the fields a REJECT is
 * attributed by, and a window that ends after it starts.
 */
export function checkFlowQueryInput(fields: ReadonlySet<string>, window: { from: Date; to: Date }): void {
  const missing = REQUIRED_FIELDS.filter((f) => !fields.has(f));
  if (missing.length > 0) {
    throw new AwsAdapterError(
      'AWS.INVALID_CONFIGURATION',
      `flow-log format lacks ${missing.join(', ')}: REJECT flows cannot be attributed without them`,
      { missing },
    );
  }
  if (!(window.from.getTime() < window.to.getTime())) {
    throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', 'analysis window must end after it starts');
  }
}

/** The table column of a flow-log field: its name with `-` replaced by `_`. */
export function athenaColumnOf(field: string): string {
  return field.replace(/-/g, '_');
}

/** The result columns every query kind returns, in order (the row parser relies on the names). */
export const FLOW_AGGREGATE_COLUMNS = [
  'interface_id',
  'account_id',
  'vpc_id',
  'subnet_id',
  'flow_direction',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'action',
  'tcp_flags',
  'reject_reason',
  'service_port_side',
  'ephemeral_port_min',
  'ephemeral_port_max',
  'records',
  'packets',
  'bytes',
  'first_seen',
  'last_seen',
  'hourly_records',
  'unread_reason',
] as const;

/**
 * What a numeric column holds, as text: `-` or digits — no sign, no fraction, no exponent, as the
 * line parser reads a number (a regular expression, anchored: regexp_like finds).
 */
const NUMBER_TEXT = '^(-|[0-9]+)$';

/** The directions a `flow-direction` holds besides `-` (written into the projection as literals, as the log-status values are). */
const FLOW_DIRECTIONS = ['ingress', 'egress'] as const;

/**
 * A column that holds `-` or digits, through varchar: a text table's column is text already, a typed
 * (Parquet) one an integer whose text is its digits. Trino's own casts to integer and bigint take a
 * sign (`+6`) that the line parser refuses, so the text decides, not the cast. The pattern is written
 * in once for each column checked.
 */
const notNumberText = (reason: UnreadRecordReason, fields: readonly string[]): UnreadCheck => ({
  reason,
  anyOf: fields,
  condition: `NOT regexp_like(coalesce(TRY_CAST($ AS varchar), '-'), ?)`,
  values: [NUMBER_TEXT],
});

/**
 * Digits past a field's largest value. As a double: no string of digits is too long for it (an
 * integer cast of many digits would be NULL, and pass). The bound is a constant of the code, not a
 * value of the input: written into the query as it is.
 */
const pastMax = (reason: UnreadRecordReason, fields: readonly string[], max: number): UnreadCheck => ({
  reason,
  anyOf: fields,
  condition: `TRY_CAST($ AS double) > ${max}`,
});

type UnreadCheck = {
  reason: UnreadRecordReason;
  values?: readonly string[];
} & (
  | {
      field: string;
      /** A second field the condition reads: the check applies only when the format has both. */
      also?: string;
      condition: string;
    }
  | {
      /**
       * Fields checked alike, each the format has: the condition, every `$` standing for the field's
       * column (and `values` written in once for each), OR-ed over them.
       */
      anyOf: readonly string[];
      condition: string;
    }
);

/**
 * The records of the window the aggregate leaves out are counted by the same scan: each gets a
 * reason (the first check it fails) instead of being filtered out, and all of a reason fall into
 * one row, its grouping columns NULL, `unread_reason` set and `records` their count. A record of
 * the window is left out when it is SKIPDATA, when its log-status is neither OK nor `-`, when a
 * field every flow needs holds `-` (or nothing), when its protocol is not digits or not from 0
 * to 255, when an address is not IPv4 or IPv6, when a port is neither `-` nor digits or past
 * 65535, when its version or tcp-flags is neither `-` nor digits from 0 to 255, when a packet
 * address (pkt-srcaddr, pkt-dstaddr) is neither `-` nor IPv4 or IPv6, when its flow-direction is
 * neither `-`, ingress nor egress, when its packets or bytes are neither `-` nor digits up to
 * 2^63 - 1, when its end lies past 9999-12-31T23:59:59Z and when its start lies after its end: the
 * values the file readers count malformed. Only the fields the format has are checked. NODATA
 * records (no action) are not read: they carry no flow; SKIPDATA ones are counted as such, whatever
 * their values. Before all of these, in a delimited-text table, a line too short for the format
 * (SHORT_LINE_REASON).
 */
const UNREAD_CHECKS: readonly UnreadCheck[] = [
  { reason: SKIPDATA_REASON, field: 'log-status', condition: '"log_status" = ?', values: ['SKIPDATA'] },
  // `-` (or a column that is NULL) is no status: read as traffic, as the file reader reads it.
  { reason: 'log-status not OK', field: 'log-status', condition: `"log_status" NOT IN (?, '-')`, values: ['OK'] },
  { reason: 'no interface-id', field: 'interface-id', condition: `coalesce("interface_id", '-') = '-'` },
  { reason: 'no address', field: 'srcaddr', condition: `coalesce("srcaddr", '-') = '-' OR coalesce("dstaddr", '-') = '-'` },
  // Through varchar: a table of typed (Parquet) columns holds the protocol as an integer.
  { reason: 'no protocol', field: 'protocol', condition: `coalesce(TRY_CAST("protocol" AS varchar), '-') = '-'` },
  // `+6` is no protocol to the line parser, though Trino's integer cast reads it as 6.
  notNumberText('protocol not a number', ['protocol']),
  // Numbers past what a field holds are no values either (the file readers count their lines malformed):
  // a protocol 300 would make a finding of a protocol that does not exist.
  pastMax('protocol not from 0 to 255', ['protocol'], MAX_PROTOCOL),
  // Athena's own address parser decides (a cast to ipaddress): NULL when the text is neither IPv4 nor IPv6.
  { reason: 'address not IPv4 or IPv6', anyOf: ['srcaddr', 'dstaddr'], condition: 'TRY_CAST($ AS ipaddress) IS NULL' },
  // A port is `-` or digits, whatever the protocol (ICMP's are 0): in a text table `http` would read as a
  // NULL port.
  notNumberText('port not a number', ['srcport', 'dstport']),
  // Digits past 65535 would read as an ephemeral port.
  pastMax('port not from 0 to 65535', ['srcport', 'dstport'], MAX_PORT),
  notNumberText('version not a number', ['version']),
  pastMax('version not from 0 to 255', ['version'], MAX_VERSION),
  // `-` (as most records carry where the packet addresses are the record's) or an address.
  {
    reason: 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6',
    anyOf: ['pkt-srcaddr', 'pkt-dstaddr'],
    condition: `coalesce(TRY_CAST($ AS varchar), '-') <> '-' AND TRY_CAST($ AS ipaddress) IS NULL`,
  },
  // tcp-flags that are no number read as none (return traffic undetected); past 255 they are no flags.
  notNumberText('tcp-flags not a number', ['tcp-flags']),
  pastMax('tcp-flags not from 0 to 255', ['tcp-flags'], MAX_TCP_FLAGS),
  // Another direction read as none: the direction would be inferred where the record named a wrong one.
  {
    reason: 'flow-direction not ingress or egress',
    field: 'flow-direction',
    condition: `"flow_direction" NOT IN (?, ?, '-')`,
    values: FLOW_DIRECTIONS,
  },
  // Counts that are no number read as NULL, summed as 0 packets: counted instead.
  notNumberText('packets or bytes not a number', ['packets', 'bytes']),
  // Digits past 2^63 - 1 are no BIGINT: the cast is NULL (read as 0 too). The cast decides, exactly.
  {
    reason: 'packets or bytes past 9223372036854775807',
    anyOf: ['packets', 'bytes'],
    condition: `coalesce(TRY_CAST($ AS varchar), '-') <> '-' AND TRY_CAST($ AS bigint) IS NULL`,
  },
  // A capture time past 9999-12-31T23:59:59Z is no time: the file readers count its line malformed.
  // (A constant of the code, not a value of the input: written into the query as it is.)
  { reason: 'end past 9999-12-31T23:59:59Z', field: 'end', condition: `TRY_CAST("end" AS bigint) > ${MAX_EPOCH_SECONDS}` },
  // A capture window that ends before it starts: the file readers count its line malformed.
  { reason: 'start after end', field: 'start', also: 'end', condition: 'TRY_CAST("start" AS bigint) > TRY_CAST("end" AS bigint)' },
];

/** The per-record columns of the inner projection that key an aggregate: NULL for a record left out. */
const KEY_COLUMNS = new Set(['interface_id', 'flow_direction', 'srcaddr', 'dstaddr', 'src_port', 'dst_port', 'protocol', 'action']);

/**
 * Builds the per-window aggregate query. The aggregation runs in Athena: one row per
 * (interface, direction, source, destination, protocol, ports after collapse, action), so the
 * rows returned grow with distinct tuples, not with raw records. The REJECT query also returns
 * each row's records per hour (`hourly_records`), so findings get counts over time. The records
 * of the window left out of the aggregates (SKIPDATA, and those that cannot be read, see
 * UNREAD_CHECKS) are counted in the same scan, one row per reason with `unread_reason` set: no
 * record of the window is dropped without being counted.
 *
 * The port collapse is the shared rule (src/engine/flow-log/port-collapse.ts) in SQL:
 * for TCP, UDP and SCTP with both ports present the service port is least(srcport, dstport)
 * (a tie counts as the destination); when the other port is >= 1024 it is ephemeral: it leaves
 * the grouping key, its min/max are kept, and the min stands in for it in srcport/dstport.
 *
 * Values travel as ExecutionParameters (positional `?`, spliced as literals: strings carry their
 * own single quotes), every `?` in a WHERE clause: Athena binds a `?` nowhere else (`SELECT ?`
 * is refused), so the constants of the projection are written in as literals; identifiers are
 * validated and double-quoted, never parameters.
 */
export class AthenaQueryBuilder {
  build(input: FlowQueryInput): BuiltFlowQuery {
    // A field newer than the catalogue is not read; the format's other fields still are.
    const format = parseLogFormat(input.logFormat, { unknownFields: 'keep' });
    const fields = new Set(format.names);
    checkFlowQueryInput(fields, input);

    // Parameters in the order of their `?`, all of them in the WHERE clause (Athena binds none elsewhere).
    const params: string[] = [];
    const projection = this.projection(fields);
    const short = shortLineColumn(format.names, input.delimitedText);
    const unread = this.unreadReason(fields, short);
    const where = this.whereClause(input, fields, short, params);
    const source = this.tableName(input.table);
    const aggregate = [
      'SELECT',
      '  interface_id,',
      '  arbitrary(account_id) AS account_id,',
      '  arbitrary(vpc_id) AS vpc_id,',
      '  arbitrary(subnet_id) AS subnet_id,',
      '  flow_direction, srcaddr, dstaddr,',
      "  CASE WHEN service_port_side = 'dst' THEN min(ephemeral_port) ELSE key_srcport END AS srcport,",
      "  CASE WHEN service_port_side = 'src' THEN min(ephemeral_port) ELSE key_dstport END AS dstport,",
      '  protocol, action,',
      '  bitwise_or_agg(tcp_flags) AS tcp_flags,',
      // reject-reason survives only when every record agrees (a missing reason counts as a value).
      "  CASE WHEN count(DISTINCT coalesce(reject_reason, '-')) = 1 THEN max(reject_reason) END AS reject_reason,",
      '  service_port_side,',
      '  min(ephemeral_port) AS ephemeral_port_min,',
      '  max(ephemeral_port) AS ephemeral_port_max,',
      '  count(*) AS records,',
      '  sum(coalesce(packets, 0)) AS packets,',
      '  sum(coalesce(bytes, 0)) AS bytes,',
      '  min(coalesce(start_time, end_time, 0)) AS first_seen,',
      '  max(coalesce(end_time, start_time, 0)) AS last_seen,',
      `  ${this.hourlyRecords(input.kind, fields)},`,
      '  unread_reason',
      'FROM (',
      '  SELECT f.*,',
      "    CASE WHEN service_port_side = 'src' THEN dst_port WHEN service_port_side = 'dst' THEN src_port END AS ephemeral_port,",
      "    CASE WHEN service_port_side = 'dst' THEN NULL ELSE src_port END AS key_srcport,",
      "    CASE WHEN service_port_side = 'src' THEN NULL ELSE dst_port END AS key_dstport",
      '  FROM (',
      '    SELECT p.*,',
      '      CASE WHEN src_port IS NOT NULL AND dst_port IS NOT NULL AND greatest(src_port, dst_port) >= 1024',
      "        THEN CASE WHEN src_port < dst_port THEN 'src' ELSE 'dst' END END AS service_port_side",
      '    FROM (',
      '      SELECT unread_reason,',
      ...projection.map(({ alias }, i, all) => {
        const column = KEY_COLUMNS.has(alias) ? `CASE WHEN unread_reason IS NULL THEN ${alias} END AS ${alias}` : alias;
        return `        ${column}${i < all.length - 1 ? ',' : ''}`;
      }),
      '      FROM (',
      '        SELECT',
      ...projection.map(({ expression }) => `          ${expression},`),
      `          ${unread} AS unread_reason`,
      `        FROM ${source}`,
      `        WHERE ${where.join('\n          AND ')}`,
      '      ) r',
      '    ) p',
      '  ) f',
      ') k',
      'GROUP BY interface_id, flow_direction, srcaddr, dstaddr, protocol, key_srcport, key_dstport, service_port_side, action, unread_reason',
    ];
    const sql = (input.kind === 'window' ? windowEvidence(aggregate) : aggregate).join('\n');

    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > ATHENA_MAX_QUERY_BYTES) {
      throw new AwsAdapterError(
        'AWS.QUERY_TOO_LONG',
        `query is ${bytes} bytes, Athena accepts at most ${ATHENA_MAX_QUERY_BYTES}: narrow the scope filters`,
        { bytes },
      );
    }
    return { sql, parameters: params, columns: FLOW_AGGREGATE_COLUMNS, unknownFields: format.unknown };
  }

  /**
   * REJECT records per hour of their `start`, for the findings' counts over time: a histogram over
   * the hour each record starts in, computed by the same GROUP BY (so still one row per tuple), as
   * a JSON object `{"<hour epoch seconds>": records}` (varchar keys: every engine version casts
   * such a map to JSON). Records without `start` are in no hour. The ACCEPT query, or a format
   * without `start`, returns a typed NULL.
   */
  private hourlyRecords(kind: FlowQueryKind, fields: Set<string>): string {
    if (kind === 'accept' || !fields.has('start')) return 'CAST(NULL AS varchar) AS hourly_records';
    const histogram = 'json_format(CAST(histogram(CAST(floor(start_time / 3600) * 3600 AS varchar)) AS JSON))';
    return kind === 'reject' ? `${histogram} AS hourly_records` : `CASE WHEN action = 'REJECT' THEN ${histogram} END AS hourly_records`;
  }

  private tableName(table: AthenaTableRef): string {
    return [
      quoteAthenaIdentifier('catalog', table.catalog ?? 'AwsDataCatalog'),
      quoteAthenaIdentifier('database', table.database),
      quoteAthenaIdentifier('table', table.table),
    ].join('.');
  }

  /**
   * Why a record of the window is left out of the aggregates (see UNREAD_CHECKS), NULL when it is
   * not: only the checks of fields the format has. This CASE is in the projection, where Athena
   * takes no `?` (ExecutionParameters go only in a WHERE clause): the checks' values — constants of
   * the code (the log-status values, the directions, the number pattern), never input — are
   * written in as string literals.
   */
  private unreadReason(fields: Set<string>, short: string | null): string {
    const terms: string[] = [];
    const withValues = (condition: string, values: readonly string[] = []) => {
      let next = 0;
      return condition.replace(/\?/g, () => sqlString(values[next++]!));
    };
    for (const check of UNREAD_CHECKS) {
      let condition: string;
      if ('anyOf' in check) {
        const present = check.anyOf.filter((field) => fields.has(field));
        if (present.length === 0) continue;
        condition = present
          .map((field) => withValues(check.condition.split('$').join(quoteAthenaIdentifier('column', athenaColumnOf(field))), check.values))
          .join(' OR ');
      } else {
        if (!fields.has(check.field) || (check.also && !fields.has(check.also))) continue;
        condition = withValues(check.condition, check.values);
      }
      terms.push(`WHEN ${condition} THEN ${sqlString(check.reason)}`);
    }
    // A line too short for the format has no values to check: it is that first (its status, say, is NULL).
    if (short) terms.unshift(`WHEN ${short} IS NULL THEN ${sqlString(SHORT_LINE_REASON)}`);
    return `CASE ${terms.join(' ')} END`;
  }

  /** The normalised per-record columns; fields the format lacks are typed NULLs. */
  private projection(fields: Set<string>): Array<{ expression: string; alias: string }> {
    const col = (field: string) => `"${field.replace(/-/g, '_')}"`;
    const text = (field: string, alias: string) =>
      fields.has(field) ? `NULLIF(${col(field)}, '-') AS ${alias}` : `CAST(NULL AS varchar) AS ${alias}`;
    const int = (field: string, alias: string, type: 'integer' | 'bigint') =>
      fields.has(field) ? `TRY_CAST(${col(field)} AS ${type}) AS ${alias}` : `CAST(NULL AS ${type}) AS ${alias}`;
    // Ports only mean something for TCP, UDP and SCTP; other protocols keep none.
    const port = (field: string, alias: string) =>
      fields.has(field)
        ? `CASE WHEN TRY_CAST("protocol" AS integer) IN (6, 17, 132) THEN TRY_CAST(${col(field)} AS integer) END AS ${alias}`
        : `CAST(NULL AS integer) AS ${alias}`;
    return [
      `${col('interface-id')} AS interface_id`,
      text('account-id', 'account_id'),
      text('vpc-id', 'vpc_id'),
      text('subnet-id', 'subnet_id'),
      text('flow-direction', 'flow_direction'),
      `${col('srcaddr')} AS srcaddr`,
      `${col('dstaddr')} AS dstaddr`,
      port('srcport', 'src_port'),
      port('dstport', 'dst_port'),
      `TRY_CAST("protocol" AS integer) AS protocol`,
      `${col('action')} AS action`,
      int('tcp-flags', 'tcp_flags', 'integer'),
      text('reject-reason', 'reject_reason'),
      int('packets', 'packets', 'bigint'),
      int('bytes', 'bytes', 'bigint'),
      int('start', 'start_time', 'bigint'),
      int('end', 'end_time', 'bigint'),
    ].map((expression) => ({ expression, alias: expression.slice(expression.lastIndexOf(' AS ') + 4) }));
  }

  private whereClause(input: FlowQueryInput, fields: Set<string>, short: string | null, params: string[]): string[] {
    const str = (value: string) => {
      params.push(sqlString(value));
      return '?';
    };
    const num = (value: number) => {
      params.push(String(Math.trunc(value)));
      return '?';
    };
    const fromSec = Math.floor(input.from.getTime() / 1000);
    const toSec = Math.ceil(input.to.getTime() / 1000);

    // The records of the action(s) asked for, and the SKIPDATA records (whose action is `-`):
    // the aggregates, and the records of the window counted as left out (unreadReason).
    const action =
      input.kind === 'window'
        ? `"action" IN (${str('REJECT')}, ${str('ACCEPT')})`
        : `"action" = ${str(input.kind === 'reject' ? 'REJECT' : 'ACCEPT')}`;
    const records = [fields.has('log-status') ? `(${action} OR "log_status" = ${str('SKIPDATA')})` : action];
    // A record overlaps the window when it starts before its end and ends at or after its start.
    if (fields.has('start')) records.push(`TRY_CAST("start" AS bigint) < ${num(toSec)}`);
    if (fields.has('end')) records.push(`TRY_CAST("end" AS bigint) >= ${num(fromSec)}`);
    const where = short
      ? [
          `((${short} IS NOT NULL AND ${records.join(' AND ')})\n            OR (${short} IS NULL AND ${this.shortLineOwned(input, fields, fromSec, toSec, params)}))`,
        ]
      : records;

    const partition = this.partitionPredicate(input, params);
    if (partition) where.push(partition);
    const layout = input.layout;
    const partitionValues = (column: string, values: string | readonly string[]) => {
      const list = typeof values === 'string' ? [values] : [...new Set(values)].sort();
      const quoted = quoteAthenaIdentifier('column', column);
      return list.length === 1 ? `${quoted} = ${str(list[0])}` : `${quoted} IN (${list.map(str).join(', ')})`;
    };
    if (layout.accountColumn && input.accountId?.length) where.push(partitionValues(layout.accountColumn, input.accountId));
    if (layout.regionColumn && input.region?.length) where.push(partitionValues(layout.regionColumn, input.region));

    const scope = input.scope ?? {};
    // A short line that ends before the column names no VPC, subnet or interface: counted whatever the scope.
    const inList = (column: string, values: string[]) => {
      const list = `"${column}" IN (${values.map(str).join(', ')})`;
      return short ? `(${list} OR (${short} IS NULL AND "${column}" IS NULL))` : list;
    };
    if (scope.interfaceIds?.length) where.push(inList('interface_id', scope.interfaceIds));
    if (scope.vpcIds?.length && fields.has('vpc-id')) where.push(inList('vpc_id', scope.vpcIds));
    if (scope.subnetIds?.length && fields.has('subnet-id')) where.push(inList('subnet_id', scope.subnetIds));
    return where;
  }

  /**
   * Which window counts a line too short for the format, so that no two windows of a tiling count
   * the same line (windows share partitions: a day holds many, and each reads an hour of slack):
   * - a line with a capture time (`start`, else `end`) belongs to the window holding it,
   *   `from <= time < to`, whatever its end (a record overlapping two windows is read by both,
   *   but a line no flow is made of is counted once);
   * - a line without one (cut before its times, or they are not numbers) cannot be placed in
   *   time, only in its partition, which is cut by delivery time: it is counted by a window that
   *   covers its whole partition (day, or hour on an hourly layout) and by no other. A window
   *   covering no whole partition, or an unpartitioned table, counts none of them: what it cannot
   *   place it does not claim.
   */
  private shortLineOwned(input: FlowQueryInput, fields: Set<string>, fromSec: number, toSec: number, params: string[]): string {
    const times = ['start', 'end'].filter((f) => fields.has(f)).map((f) => `TRY_CAST("${f}" AS bigint)`);
    const layout = input.layout;
    const whole = () => {
      if (layout.type === 'none') return 'FALSE';
      const range = wholePartitionRange(input.from, input.to, hasHourPartitions(layout));
      return range ? this.partitionRange(layout, range.first, range.last, params) : 'FALSE';
    };
    if (times.length === 0) return whole();
    const time = times.length === 1 ? times[0]! : `coalesce(${times.join(', ')})`;
    const untimed = whole();
    params.push(String(fromSec), String(toSec));
    return `CASE WHEN ${time} IS NULL THEN ${untimed} ELSE ${time} >= ? AND ${time} < ? END`;
  }

  /**
   * The partitions of the window, widened by the slack: whole days where a day is covered, and
   * only the hours needed at the ends when the layout has hours (a midnight-aligned 24 h window
   * reads 26 hours of an hourly layout, not three days).
   */
  private partitionPredicate(input: FlowQueryInput, params: string[]): string | null {
    if (input.layout.type === 'none') return null;
    const slackMs = (input.partitionSlackSeconds ?? 3600) * 1000;
    return this.partitionRange(input.layout, new Date(input.from.getTime() - slackMs), new Date(input.to.getTime() + slackMs), params);
  }

  /** The partitions from the one holding `first` to the one holding `last` (inclusive). */
  private partitionRange(layout: Exclude<AthenaPartitionLayout, { type: 'none' }>, first: Date, last: Date, params: string[]): string {
    if (layout.type === 'date-string') {
      const column = quoteAthenaIdentifier('column', layout.column);
      const typed = layout.columnType === 'date';
      // A `date` column compared with a string literal is an error in Athena (Trino): compare dates.
      const day = (date: Date) => {
        params.push(sqlString(formatPartitionDate(date, typed ? 'yyyy-MM-dd' : layout.format)));
        return typed ? 'CAST(? AS date)' : '?';
      };
      if (!layout.hour || HOURLY_FORMATS.has(layout.format)) return `${column} BETWEEN ${day(first)} AND ${day(last)}`;
      const hour = quoteAthenaIdentifier('column', layout.hour);
      const hourValue = (h: number) => (layout.hourType === 'integer' ? String(h) : sqlString(String(h).padStart(2, '0')));
      const terms = partitionSpans(first, last, true).map((span) => {
        if (!span.hours) return `${column} BETWEEN ${day(span.from)} AND ${day(span.to)}`;
        const term = `${column} = ${day(span.from)}`;
        params.push(hourValue(span.hours[0]), hourValue(span.hours[1]));
        return `(${term} AND ${hour} BETWEEN ? AND ?)`;
      });
      return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
    }
    const terms = partitionSpans(first, last, Boolean(layout.hour)).flatMap((span) => this.datePartsTerms(layout, span, params));
    return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
  }

  /**
   * Year/month/day partitions cannot be compared as one value, so a span of days becomes one term
   * per month: a whole month is `(year AND month)`, a partial one adds a day range, and a span
   * within one day adds its hour range when there is an hour column.
   */
  private datePartsTerms(layout: Extract<AthenaPartitionLayout, { type: 'date-parts' }>, span: PartitionSpan, params: string[]): string[] {
    const year = quoteAthenaIdentifier('column', layout.year);
    const month = quoteAthenaIdentifier('column', layout.month);
    const day = quoteAthenaIdentifier('column', layout.day);
    const asString = (layout.valueType ?? 'string') === 'string';
    const value = (n: number, width: number) => (asString ? sqlString(String(n).padStart(width, '0')) : String(n));

    const terms: string[] = [];
    const { from: first, to: last } = span;
    let cursor = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    while (cursor <= last.getTime()) {
      const monthStart = new Date(cursor);
      const y = monthStart.getUTCFullYear();
      const m = monthStart.getUTCMonth();
      const daysInMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
      const fromDay = y === first.getUTCFullYear() && m === first.getUTCMonth() ? first.getUTCDate() : 1;
      const toDay = y === last.getUTCFullYear() && m === last.getUTCMonth() ? last.getUTCDate() : daysInMonth;
      params.push(value(y, 4), value(m + 1, 2));
      let term = `${year} = ? AND ${month} = ?`;
      if (fromDay > 1 || toDay < daysInMonth) {
        params.push(value(fromDay, 2), value(toDay, 2));
        term += ` AND ${day} BETWEEN ? AND ?`;
      }
      if (span.hours && layout.hour) {
        params.push(value(span.hours[0], 2), value(span.hours[1], 2));
        term += ` AND ${quoteAthenaIdentifier('column', layout.hour)} BETWEEN ? AND ?`;
      }
      terms.push(`(${term})`);
      cursor = Date.UTC(y, m + 1, 1);
    }
    return terms;
  }
}

/**
 * The one query of a window: the aggregate of REJECT and ACCEPT records (one scan of the table),
 * then, over that result only — window functions, no second read of the table — every REJECT
 * aggregate and the ACCEPT aggregates the diagnosis uses, so the rows returned stay bounded by
 * the rejected ones:
 * - the reverse of a rejected flow accepted at the same interface (return-traffic detection:
 *   same interface and protocol, addresses swapped, key ports swapped, the ephemeral side `*`);
 * - for each service of a rejected flow (interface, protocol, service port, side), up to
 *   ACCEPTED_PEERS_PER_SERVICE accepted peers on each side, peers not rejected there first
 *   (the "accepted from other peers" signal).
 * The rules are the engine's (ReturnTrafficIndex, TrafficContext, servicePortOf). The rows
 * counting the records left out (`unread_reason` set) all pass: their keys are NULL, so the
 * partitions they fall in are theirs alone and rank no aggregate.
 */
export function windowEvidence(aggregate: string[], peersPerService = ACCEPTED_PEERS_PER_SERVICE): string[] {
  const service = 'interface_id, protocol, service_key, side_key';
  const conversation = 'interface_id, protocol, least(src_end, dst_end), greatest(src_end, dst_end)';
  const rejected = "CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END";
  return [
    `SELECT ${FLOW_AGGREGATE_COLUMNS.join(', ')}`,
    'FROM (',
    '  SELECT e.*,',
    `    dense_rank() OVER (PARTITION BY ${service}, action ORDER BY src_peer_rejected, srcaddr) AS src_rank,`,
    `    row_number() OVER (PARTITION BY ${service}, action, srcaddr ORDER BY records DESC, dstaddr, flow_direction) AS src_row,`,
    `    dense_rank() OVER (PARTITION BY ${service}, action ORDER BY dst_peer_rejected, dstaddr) AS dst_rank,`,
    `    row_number() OVER (PARTITION BY ${service}, action, dstaddr ORDER BY records DESC, srcaddr, flow_direction) AS dst_row`,
    '  FROM (',
    '    SELECT c.*,',
    `      max(CASE WHEN action = 'REJECT' AND src_end <= dst_end THEN 1 ELSE 0 END) OVER (PARTITION BY ${conversation}) AS rejected_low_first,`,
    `      max(CASE WHEN action = 'REJECT' AND src_end >= dst_end THEN 1 ELSE 0 END) OVER (PARTITION BY ${conversation}) AS rejected_high_first,`,
    `      max(${rejected}) OVER (PARTITION BY ${service}) AS service_rejected,`,
    `      max(${rejected}) OVER (PARTITION BY ${service}, srcaddr) AS src_peer_rejected,`,
    `      max(${rejected}) OVER (PARTITION BY ${service}, dstaddr) AS dst_peer_rejected`,
    '    FROM (',
    '      SELECT a.*,',
    // servicePortOf: the kept side's port, else the lower one; none for protocols without ports.
    "        coalesce(CAST(CASE WHEN protocol NOT IN (6, 17, 132) THEN NULL WHEN service_port_side = 'src' THEN srcport",
    "          WHEN service_port_side = 'dst' THEN dstport WHEN srcport IS NULL OR dstport IS NULL THEN coalesce(srcport, dstport)",
    "          ELSE least(srcport, dstport) END AS varchar), '-') AS service_key,",
    "        coalesce(service_port_side, '-') AS side_key,",
    // The ends of the conversation as ReturnTrafficIndex keys them: address and port, the ephemeral port `*`.
    "        srcaddr || '|' || CASE WHEN service_port_side = 'dst' THEN '*' ELSE coalesce(CAST(srcport AS varchar), '-') END AS src_end,",
    "        dstaddr || '|' || CASE WHEN service_port_side = 'src' THEN '*' ELSE coalesce(CAST(dstport AS varchar), '-') END AS dst_end",
    '      FROM (',
    ...aggregate.map((line) => `        ${line}`),
    '      ) a',
    '    ) c',
    '  ) e',
    ') r',
    "WHERE action = 'REJECT'",
    '  OR (src_end < dst_end AND rejected_high_first = 1)',
    '  OR (src_end > dst_end AND rejected_low_first = 1)',
    '  OR (src_end = dst_end AND rejected_low_first = 1)',
    `  OR (service_rejected = 1 AND ((src_row = 1 AND src_rank <= ${peersPerService}) OR (dst_row = 1 AND dst_rank <= ${peersPerService})))`,
    '  OR unread_reason IS NOT NULL',
  ];
}

const HOURLY_FORMATS = new Set<AthenaDatePartitionFormat>(['yyyy/MM/dd/HH', 'yyyy-MM-dd-HH']);

/** Whether the layout's partitions are hours (an hour column, or an hourly date string), not days. */
function hasHourPartitions(layout: Exclude<AthenaPartitionLayout, { type: 'none' }>): boolean {
  return Boolean(layout.hour) || (layout.type === 'date-string' && HOURLY_FORMATS.has(layout.format));
}

/**
 * The column whose NULL says a line of a delimited-text table ended too soon: the last field of
 * the format whose column is a string (NULL only past the line's end). When the last field is a
 * number (NULL for `-` too, as `traffic-path` often is), a line missing only the fields after the
 * last string one cannot be told from a whole one, and is read as it reads. None for other tables.
 */
export function shortLineColumn(formatFields: readonly string[], delimitedText: FlowQueryInput['delimitedText']): string | null {
  if (!delimitedText) return null;
  const strings = new Set(delimitedText.stringColumns.map((c) => c.toLowerCase()));
  const field = [...formatFields].reverse().find((f) => strings.has(athenaColumnOf(f).toLowerCase()));
  return field ? quoteAthenaIdentifier('column', athenaColumnOf(field)) : null;
}

/**
 * The partitions (days, or hours) lying wholly within [from, to), as the first and the last one's
 * start; null when there is none. Windows that do not overlap share none of them.
 */
export function wholePartitionRange(from: Date, to: Date, hourly: boolean): { first: Date; last: Date } | null {
  const unit = hourly ? 3_600_000 : 86_400_000;
  const first = Math.ceil(from.getTime() / unit) * unit;
  const last = Math.floor(to.getTime() / unit) * unit - unit;
  return first <= last ? { first: new Date(first), last: new Date(last) } : null;
}

/** Days `from`..`to` (UTC midnights, inclusive), limited to the hours `hours[0]..hours[1]` when set (then from = to). */
export interface PartitionSpan {
  from: Date;
  to: Date;
  hours?: [number, number];
}

/**
 * The partitions between two instants (inclusive): one span of whole days, or, when the layout
 * has hours, the hours of the first and last day that are needed and the whole days between.
 */
export function partitionSpans(first: Date, last: Date, hourly: boolean): PartitionSpan[] {
  const dayOf = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const nextDay = (day: Date, delta: number) => new Date(day.getTime() + delta * 86_400_000);
  const firstDay = dayOf(first);
  const lastDay = dayOf(last);
  if (!hourly) return [{ from: firstDay, to: lastDay }];
  const h1 = first.getUTCHours();
  const h2 = last.getUTCHours();
  if (firstDay.getTime() === lastDay.getTime()) return [{ from: firstDay, to: firstDay, hours: [h1, h2] }];
  const spans: PartitionSpan[] = [];
  if (h1 > 0) spans.push({ from: firstDay, to: firstDay, hours: [h1, 23] });
  const wholeFrom = h1 > 0 ? nextDay(firstDay, 1) : firstDay;
  const wholeTo = h2 < 23 ? nextDay(lastDay, -1) : lastDay;
  if (wholeFrom.getTime() <= wholeTo.getTime()) spans.push({ from: wholeFrom, to: wholeTo });
  if (h2 < 23) spans.push({ from: lastDay, to: lastDay, hours: [0, h2] });
  return spans;
}

/** A string as an SQL string literal (Athena splices ExecutionParameters in as written). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function formatPartitionDate(date: Date, format: AthenaDatePartitionFormat): string {
  const iso = date.toISOString();
  const [y, m, d, h] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  switch (format) {
    case 'yyyy/MM/dd':
      return `${y}/${m}/${d}`;
    case 'yyyy-MM-dd':
      return `${y}-${m}-${d}`;
    case 'yyyyMMdd':
      return `${y}${m}${d}`;
    case 'yyyy/MM/dd/HH':
      return `${y}/${m}/${d}/${h}`;
    case 'yyyy-MM-dd-HH':
      return `${y}-${m}-${d}-${h}`;
  }
}
