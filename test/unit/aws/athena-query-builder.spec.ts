import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACCEPTED_PEERS_PER_SERVICE,
  AthenaQueryBuilder,
  ATHENA_MAX_QUERY_BYTES,
  partitionSpans,
  wholePartitionRange,
  type FlowQueryInput,
  type PartitionSpan,
} from '../../../src/aws/athena-query-builder';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { createLineParser } from '../../../src/engine/flow-log/flow-log-parser';
import { isIpAddress } from '../../../src/engine/ip/ip-address';

const V2 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
const V8 = `${V2} \${vpc-id} \${subnet-id} \${tcp-flags} \${flow-direction} \${reject-reason}`;
/** Version 5 fields that carry values the file readers check: tcp-flags, the packet addresses, the direction. */
const V5 = `${V2} \${tcp-flags} \${pkt-srcaddr} \${pkt-dstaddr} \${flow-direction}`;

const base: FlowQueryInput = {
  table: { database: 'vpc_logs', table: 'flow_logs' },
  layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
  logFormat: V8,
  kind: 'reject',
  from: new Date('2024-05-01T00:00:00Z'),
  to: new Date('2024-05-02T00:00:00Z'),
};
const builder = new AthenaQueryBuilder();
/** How many hour partitions a list of spans reads. */
const hoursRead = (spans: PartitionSpan[]) =>
  spans.reduce(
    (sum, span) =>
      sum + ((span.to.getTime() - span.from.getTime()) / 86_400_000 + 1) * (span.hours ? span.hours[1] - span.hours[0] + 1 : 24),
    0,
  );
const count = (sql: string, needle: string) => sql.split(needle).length - 1;
/** The pattern a number's text must match, written into the projection as the log-status values are: `-` or digits, no sign. */
const NUMBER_TEXT = "'^(-|[0-9]+)$'";
/** The parameters before the partitions': the filter's action(s) and SKIPDATA, then the window's end and start. */
const BEFORE_PARTITIONS = 4;
/**
 * The clause each `?` of `sql` stands in (the nearest SELECT, FROM, WHERE, GROUP BY, HAVING, ORDER BY
 * or ON before it at its own depth, string literals and whole parenthesised groups passed over):
 * Athena binds ExecutionParameters only in a WHERE clause.
 */
function clausesOfPlaceholders(sql: string): string[] {
  const bare = sql.replace(/'(?:[^']|'')*'/g, (literal) => ' '.repeat(literal.length));
  const clauses: string[] = [];
  for (let at = bare.indexOf('?'); at >= 0; at = bare.indexOf('?', at + 1)) {
    let depth = 0;
    let clause = 'none';
    for (let i = at - 1; i >= 0; i--) {
      const c = bare[i];
      if (c === ')') depth++;
      else if (c === '(' && depth > 0) depth--;
      else if (depth === 0) {
        const word = /(?:^|[^A-Za-z_])(SELECT|FROM|WHERE|GROUP BY|HAVING|ORDER BY|ON)$/.exec(bare.slice(Math.max(0, i - 9), i + 1));
        if (word) {
          clause = word[1]!;
          break;
        }
      }
    }
    clauses.push(clause);
  }
  return clauses;
}
/** Records per hour of `start`, keyed by the hour's epoch seconds (as text: JSON object keys are strings). */
const HOURLY = 'json_format(CAST(histogram(CAST(floor(start_time / 3600) * 3600 AS varchar)) AS JSON)) AS hourly_records';

describe('AthenaQueryBuilder', () => {
  it('passes values as ExecutionParameters: strings quoted, numbers bare, one per ?', () => {
    const { sql, parameters } = builder.build(base);
    expect(parameters).toEqual(["'REJECT'", "'SKIPDATA'", '1714608000', '1714521600', "'2024/04/30'", "'2024/05/02'"]);
    expect(count(sql, '?')).toBe(parameters.length);
    expect(sql).toContain('WHERE ("action" = ? OR "log_status" = ?)');
    expect(sql).toContain(`"log_status" = 'SKIPDATA' THEN 'skipdata'`);
    expect(sql).toContain(`"log_status" NOT IN ('OK', '-') THEN 'log-status not OK'`);
    expect(sql).toContain('TRY_CAST("start" AS bigint) < ?');
    expect(sql).toContain('TRY_CAST("end" AS bigint) >= ?');
    // A capture time past 9999-12-31T23:59:59Z is no time (the file readers count it malformed): counted, not filtered.
    expect(sql).toContain(`WHEN TRY_CAST("end" AS bigint) > 253402300799 THEN 'end past 9999-12-31T23:59:59Z'`);
    expect(sql).not.toContain('<= 253402300799');
    // A window that ends before it starts is malformed too, as the file readers count it.
    expect(sql).toContain(`WHEN TRY_CAST("start" AS bigint) > TRY_CAST("end" AS bigint) THEN 'start after end'`);
    expect(sql).toContain('"day" BETWEEN ? AND ?');
    expect(sql).toContain('FROM "AwsDataCatalog"."vpc_logs"."flow_logs"');
  });

  it.each([
    ['a REJECT query', base],
    ['an ACCEPT query', { ...base, kind: 'accept' as const }],
    [
      'a window query of a version 5 format, scoped',
      { ...base, kind: 'window' as const, logFormat: V5, scope: { vpcIds: ['vpc-0a1b2c3d'], interfaceIds: ['eni-0a1b2c3d4e5f60001'] } },
    ],
    [
      'a window query of a delimited-text table on an hourly layout, by account and region',
      {
        ...base,
        kind: 'window' as const,
        layout: {
          type: 'date-parts' as const,
          year: 'year',
          month: 'month',
          day: 'day',
          hour: 'hour',
          accountColumn: 'account',
          regionColumn: 'region',
        },
        accountId: '111122223333',
        region: 'eu-west-1',
        delimitedText: {
          stringColumns: [
            'account_id',
            'interface_id',
            'srcaddr',
            'dstaddr',
            'action',
            'log_status',
            'vpc_id',
            'subnet_id',
            'flow_direction',
            'reject_reason',
          ],
        },
      },
    ],
  ])('%s puts every ? in a WHERE clause, the only place Athena binds ExecutionParameters', (_, input) => {
    const { sql, parameters } = builder.build(input);
    const clauses = clausesOfPlaceholders(sql);
    expect(clauses).toHaveLength(parameters.length);
    expect(clauses.filter((clause) => clause !== 'WHERE')).toEqual([]);
  });

  it('the window query reads the table once for REJECT and ACCEPT, and returns ACCEPT evidence only', () => {
    const { sql, parameters, columns } = builder.build({ ...base, kind: 'window' });
    expect(parameters).toEqual(["'REJECT'", "'ACCEPT'", "'SKIPDATA'", '1714608000', '1714521600', "'2024/04/30'", "'2024/05/02'"]);
    expect(count(sql, '?')).toBe(parameters.length);
    expect(sql).toContain('WHERE ("action" IN (?, ?) OR "log_status" = ?)');
    // One scan: the table appears once; everything after the aggregate is window functions over its rows.
    expect(count(sql, 'FROM "AwsDataCatalog"."vpc_logs"."flow_logs"')).toBe(1);
    expect(sql).not.toMatch(/\bJOIN\b|\bWITH\b|\bUNION\b/);
    expect(sql).toContain(`CASE WHEN action = 'REJECT' THEN ${HOURLY.replace(' AS hourly_records', '')} END AS hourly_records`);
    expect(sql.startsWith(`SELECT ${columns.join(', ')}\nFROM (`)).toBe(true);
    expect(sql).toContain("WHERE action = 'REJECT'\n  OR ");
    expect(sql).toContain(`src_rank <= ${ACCEPTED_PEERS_PER_SERVICE}`);
    // The counts of the records left out pass the evidence selection whatever their (NULL) keys.
    expect(sql.endsWith('\n  OR unread_reason IS NOT NULL')).toBe(true);
  });

  it('aggregates in Athena with the shared port-collapse rule', () => {
    const { sql } = builder.build(base);
    expect(sql).toContain('greatest(src_port, dst_port) >= 1024');
    expect(sql).toContain("CASE WHEN src_port < dst_port THEN 'src' ELSE 'dst' END");
    expect(sql).toContain('TRY_CAST("protocol" AS integer) IN (6, 17, 132)');
    expect(sql).toContain('min(ephemeral_port) AS ephemeral_port_min');
    expect(sql).toContain('max(ephemeral_port) AS ephemeral_port_max');
    expect(sql).toMatch(
      /GROUP BY interface_id, flow_direction, srcaddr, dstaddr, protocol, key_srcport, key_dstport, service_port_side, action, unread_reason$/,
    );
  });

  it('selects typed NULLs for fields a version-2 table does not have', () => {
    const { sql } = builder.build({ ...base, logFormat: V2 });
    for (const column of ['vpc_id', 'subnet_id', 'flow_direction', 'reject_reason']) {
      expect(sql).toContain(`CAST(NULL AS varchar) AS ${column}`);
      expect(sql).not.toContain(`"${column}"`);
    }
    expect(sql).toContain('CAST(NULL AS integer) AS tcp_flags');
    const v8 = builder.build(base).sql;
    expect(v8).toContain(`NULLIF("vpc_id", '-') AS vpc_id`);
    expect(v8).toContain('TRY_CAST("tcp_flags" AS integer) AS tcp_flags');
    expect(v8).toContain(`NULLIF("reject_reason", '-') AS reject_reason`);
  });

  it('a format with a field newer than sgdoctor reads the others, names the new one, and counts short lines by it', () => {
    const newer = `${V8} \${traffic-class}`;
    const { sql, unknownFields } = builder.build({ ...base, logFormat: newer });
    expect(unknownFields).toEqual(['traffic-class']);
    expect(sql).not.toContain('traffic_class');
    expect(sql).toBe(builder.build(base).sql);
    const text = builder.build({
      ...base,
      logFormat: newer,
      kind: 'window',
      delimitedText: { stringColumns: ['interface_id', 'srcaddr', 'dstaddr', 'action', 'reject_reason', 'traffic_class'] },
    });
    // A line that ends before the newer field's column is too short for the format.
    expect(text.sql).toContain(`CASE WHEN "traffic_class" IS NULL THEN 'message does not match the log format'`);
    expect(builder.build(base).unknownFields).toEqual([]);
  });

  it('refuses a format without the fields attribution needs', () => {
    expect(() => builder.build({ ...base, logFormat: '${version} ${srcaddr} ${dstaddr}' })).toThrow(/interface-id/);
  });

  it('ACCEPT query: same grouping, action parameter ACCEPT, no per-hour counts', () => {
    const reject = builder.build(base);
    const accept = builder.build({ ...base, kind: 'accept' });
    const action = 0;
    expect(accept.parameters[action]).toBe("'ACCEPT'");
    expect(reject.parameters[action]).toBe("'REJECT'");
    expect(accept.parameters.filter((_, i) => i !== action)).toEqual(reject.parameters.filter((_, i) => i !== action));
    expect(accept.sql).toContain('CAST(NULL AS varchar) AS hourly_records');
    expect(accept.sql).not.toContain('histogram(');
    expect(accept.sql.replace('CAST(NULL AS varchar) AS hourly_records', HOURLY)).toBe(reject.sql);
  });

  it('REJECT query: records per hour of their start as one JSON column per aggregate, no extra rows', () => {
    const { sql, columns, parameters } = builder.build(base);
    expect(columns).toContain('hourly_records');
    expect(sql).toContain(HOURLY);
    // An aggregate of the same GROUP BY, so the rows stay one per tuple: no join, no UNNEST, no extra parameter.
    expect(count(sql, 'GROUP BY')).toBe(1);
    expect(sql).not.toMatch(/\bJOIN\b|UNNEST/i);
    expect(count(sql, '?')).toBe(parameters.length);
    expect(sql.indexOf(HOURLY)).toBeLessThan(sql.indexOf('FROM ('));
  });

  it('REJECT query of a format without start: no hour to count by, a typed NULL', () => {
    const noStart = V8.replace(' ${start}', '');
    const { sql } = builder.build({ ...base, logFormat: noStart });
    expect(sql).toContain('CAST(NULL AS varchar) AS hourly_records');
    expect(sql).not.toContain('histogram(');
  });

  it('Hive-style year/month/day partitions: one term per month of the window', () => {
    const { sql, parameters } = builder.build({
      ...base,
      layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day' },
      from: new Date('2024-04-29T12:00:00Z'),
      to: new Date('2024-05-02T06:00:00Z'),
    });
    expect(sql).toContain(
      '(("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ?) OR ("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ?))',
    );
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual(["'2024'", "'04'", "'29'", "'30'", "'2024'", "'05'", "'01'", "'02'"]);
  });

  it('with an hour partition, reads only the hours needed at both ends of the window (plus the slack)', () => {
    const { sql, parameters } = builder.build({
      ...base,
      layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day', hour: 'hour' },
      from: new Date('2024-04-29T12:00:00Z'),
      to: new Date('2024-05-02T06:00:00Z'),
    });
    const hourTerm = '("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ? AND "hour" BETWEEN ? AND ?)';
    const dayTerm = '("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ?)';
    expect(sql).toContain(`(${hourTerm} OR ${dayTerm} OR ${dayTerm} OR ${hourTerm})`);
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual([
      "'2024'",
      "'04'",
      "'29'",
      "'29'",
      "'11'",
      "'23'",
      "'2024'",
      "'04'",
      "'30'",
      "'30'",
      "'2024'",
      "'05'",
      "'01'",
      "'01'",
      "'2024'",
      "'05'",
      "'02'",
      "'02'",
      "'00'",
      "'07'",
    ]);
  });

  it('a midnight-aligned 24 h window on an hourly layout reads 27 hour partitions (an hour of slack each side), not 72', () => {
    expect(partitionSpans(new Date('2024-05-01T00:00:00Z'), new Date('2024-05-02T00:00:00Z'), true)).toEqual([
      { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-01T00:00:00Z') },
      { from: new Date('2024-05-02T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z'), hours: [0, 0] },
    ]);
    const { parameters } = builder.build({
      ...base,
      layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day', hour: 'hour', valueType: 'integer' },
    });
    // 2024-04-30 23:00 … 2024-05-02 01:00: the window with the hour of slack on each side.
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual([
      '2024',
      '4',
      '30',
      '30',
      '23',
      '23',
      '2024',
      '5',
      '1',
      '1',
      '2024',
      '5',
      '2',
      '2',
      '0',
      '1',
    ]);
    expect(hoursRead(partitionSpans(new Date('2024-04-30T23:00:00Z'), new Date('2024-05-02T01:00:00Z'), true))).toBe(27);
  });

  it('selects exactly the hours between two instants, for any instants (property)', () => {
    const start = Date.UTC(2024, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 24 }),
        fc.integer({ min: 0, max: 80 * 24 }),
        fc.boolean(),
        (offsetHours, lengthHours, hourly) => {
          const first = new Date(start + offsetHours * 3_600_000 + 17 * 60_000);
          const last = new Date(first.getTime() + lengthHours * 3_600_000 + 5 * 60_000);
          const spans = partitionSpans(first, last, hourly);
          const selected = new Set<number>();
          for (const span of spans) {
            for (let day = span.from.getTime(); day <= span.to.getTime(); day += 86_400_000) {
              const [h1, h2] = span.hours ?? [0, 23];
              for (let h = h1; h <= h2; h++) selected.add(day + h * 3_600_000);
            }
          }
          const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
          const unit = hourly ? 3_600_000 : 86_400_000;
          const expected = new Set<number>();
          for (let t = floorTo(first.getTime(), unit); t <= last.getTime(); t += 3_600_000) expected.add(floorTo(t, 3_600_000));
          if (!hourly)
            for (let t = floorTo(last.getTime(), 86_400_000); t < floorTo(last.getTime(), 86_400_000) + 86_400_000; t += 3_600_000)
              expected.add(t);
          expect([...selected].sort()).toEqual([...expected].sort());
          // No two spans overlap, and they come in time order.
          for (let i = 1; i < spans.length; i++) expect(spans[i]!.from.getTime()).toBeGreaterThan(spans[i - 1]!.to.getTime());
        },
      ),
    );
  });

  it('a daily `date` partition with an hour partition beside it is read by the hour too', () => {
    const { sql, parameters } = builder.build({
      ...base,
      layout: { type: 'date-string', column: 'date', format: 'yyyy-MM-dd', columnType: 'date', hour: 'hour', hourType: 'string' },
      from: new Date('2024-05-01T10:00:00Z'),
      to: new Date('2024-05-01T12:00:00Z'),
    });
    expect(sql).toContain('("date" = CAST(? AS date) AND "hour" BETWEEN ? AND ?)');
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual(["'2024-05-01'", "'09'", "'13'"]);
  });

  it('integer date parts, hour range inside a single day', () => {
    const { sql, parameters } = builder.build({
      ...base,
      layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day', hour: 'hour', valueType: 'integer' },
      from: new Date('2024-05-01T08:00:00Z'),
      to: new Date('2024-05-01T10:00:00Z'),
      partitionSlackSeconds: 0,
    });
    expect(sql).toContain('("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ? AND "hour" BETWEEN ? AND ?)');
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual(['2024', '5', '1', '1', '8', '10']);
  });

  it('a whole month needs no day range', () => {
    const { parameters, sql } = builder.build({
      ...base,
      layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day' },
      from: new Date('2024-02-01T00:00:00Z'),
      to: new Date('2024-02-29T23:00:00Z'),
      partitionSlackSeconds: 0,
    });
    expect(sql).toContain('("year" = ? AND "month" = ?)');
    expect(parameters.slice(BEFORE_PARTITIONS)).toEqual(["'2024'", "'02'"]);
  });

  it('Hive dt partition and unpartitioned tables', () => {
    const dt = builder.build({ ...base, layout: { type: 'date-string', column: 'dt', format: 'yyyy-MM-dd' } });
    expect(dt.sql).toContain('"dt" BETWEEN ? AND ?');
    expect(dt.parameters.slice(BEFORE_PARTITIONS)).toEqual(["'2024-04-30'", "'2024-05-02'"]);
    const none = builder.build({ ...base, layout: { type: 'none' } });
    expect(none.parameters).toHaveLength(BEFORE_PARTITIONS);
    expect(none.sql).not.toMatch(/" BETWEEN/);
  });

  it('scope filters become IN lists of quoted parameters, only for columns the table has', () => {
    const { sql, parameters } = builder.build({
      ...base,
      logFormat: V2,
      scope: { vpcIds: ['vpc-1'], interfaceIds: ['eni-1', "eni-2' OR '1'='1"] },
    });
    expect(sql).toContain('"interface_id" IN (?, ?)');
    expect(sql).not.toContain('"vpc_id" IN');
    expect(parameters.slice(-2)).toEqual(["'eni-1'", "'eni-2'' OR ''1''=''1'"]);
  });

  it.each([
    ['database', { database: 'logs"; DROP TABLE x; --', table: 't' }],
    ['table', { database: 'logs', table: 'flow logs' }],
    ['table', { database: 'logs', table: 't.other' }],
    ['catalog', { catalog: 'cat"', database: 'logs', table: 't' }],
  ])('rejects an injected %s identifier', (kind, table) => {
    const attempt = () => builder.build({ ...base, table });
    expect(attempt).toThrow(AwsAdapterError);
    expect(attempt).toThrow(new RegExp(`invalid Athena ${kind} name`));
  });

  it('rejects an injected partition column', () => {
    expect(() => builder.build({ ...base, layout: { type: 'date-string', column: 'day" OR 1=1 --', format: 'yyyy/MM/dd' } })).toThrow(
      /invalid Athena column name/,
    );
  });

  describe('the records of the window it leaves out, counted in the same scan', () => {
    const window = builder.build({ ...base, kind: 'window' });
    const inner = (sql: string) => sql.slice(sql.lastIndexOf('        SELECT\n'), sql.indexOf('      ) r\n'));

    it('gives each record its reason instead of filtering it: the WHERE keeps only action, window, partitions and scope', () => {
      const where = window.sql.slice(window.sql.indexOf('WHERE ("action"'), window.sql.indexOf(') r\n'));
      expect(where).toMatch(/^WHERE \("action" IN \(\?, \?\) OR "log_status" = \?\)\n/);
      expect(where).not.toMatch(/interface_id|srcaddr|dstaddr|protocol|253402300799|AND "log_status"/);
      // The reason is the first check a record fails, as the file reader checks (SKIPDATA first).
      const reasons = [...inner(window.sql).matchAll(/THEN '([^']+)'/g)].map((m) => m[1]);
      expect(reasons).toEqual([
        'skipdata',
        'log-status not OK',
        'no interface-id',
        'no address',
        'no protocol',
        'protocol not a number',
        'protocol not from 0 to 255',
        'address not IPv4 or IPv6',
        'port not a number',
        'port not from 0 to 65535',
        'version not a number',
        'version not from 0 to 255',
        'tcp-flags not a number',
        'tcp-flags not from 0 to 255',
        'flow-direction not ingress or egress',
        'packets or bytes not a number',
        'packets or bytes past 9223372036854775807',
        'end past 9999-12-31T23:59:59Z',
        'start after end',
      ]);
      expect(inner(window.sql)).toContain(`WHEN coalesce("interface_id", '-') = '-' THEN 'no interface-id'`);
      expect(inner(window.sql)).toContain(`WHEN coalesce("srcaddr", '-') = '-' OR coalesce("dstaddr", '-') = '-' THEN 'no address'`);
      // Through varchar, so a Parquet table's integer column compares too.
      expect(inner(window.sql)).toContain(`WHEN coalesce(TRY_CAST("protocol" AS varchar), '-') = '-' THEN 'no protocol'`);
      // Digits only, through varchar: Trino's cast to integer takes a sign (`+6`) the line parser refuses,
      // and a typed (Parquet) column holds an integer already.
      expect(inner(window.sql)).toContain(
        `WHEN NOT regexp_like(coalesce(TRY_CAST("protocol" AS varchar), '-'), ${NUMBER_TEXT}) THEN 'protocol not a number'`,
      );
      expect(inner(window.sql)).toMatch(/ END AS unread_reason\n +FROM "AwsDataCatalog"\."vpc_logs"\."flow_logs"\n/);
      // The reasons are in the projection, where Athena binds no `?`: their values, constants of the
      // code, are written in; the actions, the WHERE's, are bound.
      expect(inner(window.sql)).toContain(`WHEN "log_status" = 'SKIPDATA' THEN 'skipdata'`);
      expect(inner(window.sql)).toContain('WHERE ("action" IN (?, ?) OR "log_status" = ?)');
      expect(inner(window.sql)).not.toMatch(/'(ACCEPT|REJECT)'/);
    });

    it('counts the values the file readers refuse as malformed: a protocol or port out of range, a port that is no number, an address that is none', () => {
      // A protocol is a number from 0 to 255: 300 is no protocol, never a flow (nor a finding) of protocol 300.
      // As a double: no string of digits is too long for it (an integer cast of 20 digits would be NULL, read).
      expect(inner(window.sql)).toContain(`WHEN TRY_CAST("protocol" AS double) > 255 THEN 'protocol not from 0 to 255'`);
      // An address is IPv4 or IPv6 text: Athena's own parser decides (NULL when it is neither), never verdict unknown.
      expect(inner(window.sql)).toContain(
        `WHEN TRY_CAST("srcaddr" AS ipaddress) IS NULL OR TRY_CAST("dstaddr" AS ipaddress) IS NULL THEN 'address not IPv4 or IPv6'`,
      );
      // A port is `-` or digits, whatever the protocol (ICMP's 0, a protocol without ports' `-`, pass): a text
      // table's `http` would otherwise read as NULL, an aggregate without a port. Through varchar, so a typed
      // (Parquet) column compares too; the pattern is written in like the log-status values.
      expect(inner(window.sql)).toContain(
        `WHEN NOT regexp_like(coalesce(TRY_CAST("srcport" AS varchar), '-'), ${NUMBER_TEXT}) OR NOT regexp_like(coalesce(TRY_CAST("dstport" AS varchar), '-'), ${NUMBER_TEXT}) THEN 'port not a number'`,
      );
      // Digits past 65535 (as a double: no digit string is too long for it) would read as an ephemeral port.
      expect(inner(window.sql)).toContain(
        `WHEN TRY_CAST("srcport" AS double) > 65535 OR TRY_CAST("dstport" AS double) > 65535 THEN 'port not from 0 to 65535'`,
      );
      expect(window.parameters).not.toContain(NUMBER_TEXT);
      expect(count(window.sql, '?')).toBe(window.parameters.length);
    });

    it('counts the other values the file readers refuse: a version or tcp-flags, a flow-direction, packets or bytes, a packet address', () => {
      const { sql, parameters } = builder.build({ ...base, logFormat: V5, kind: 'window' });
      const reasons = inner(sql);
      const notNumber = (column: string) => `NOT regexp_like(coalesce(TRY_CAST("${column}" AS varchar), '-'), ${NUMBER_TEXT})`;
      expect(reasons).toContain(`WHEN ${notNumber('version')} THEN 'version not a number'`);
      expect(reasons).toContain(`WHEN TRY_CAST("version" AS double) > 255 THEN 'version not from 0 to 255'`);
      // `-` is no address and passes; any other text must be one (Athena's own parser decides).
      expect(reasons).toContain(
        `WHEN coalesce(TRY_CAST("pkt_srcaddr" AS varchar), '-') <> '-' AND TRY_CAST("pkt_srcaddr" AS ipaddress) IS NULL` +
          ` OR coalesce(TRY_CAST("pkt_dstaddr" AS varchar), '-') <> '-' AND TRY_CAST("pkt_dstaddr" AS ipaddress) IS NULL` +
          ` THEN 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6'`,
      );
      expect(reasons).toContain(`WHEN ${notNumber('tcp_flags')} THEN 'tcp-flags not a number'`);
      expect(reasons).toContain(`WHEN TRY_CAST("tcp_flags" AS double) > 255 THEN 'tcp-flags not from 0 to 255'`);
      // The directions are written in like the log-status values.
      expect(reasons).toContain(`WHEN "flow_direction" NOT IN ('ingress', 'egress', '-') THEN 'flow-direction not ingress or egress'`);
      // A count that is no number was read as 0 packets (TRY_CAST, then coalesce): counted instead.
      expect(reasons).toContain(`WHEN ${notNumber('packets')} OR ${notNumber('bytes')} THEN 'packets or bytes not a number'`);
      // Digits past 2^63 - 1 are no BIGINT (the cast is NULL, read as 0 too): the cast decides, exactly.
      expect(reasons).toContain(
        `WHEN coalesce(TRY_CAST("packets" AS varchar), '-') <> '-' AND TRY_CAST("packets" AS bigint) IS NULL` +
          ` OR coalesce(TRY_CAST("bytes" AS varchar), '-') <> '-' AND TRY_CAST("bytes" AS bigint) IS NULL` +
          ` THEN 'packets or bytes past 9223372036854775807'`,
      );
      expect(parameters.slice(0, 2)).toEqual(["'REJECT'", "'ACCEPT'"]);
      expect(count(sql, '?')).toBe(parameters.length);
    });

    it('checks only the fields the format has', () => {
      const { sql, parameters } = builder.build({ ...base, logFormat: V2.replace('${version} ', ''), kind: 'window' });
      for (const absent of ['version', 'tcp_flags', 'flow_direction', 'pkt_srcaddr', 'pkt_dstaddr'])
        expect(sql).not.toContain(`"${absent}"`);
      expect(sql).not.toMatch(/'(version|tcp-flags|flow-direction|pkt-srcaddr)[^']*'/);
      expect(parameters[0]).toBe("'REJECT'");
    });

    it('reads a record exactly when the line parser does (the checks above in Trino semantics, property)', () => {
      // The conditions of the query, as Trino evaluates them over a text table's string columns, in their
      // order: a varchar cast to integer or bigint is NULL unless it is an optionally signed decimal that
      // fits (so the query asks regexp_like for digits first); a cast to double of digits is their value;
      // the cast to ipaddress is NULL unless the text is an IPv4 or IPv6 address; regexp_like finds the
      // anchored pattern.
      const digits = (text: string) => /^(-|[0-9]+)$/.test(text);
      const trinoBigint = (text: string) => (/^[+-]?[0-9]+$/.test(text) && BigInt(text) <= 2n ** 63n - 1n ? BigInt(text) : null);
      type Values = Record<'protocol' | 'srcaddr' | 'srcport' | 'dstport' | 'version' | 'packets' | 'bytes', string> &
        Record<'tcp-flags' | 'pkt-srcaddr' | 'pkt-dstaddr' | 'flow-direction', string>;
      const queryReason = (v: Values): string | null => {
        if (v.protocol === '-') return 'no protocol';
        if (!digits(v.protocol)) return 'protocol not a number';
        if (Number(v.protocol) > 255) return 'protocol not from 0 to 255';
        if (!isIpAddress(v.srcaddr)) return 'address not IPv4 or IPv6';
        if ([v.srcport, v.dstport].some((p) => !digits(p))) return 'port not a number';
        if ([v.srcport, v.dstport].some((p) => Number(p) > 65535)) return 'port not from 0 to 65535';
        if (!digits(v.version)) return 'version not a number';
        if (Number(v.version) > 255) return 'version not from 0 to 255';
        if ([v['pkt-srcaddr'], v['pkt-dstaddr']].some((a) => a !== '-' && !isIpAddress(a)))
          return 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6';
        if (!digits(v['tcp-flags'])) return 'tcp-flags not a number';
        if (Number(v['tcp-flags']) > 255) return 'tcp-flags not from 0 to 255';
        if (!['ingress', 'egress', '-'].includes(v['flow-direction'])) return 'flow-direction not ingress or egress';
        if ([v.packets, v.bytes].some((c) => !digits(c))) return 'packets or bytes not a number';
        if ([v.packets, v.bytes].some((c) => c !== '-' && trinoBigint(c) === null)) return 'packets or bytes past 9223372036854775807';
        return null;
      };
      const parse = createLineParser(V5);
      const number = fc.oneof(
        fc.constantFrom(
          '0',
          '6',
          '+6',
          '-6',
          '255',
          '256',
          '300',
          '65535',
          '65536',
          '70000',
          '-',
          '-1',
          '007',
          '9223372036854775807',
          '9223372036854775808',
          '99999999999999999999',
          'tcp',
          '1e3',
          '8.5',
          '8.0',
          '0x10',
        ),
        fc.nat({ max: 100_000 }).map(String),
      );
      const address = fc.constantFrom(
        '203.0.113.7',
        '2001:db8::7',
        '::ffff:10.0.0.1',
        '10.0.0.256',
        '010.0.0.1',
        '10.0.0',
        'host',
        '2001:db8:::1',
      );
      const packetAddress = fc.oneof(fc.constant('-'), address);
      const direction = fc.constantFrom('ingress', 'egress', '-', 'INGRESS', 'in', '0');
      const often = <T>(valid: T, any: fc.Arbitrary<T>) =>
        fc.oneof({ arbitrary: fc.constant(valid), weight: 3 }, { arbitrary: any, weight: 1 });
      fc.assert(
        fc.property(
          fc.record({
            protocol: often('6', number),
            srcaddr: often('203.0.113.7', address),
            srcport: often('40001', number),
            dstport: often('5432', number),
            version: often('5', number),
            packets: often('3', number),
            bytes: often('180', number),
            'tcp-flags': often('2', number),
            'pkt-srcaddr': often('-', packetAddress),
            'pkt-dstaddr': often('10.0.1.10', packetAddress),
            'flow-direction': often('ingress', direction),
          }),
          (v: Values) => {
            const line =
              `${v.version} 111122223333 eni-0a1b2c3d4e5f60001 ${v.srcaddr} 10.0.1.10 ${v.srcport} ${v.dstport} ${v.protocol}` +
              ` ${v.packets} ${v.bytes} 1714521600 1714521660 REJECT OK ${v['tcp-flags']} ${v['pkt-srcaddr']} ${v['pkt-dstaddr']} ${v['flow-direction']}`;
            const reason = queryReason(v);
            // A `-` protocol is an incomplete record to the file reader, not a malformed line.
            if (reason === 'no protocol') return;
            expect(reason === null, `${line}: ${reason}`).toBe(parse(line).ok);
          },
        ),
        { numRuns: 500 },
      );
      // The reasons the model names are the query's own, in its order.
      const { sql } = builder.build({ ...base, logFormat: V5, kind: 'window' });
      const named = [...inner(sql).matchAll(/THEN '([^']+)'/g)].map((m) => m[1]);
      expect(named.slice(named.indexOf('no protocol'), named.indexOf('end past 9999-12-31T23:59:59Z'))).toEqual([
        'no protocol',
        'protocol not a number',
        'protocol not from 0 to 255',
        'address not IPv4 or IPv6',
        'port not a number',
        'port not from 0 to 65535',
        'version not a number',
        'version not from 0 to 255',
        'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6',
        'tcp-flags not a number',
        'tcp-flags not from 0 to 255',
        'flow-direction not ingress or egress',
        'packets or bytes not a number',
        'packets or bytes past 9223372036854775807',
      ]);
    });

    it('checks the one port a format has', () => {
      const { sql, parameters } = builder.build({ ...base, logFormat: V8.replace(' ${srcport}', ''), kind: 'window' });
      expect(sql).toContain(`WHEN NOT regexp_like(coalesce(TRY_CAST("dstport" AS varchar), '-'), ${NUMBER_TEXT}) THEN 'port not a number'`);
      expect(sql).toContain(`WHEN TRY_CAST("dstport" AS double) > 65535 THEN 'port not from 0 to 65535'`);
      expect(sql).not.toContain('"srcport"');
      expect(parameters.slice(0, 3)).toEqual(["'REJECT'", "'ACCEPT'", "'SKIPDATA'"]);
      expect(count(sql, '?')).toBe(parameters.length);
    });

    it('folds the records of a reason into one row: their keys NULL, grouped by the reason, counted by count(*)', () => {
      for (const key of ['interface_id', 'flow_direction', 'srcaddr', 'dstaddr', 'src_port', 'dst_port', 'protocol', 'action']) {
        expect(window.sql).toContain(`CASE WHEN unread_reason IS NULL THEN ${key} END AS ${key}`);
      }
      expect(window.sql).not.toContain('CASE WHEN unread_reason IS NULL THEN account_id');
      expect(window.sql).toMatch(/GROUP BY [^\n]*, action, unread_reason\n/);
      expect(window.sql).toContain('  count(*) AS records,');
      expect(window.columns.at(-1)).toBe('unread_reason');
    });

    it('still one scan: the table read once, no second query over it', () => {
      expect(count(window.sql, 'FROM "AwsDataCatalog"."vpc_logs"."flow_logs"')).toBe(1);
      expect(window.sql).not.toMatch(/\bJOIN\b|\bWITH\b|\bUNION\b|GROUPING SETS|\bROLLUP\b|\bCUBE\b/i);
      expect(count(window.sql, 'GROUP BY')).toBe(1);
    });

    it('a format without log-status has no SKIPDATA to count and no status to check', () => {
      const noStatus = V8.replace(' ${log-status}', '');
      const { sql, parameters } = builder.build({ ...base, logFormat: noStatus, kind: 'window' });
      expect(sql).not.toContain('log_status');
      expect(sql).toContain('WHERE "action" IN (?, ?)\n');
      expect(parameters.slice(0, 4)).toEqual(["'REJECT'", "'ACCEPT'", '1714608000', '1714521600']);
      expect(count(sql, '?')).toBe(parameters.length);
      expect(sql).toContain(`WHEN coalesce("interface_id", '-') = '-' THEN 'no interface-id'`);
    });

    it('a format without end has no end to check', () => {
      const { sql } = builder.build({ ...base, logFormat: V8.replace(' ${end}', ''), kind: 'window' });
      expect(sql).not.toContain('end past');
      expect(sql).not.toContain('start after end');
      expect(sql).not.toContain('"end"');
    });
  });

  describe('lines too short for the format, in a delimited-text table', () => {
    /** The string columns of a V8 table created as AWS documents it (numbers typed int/bigint). */
    const V8_STRINGS = [
      'account_id',
      'interface_id',
      'srcaddr',
      'dstaddr',
      'action',
      'log_status',
      'vpc_id',
      'subnet_id',
      'flow_direction',
      'reject_reason',
    ];
    const text: FlowQueryInput = { ...base, kind: 'window', delimitedText: { stringColumns: V8_STRINGS } };
    const inner = (sql: string) => sql.slice(sql.lastIndexOf('        SELECT\n'), sql.indexOf('      ) r\n'));
    const TIME = 'coalesce(TRY_CAST("start" AS bigint), TRY_CAST("end" AS bigint))';

    it('counts a row whose last string column of the format is NULL, before any other check, by its start, else by whole partitions', () => {
      const { sql, parameters } = builder.build(text);
      expect(inner(sql)).toContain(
        `CASE WHEN "reject_reason" IS NULL THEN 'message does not match the log format' WHEN "log_status" = 'SKIPDATA' THEN 'skipdata'`,
      );
      expect(inner(sql)).toContain(
        [
          '        WHERE (("reject_reason" IS NOT NULL AND ("action" IN (?, ?) OR "log_status" = ?) AND TRY_CAST("start" AS bigint) < ? AND TRY_CAST("end" AS bigint) >= ?)',
          `            OR ("reject_reason" IS NULL AND CASE WHEN ${TIME} IS NULL THEN "day" BETWEEN ? AND ? ELSE ${TIME} >= ? AND ${TIME} < ? END))`,
          '          AND "day" BETWEEN ? AND ?',
        ].join('\n'),
      );
      expect(parameters).toEqual([
        "'REJECT'",
        "'ACCEPT'",
        "'SKIPDATA'",
        '1714608000',
        '1714521600',
        // A short line without a time: the partitions the window covers whole (here the one day).
        "'2024/05/01'",
        "'2024/05/01'",
        // A short line with a time: the window holds its start (half-open, so one window of a tiling).
        '1714521600',
        '1714608000',
        "'2024/04/30'",
        "'2024/05/02'",
      ]);
      expect(count(sql, '?')).toBe(parameters.length);
      expect(count(sql, 'FROM "AwsDataCatalog"."vpc_logs"."flow_logs"')).toBe(1);
    });

    it('a window covering no whole partition counts no short line without a time; an unpartitioned table never does', () => {
      const hour = builder.build({ ...text, from: new Date('2024-05-01T10:00:00Z'), to: new Date('2024-05-01T11:00:00Z') });
      expect(hour.sql).toContain(`CASE WHEN ${TIME} IS NULL THEN FALSE ELSE ${TIME} >= ? AND ${TIME} < ? END`);
      expect(count(hour.sql, '?')).toBe(hour.parameters.length);
      const none = builder.build({ ...text, layout: { type: 'none' } });
      expect(none.sql).toContain(`CASE WHEN ${TIME} IS NULL THEN FALSE ELSE`);
    });

    it('an hourly layout: the whole hours of the window', () => {
      const { sql, parameters } = builder.build({
        ...text,
        layout: { type: 'date-parts', year: 'year', month: 'month', day: 'day', hour: 'hour' },
        from: new Date('2024-05-01T09:30:00Z'),
        to: new Date('2024-05-01T12:00:00Z'),
      });
      expect(sql).toContain(
        `CASE WHEN ${TIME} IS NULL THEN ("year" = ? AND "month" = ? AND "day" BETWEEN ? AND ? AND "hour" BETWEEN ? AND ?) ELSE`,
      );
      // After the actions and SKIPDATA, the window's end and start.
      const untimed = 5;
      expect(parameters.slice(untimed, untimed + 6)).toEqual(["'2024'", "'05'", "'01'", "'01'", "'10'", "'11'"]);
    });

    it('a last field typed as a number (NULL also for `-`) gives way to the last string column before it', () => {
      const { sql } = builder.build({ ...text, logFormat: `${V8} \${traffic-path}` });
      expect(sql).toContain(`CASE WHEN "reject_reason" IS NULL THEN 'message does not match the log format'`);
      expect(sql).not.toContain('"traffic_path" IS NULL');
    });

    it('a short line names no VPC or subnet: counted whatever the scope', () => {
      const { sql } = builder.build({ ...text, scope: { vpcIds: ['vpc-1'], subnetIds: ['subnet-1'] } });
      expect(sql).toContain('AND ("vpc_id" IN (?) OR ("reject_reason" IS NULL AND "vpc_id" IS NULL))');
      expect(sql).toContain('AND ("subnet_id" IN (?) OR ("reject_reason" IS NULL AND "subnet_id" IS NULL))');
    });

    it('other tables (Parquet, or text with a NULL format of its own) count no short line: a NULL says nothing there', () => {
      for (const input of [
        { ...base, kind: 'window' as const },
        { ...text, delimitedText: null },
        { ...text, delimitedText: { stringColumns: [] } },
      ]) {
        const { sql } = builder.build(input);
        expect(sql).not.toContain('message does not match the log format');
        expect(sql).not.toContain('IS NULL AND');
      }
    });

    it('the whole partitions of tiling windows never overlap, and lie within their window (property)', () => {
      const start = Date.UTC(2024, 0, 1);
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 72 * 60 }), { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 0, max: 24 * 60 }),
          fc.boolean(),
          (lengths, offset, hourly) => {
            const unit = hourly ? 3_600_000 : 86_400_000;
            let from = start + offset * 60_000;
            const owned: number[] = [];
            for (const minutes of lengths) {
              const to = from + minutes * 60_000;
              const range = wholePartitionRange(new Date(from), new Date(to), hourly);
              if (range) {
                expect(range.first.getTime()).toBeGreaterThanOrEqual(from);
                expect(range.last.getTime() + unit).toBeLessThanOrEqual(to);
                for (let t = range.first.getTime(); t <= range.last.getTime(); t += unit) owned.push(t);
              }
              from = to;
            }
            expect(new Set(owned).size).toBe(owned.length);
          },
        ),
      );
    });
  });

  it('keeps the query under Athena’s 262,144-byte limit', () => {
    const interfaceIds = Array.from({ length: 100_000 }, (_, i) => `eni-${i.toString(16).padStart(17, '0')}`);
    const attempt = () => builder.build({ ...base, scope: { interfaceIds } });
    expect(attempt).toThrow(/Athena accepts at most 262144/);
    expect(Buffer.byteLength(builder.build(base).sql)).toBeLessThan(ATHENA_MAX_QUERY_BYTES);
    // The window query, counting what it leaves out, is refused alike past the limit, and far from it without a scope.
    expect(() => builder.build({ ...base, kind: 'window', scope: { interfaceIds } })).toThrow(/Athena accepts at most 262144/);
    expect(Buffer.byteLength(builder.build({ ...base, kind: 'window' }).sql)).toBeLessThan(ATHENA_MAX_QUERY_BYTES / 20);
  });

  it('rejects an empty window', () => {
    expect(() => builder.build({ ...base, to: base.from })).toThrow(/window/);
  });
});
