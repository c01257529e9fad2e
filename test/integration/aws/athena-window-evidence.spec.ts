import fc from 'fast-check';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_AGGREGATE_COLUMNS, windowEvidence } from '../../../src/aws/athena-query-builder';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { acceptEvidence } from '../../support/aws/aws-athena-evidence';
import { dropTestDatabase, testDatabaseUrl, TEST_POSTGRES_URL, uniqueTestName } from '../../support/app/test-database';
import { flowAggregate } from '../../support/factories/flow-aggregate';

/**
 * The SQL that reduces a window's ACCEPT aggregates to the evidence the diagnosis uses runs here
 * on PostgreSQL (the part after the aggregate is plain SQL: window functions, CASE, least,
 * greatest, ||), over aggregates given as VALUES, and must select exactly what the rule written
 * in TypeScript selects. Byte-order collation, as Athena compares strings.
 */
/** The types of the columns before `records`, in FLOW_AGGREGATE_COLUMNS order. */
const UNREAD_KEY_TYPES = [
  ...['varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar'],
  ...['integer', 'integer', 'integer', 'varchar', 'integer', 'varchar', 'varchar', 'integer', 'integer'],
];

describe('the one query of a window: ACCEPT evidence selected in SQL', () => {
  const database = uniqueTestName('athena_sql');
  let client: Client;

  beforeAll(async () => {
    const admin = new Client({ connectionString: testDatabaseUrl('postgres', TEST_POSTGRES_URL) });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
    await admin.end();
    client = new Client({ connectionString: testDatabaseUrl(database, TEST_POSTGRES_URL) });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await dropTestDatabase(database);
  });

  /**
   * Runs the window SQL over `flows` and the `unread` counts (rows as the aggregate returns them:
   * keys NULL, `unread_reason` set) as its aggregate; returns the selected aggregates' identities,
   * having checked that every count row came through as it went in.
   */
  async function selectInSql(
    flows: FlowAggregate[],
    peersPerService: number,
    unread: Array<{ reason: string; records: number }> = [],
  ): Promise<string[]> {
    const params: unknown[] = [];
    const value = (v: unknown, type: string) => {
      params.push(v);
      return `CAST($${params.length} AS ${type})`;
    };
    const unreadRows = unread.map(
      (u) =>
        `(${[
          // interface_id … ephemeral_port_max: every key and every value of a flow NULL.
          ...UNREAD_KEY_TYPES.map((type) => value(null, type)),
          value(u.records, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(null, 'varchar'),
          value(u.reason, 'varchar'),
        ].join(', ')})`,
    );
    const rows = flows.map(
      (f) =>
        `(${[
          value(f.interfaceId, 'varchar'),
          value(null, 'varchar'),
          value(null, 'varchar'),
          value(null, 'varchar'),
          value(f.flowDirection, 'varchar'),
          value(f.srcaddr, 'varchar'),
          value(f.dstaddr, 'varchar'),
          value(f.srcport, 'integer'),
          value(f.dstport, 'integer'),
          value(f.protocol, 'integer'),
          value(f.action, 'varchar'),
          value(null, 'integer'),
          value(null, 'varchar'),
          value(f.servicePortSide, 'varchar'),
          value(null, 'integer'),
          value(null, 'integer'),
          value(f.records, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(0, 'bigint'),
          value(null, 'varchar'),
          value(null, 'varchar'),
        ].join(', ')})`,
    );
    const aggregate = [`SELECT * FROM (VALUES ${[...rows, ...unreadRows].join(', ')}) AS v(${FLOW_AGGREGATE_COLUMNS.join(', ')})`];
    const result = await client.query(windowEvidence(aggregate, peersPerService).join('\n'), params);
    expect(result.fields.map((f) => f.name)).toEqual([...FLOW_AGGREGATE_COLUMNS]);
    const counts = result.rows.filter((r) => r.unread_reason !== null);
    expect(counts.map((r) => ({ reason: r.unread_reason, records: Number(r.records) })).sort(byReason)).toEqual([...unread].sort(byReason));
    return result.rows
      .filter((r) => r.unread_reason === null)
      .map((r) =>
        identity({
          interfaceId: r.interface_id,
          flowDirection: r.flow_direction,
          srcaddr: r.srcaddr,
          dstaddr: r.dstaddr,
          srcport: r.srcport,
          dstport: r.dstport,
          protocol: r.protocol,
          action: r.action,
        }),
      )
      .sort();
  }

  const byReason = (a: { reason: string }, b: { reason: string }) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0);

  const identity = (
    f: Pick<FlowAggregate, 'interfaceId' | 'flowDirection' | 'srcaddr' | 'dstaddr' | 'srcport' | 'dstport' | 'protocol' | 'action'>,
  ) => [f.interfaceId, f.flowDirection, f.srcaddr, f.dstaddr, f.srcport, f.dstport, f.protocol, f.action].join(' ');

  /** An aggregate as the window's GROUP BY produces it: the service side by the shared port-collapse rule. */
  function aggregateOf(t: {
    eni: string;
    src: string;
    dst: string;
    sp: number | null;
    dp: number | null;
    protocol: number;
    action: 'ACCEPT' | 'REJECT';
    records: number;
    direction: 'ingress' | 'egress';
  }): FlowAggregate {
    const ported = [6, 17, 132].includes(t.protocol);
    const sp = ported ? t.sp : null;
    const dp = ported ? t.dp : null;
    const side = sp !== null && dp !== null && Math.max(sp, dp) >= 1024 ? (sp < dp ? 'src' : 'dst') : null;
    return flowAggregate({
      interfaceId: t.eni,
      flowDirection: t.direction,
      srcaddr: t.src,
      dstaddr: t.dst,
      srcport: sp,
      dstport: dp,
      protocol: t.protocol,
      action: t.action,
      servicePortSide: side,
      records: t.records,
      packets: 0,
      bytes: 0,
      firstSeen: 0,
      lastSeen: 0,
    });
  }

  const flowArb = fc.record({
    eni: fc.constantFrom('eni-a', 'eni-b'),
    src: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.1.7', '203.0.113.5', '2001:db8::1'),
    dst: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.1.7', '198.51.100.9'),
    sp: fc.constantFrom(22, 443, 5432, 1024, 33000, 40000, null),
    dp: fc.constantFrom(22, 443, 5432, 1024, 33000, 50000, null),
    protocol: fc.constantFrom(6, 6, 17, 1),
    action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
    records: fc.integer({ min: 1, max: 1000 }),
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    // Often the other direction of the same conversation too, with the other action: replies and requests.
    mirrored: fc.boolean(),
  });

  // The counts of records left out the aggregate returns beside its flows: at most one row per reason.
  const unreadArb = fc.uniqueArray(
    fc.record({
      reason: fc.constantFrom('skipdata', 'no interface-id', 'no protocol', 'end past 9999-12-31T23:59:59Z'),
      records: fc.integer({ min: 1, max: 50 }),
    }),
    { selector: (u) => u.reason, maxLength: 4 },
  );

  it('selects every REJECT and exactly the ACCEPT evidence of the TypeScript rule, and passes every count row through (property, real SQL)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(flowArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        unreadArb,
        async (tuples, cap, unread) => {
          // One aggregate per GROUP BY key, as the query's aggregate has.
          const unique = new Map<string, FlowAggregate>();
          for (const t of tuples) {
            const flow = aggregateOf(t);
            unique.set(identity(flow), flow);
            if (t.mirrored) {
              const mirror = aggregateOf({
                ...t,
                src: t.dst,
                dst: t.src,
                sp: t.dp,
                dp: t.sp,
                action: t.action === 'ACCEPT' ? 'REJECT' : 'ACCEPT',
              });
              unique.set(identity(mirror), mirror);
            }
          }
          const flows = [...unique.values()];
          const reject = flows.filter((f) => f.action === 'REJECT');
          const accept = flows.filter((f) => f.action === 'ACCEPT');
          const expected = [...reject, ...acceptEvidence(reject, accept, cap)].map(identity).sort();
          expect(await selectInSql(flows, cap, unread)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the reverse of a rejected reply and the accepted peers of a rejected service, and nothing else', async () => {
    const flows = [
      // 10.0.0.2 → 10.0.0.1:5432 accepted; the reply 5432 → 40000 rejected: return traffic.
      aggregateOf({
        eni: 'eni-a',
        src: '10.0.0.2',
        dst: '10.0.0.1',
        sp: 40000,
        dp: 5432,
        protocol: 6,
        action: 'ACCEPT',
        records: 5,
        direction: 'ingress',
      }),
      aggregateOf({
        eni: 'eni-a',
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sp: 5432,
        dp: 40000,
        protocol: 6,
        action: 'REJECT',
        records: 2,
        direction: 'egress',
      }),
      // 443 rejected from 203.0.113.5, accepted from 10.0.1.7: the service is accepted from another peer.
      aggregateOf({
        eni: 'eni-b',
        src: '203.0.113.5',
        dst: '10.0.0.1',
        sp: 33000,
        dp: 443,
        protocol: 6,
        action: 'REJECT',
        records: 1,
        direction: 'ingress',
      }),
      aggregateOf({
        eni: 'eni-b',
        src: '10.0.1.7',
        dst: '10.0.0.1',
        sp: 50000,
        dp: 443,
        protocol: 6,
        action: 'ACCEPT',
        records: 9,
        direction: 'ingress',
      }),
      // Accepted traffic of services nothing rejected: not returned.
      aggregateOf({
        eni: 'eni-b',
        src: '10.0.1.7',
        dst: '10.0.0.1',
        sp: 50000,
        dp: 22,
        protocol: 6,
        action: 'ACCEPT',
        records: 9,
        direction: 'ingress',
      }),
      aggregateOf({
        eni: 'eni-a',
        src: '10.0.0.2',
        dst: '198.51.100.9',
        sp: 40000,
        dp: 443,
        protocol: 6,
        action: 'ACCEPT',
        records: 3,
        direction: 'egress',
      }),
    ];
    const selected = await selectInSql(flows, 50);
    expect(selected).toEqual([flows[0], flows[1], flows[2], flows[3]].map(identity).sort());
  });

  it('finds the reverse whichever end of the conversation sorts first', async () => {
    const flows = [
      // The server's reply accepted, the client's request rejected (the reply's ends sort the other way round).
      aggregateOf({
        eni: 'eni-a',
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sp: 5432,
        dp: 40000,
        protocol: 6,
        action: 'ACCEPT',
        records: 5,
        direction: 'egress',
      }),
      aggregateOf({
        eni: 'eni-a',
        src: '10.0.0.2',
        dst: '10.0.0.1',
        sp: 40000,
        dp: 5432,
        protocol: 6,
        action: 'REJECT',
        records: 2,
        direction: 'ingress',
      }),
    ];
    expect(await selectInSql(flows, 50)).toEqual(flows.map(identity).sort());
  });

  it('over the cap, keeps the accepted peers that were not rejected at the service first', async () => {
    const flows = [
      aggregateOf({
        eni: 'eni-b',
        src: '10.0.0.1',
        dst: '10.0.9.9',
        sp: 33000,
        dp: 443,
        protocol: 6,
        action: 'REJECT',
        records: 1,
        direction: 'ingress',
      }),
      aggregateOf({
        eni: 'eni-b',
        src: '10.0.0.1',
        dst: '10.0.9.9',
        sp: 33001,
        dp: 443,
        protocol: 6,
        action: 'ACCEPT',
        records: 1,
        direction: 'ingress',
      }),
      aggregateOf({
        eni: 'eni-b',
        src: '10.0.0.9',
        dst: '10.0.9.9',
        sp: 33000,
        dp: 443,
        protocol: 6,
        action: 'ACCEPT',
        records: 1,
        direction: 'ingress',
      }),
    ];
    // One source peer a side: 10.0.0.9, never rejected there, though 10.0.0.1 sorts first (the destination side keeps one row too).
    const selected = await selectInSql(flows, 1);
    expect(selected).toContain(identity(flows[2]!));
    expect(selected).toEqual([...[flows[0]!], ...acceptEvidence([flows[0]!], [flows[1]!, flows[2]!], 1)].map(identity).sort());
  });
});
