import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareAggregates, FlowAction, FlowAggregator } from '../../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate, FlowRecord } from '../../../src/engine/flow-log/flow-record';
import {
  aggregateFlowFiles,
  countIncomplete,
  createFlowReadStats,
  isTrafficRecord,
  missingFlowField,
  readFlowRecords,
} from '../../../src/flow-files/flow-file-reader';

/**
 * aggregateFlowFiles reads plain lines from their bytes straight into the aggregator. These
 * properties hold it to the plain path — parse every line into a FlowRecord, then add it — and hold
 * the aggregator to the aggregation rule written out directly, on random files that mix valid,
 * irregular and malformed lines.
 */

const V2 = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const V8 =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ' +
  'vpc-id subnet-id tcp-flags flow-direction reject-reason';
/** A header with a field the catalog does not know (read as text, kept under its name). */
const V8_AND_NEWER = `${V8} future-field`;

/** Mostly a valid value, sometimes `-`, rarely an invalid token (which makes the line malformed). */
const field = (valid: fc.Arbitrary<string>, ...invalid: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 40, arbitrary: valid },
    { weight: 2, arbitrary: fc.constant('-') },
    { weight: invalid.length ? 1 : 0, arbitrary: fc.constantFrom('x', ...invalid) },
  );
// Few distinct keys, so that many lines share one: service ports, client ports, the odd other port.
const port = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(22, 443) },
    { weight: 4, arbitrary: fc.integer({ min: 1023, max: 1100 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  )
  .map(String);

/** A count past 2^53 - 1 (as far as 2^63 - 1), or just below it. */
const largeCount = fc.oneof(
  fc.constantFrom('9007199254740991', '9007199254740993', '12345678901234567', '9223372036854775807'),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }).map(String),
);

/** Token generators per field. */
const tokens: Record<string, fc.Arbitrary<string>> = {
  version: field(fc.constantFrom('2', '5', '8'), '256'),
  'account-id': field(fc.constantFrom('111122223333', '444455556666')),
  // Ids are printable ASCII: a letter outside it or a control character makes the line malformed.
  'interface-id': field(fc.constantFrom('eni-a', 'eni-b'), 'eni-ü', 'eni-\u001b[31m', 'eni-a\u0007'),
  srcaddr: field(fc.constantFrom('10.0.0.1', '10.0.0.1', '10.0.0.1', '2001:db8::1'), '10.0.0.01', '10.0.0'),
  dstaddr: field(fc.constantFrom('10.0.0.5', '10.0.0.5', '::ffff:10.0.0.5'), '1.2.3.256'),
  srcport: field(port, '65536', '-1'),
  dstport: field(port, '1.5'),
  protocol: field(fc.constantFrom('1', '6', '6', '6', '17', '132'), '300', '+6'),
  // Counts are 64-bit: up to 2^63 - 1, read as the nearest double past 2^53; beyond it malformed.
  packets: field(fc.oneof(fc.nat(1000).map(String), largeCount), '9223372036854775808', '92233720368547758070', '1e3', '-1'),
  bytes: field(
    fc.oneof({ weight: 8, arbitrary: fc.nat(10_000_000).map(String) }, { weight: 1, arbitrary: largeCount }),
    '18446744073709551615',
  ),
  // Past 9999-12-31T23:59:59Z (253402300799) a capture time is malformed.
  start: field(fc.integer({ min: 1_700_000_000, max: 1_700_000_600 }).map(String), '253402300800', '8640000000001'),
  end: field(fc.integer({ min: 1_700_000_000, max: 1_700_000_700 }).map(String), '253402300800'),
  action: field(fc.constantFrom('ACCEPT', 'REJECT'), 'reject'),
  'log-status': field(fc.constantFrom('OK', 'OK', 'OK', 'NODATA', 'SKIPDATA'), 'ok'),
  'vpc-id': field(fc.constantFrom('vpc-1', 'vpc-2')),
  'subnet-id': field(fc.constantFrom('subnet-1', 'subnet-2')),
  'tcp-flags': field(fc.constantFrom('0', '1', '2', '18', '255'), '256'),
  'flow-direction': field(fc.constantFrom('ingress', 'egress'), 'sideways'),
  'reject-reason': field(fc.constantFrom('BPA', 'BPA', 'OTHER')),
  'future-field': field(fc.constantFrom('abc', 'x-1', 'ü')),
};

/** One line of the given format, sometimes with irregular spacing, a CR, a tab or a missing field. */
function lineOf(format: string): fc.Arbitrary<string> {
  const names = format.split(' ');
  return fc
    .tuple(
      fc.tuple(...names.map((name) => tokens[name])),
      fc.oneof(
        { weight: 20, arbitrary: fc.constant('plain') },
        { weight: 1, arbitrary: fc.constantFrom('double-space', 'cr', 'tab', 'lead', 'short', 'long', 'blank') },
      ),
    )
    .map(([values, shape]) => {
      switch (shape) {
        case 'double-space':
          return values.join('  ');
        case 'cr':
          return values.join(' ') + '\r';
        case 'tab':
          return values.join('\t');
        case 'lead':
          return ' ' + values.join(' ');
        case 'short':
          return values.slice(1).join(' ');
        case 'long':
          return values.join(' ') + ' extra';
        case 'blank':
          return '';
        default:
          return values.join(' ');
      }
    });
}

const fileText = fc.oneof(
  fc.array(lineOf(V2), { maxLength: 80 }).map((lines) => lines.join('\n') + '\n'),
  fc.array(lineOf(V2), { maxLength: 60 }).map((lines) => [V2, ...lines].join('\n')),
  fc.array(lineOf(V8), { maxLength: 60 }).map((lines) => [V8, ...lines].join('\n') + '\n'),
  fc.array(lineOf(V8_AND_NEWER), { maxLength: 60 }).map((lines) => [V8_AND_NEWER, ...lines].join('\n') + '\n'),
);

/** The plain path: every line parsed into a FlowRecord, then added; statistics as aggregateFlowFiles keeps them. */
async function parseThenAggregate(file: string, actions: readonly FlowAction[]) {
  const stats = createFlowReadStats();
  const aggregator = new FlowAggregator({ actions });
  const records: FlowRecord[] = [];
  for await (const { record, source } of readFlowRecords([file], { stats })) {
    records.push(record);
    const action = record.action;
    const skipped = (action === 'ACCEPT' || action === 'REJECT') && !aggregator.keeps(action);
    if (!aggregator.add(record) && isTrafficRecord(record) && !skipped) countIncomplete(stats, missingFlowField(record), source);
  }
  return { aggregates: aggregator.aggregates(), stats, records };
}

/** The aggregation rule written out plainly, record by record, for comparison. */
function modelAggregates(records: readonly FlowRecord[], actions: readonly FlowAction[]): FlowAggregate[] {
  const groups = new Map<string, FlowRecord[]>();
  for (const r of records) {
    const status = r['log-status'];
    if (status != null && status !== 'OK') continue;
    if (!r['interface-id'] || !r.srcaddr || !r.dstaddr || typeof r.protocol !== 'number') continue;
    if (r.action !== 'ACCEPT' && r.action !== 'REJECT') continue;
    if (!actions.includes(r.action)) continue;
    const key = JSON.stringify([
      r['interface-id'],
      r['flow-direction'] ?? null,
      r.srcaddr,
      r.dstaddr,
      r.protocol,
      portsOf(r).key,
      r.action,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map(summarise).sort(compareAggregates);
}

function portsOf(r: FlowRecord): { key: string; side: 'src' | 'dst' | null; ephemeral: number | null } {
  if (![6, 17, 132].includes(r.protocol as number)) return { key: 'none', side: null, ephemeral: null };
  const src = r.srcport ?? null;
  const dst = r.dstport ?? null;
  if (src === null || dst === null) return { key: `${src}/${dst}`, side: null, ephemeral: null };
  const serviceSrc = src < dst;
  const other = serviceSrc ? dst : src;
  if (other < 1024) return { key: `${src}/${dst}`, side: null, ephemeral: null };
  return serviceSrc ? { key: `s${src}`, side: 'src', ephemeral: dst } : { key: `d${dst}`, side: 'dst', ephemeral: src };
}

function summarise(rs: FlowRecord[]): FlowAggregate {
  const first = rs[0];
  const { side } = portsOf(first);
  const ephemerals = rs.map((r) => portsOf(r).ephemeral).filter((p): p is number => p !== null);
  const timed = rs.filter((r) => typeof r.start === 'number' || typeof r.end === 'number');
  const flags = rs.map((r) => r['tcp-flags']).filter((f): f is number => typeof f === 'number');
  const reasons = new Set(rs.map((r) => r['reject-reason'] ?? null));
  const firstValue = (field: string): string | null => (rs.map((r) => r[field]).find((v) => typeof v === 'string') as string) ?? null;
  const ephemeralMin = ephemerals.length ? Math.min(...ephemerals) : null;
  return {
    interfaceId: first['interface-id'] as string,
    accountId: firstValue('account-id'),
    vpcId: firstValue('vpc-id'),
    subnetId: firstValue('subnet-id'),
    flowDirection: first['flow-direction'] ?? null,
    srcaddr: first.srcaddr as string,
    dstaddr: first.dstaddr as string,
    srcport: side === 'dst' ? ephemeralMin : portsOf(first).key === 'none' ? null : (first.srcport ?? null),
    dstport: side === 'src' ? ephemeralMin : portsOf(first).key === 'none' ? null : (first.dstport ?? null),
    protocol: first.protocol as number,
    action: first.action as 'ACCEPT' | 'REJECT',
    tcpFlags: flags.length ? flags.reduce((a, b) => a | b, 0) : null,
    rejectReason: reasons.size === 1 ? [...reasons][0] : null,
    servicePortSide: side,
    ephemeralPortMin: ephemeralMin,
    ephemeralPortMax: ephemerals.length ? Math.max(...ephemerals) : null,
    records: rs.length,
    packets: rs.reduce((s, r) => s + (r.packets ?? 0), 0),
    bytes: rs.reduce((s, r) => s + (r.bytes ?? 0), 0),
    firstSeen: timed.length ? Math.min(...timed.map((r) => r.start ?? (r.end as number))) : 0,
    lastSeen: timed.length ? Math.max(...timed.map((r) => r.end ?? (r.start as number))) : 0,
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-fast-path-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aggregateFlowFiles fast path', () => {
  it('gives the aggregates and statistics of parse-then-aggregate, and both follow the rule (REJECT + ACCEPT)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fileText, async (text) => {
        const file = join(dir, `both-${run++}.log`);
        writeFileSync(file, text);
        const actions: FlowAction[] = ['REJECT', 'ACCEPT'];
        const fast = await aggregateFlowFiles([file], { actions });
        const plain = await parseThenAggregate(file, actions);
        expect(fast.aggregates).toEqual(plain.aggregates);
        expect(fast.stats).toEqual(plain.stats);
        expect(plain.aggregates).toEqual(modelAggregates(plain.records, actions));
      }),
      { numRuns: 250 },
    );
  });

  it('gives the aggregates of parse-then-aggregate when only REJECT is kept', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fileText, async (text) => {
        const file = join(dir, `reject-${run++}.log`);
        writeFileSync(file, text);
        const fast = await aggregateFlowFiles([file], { actions: ['REJECT'] });
        const plain = await parseThenAggregate(file, ['REJECT']);
        expect(fast.aggregates).toEqual(plain.aggregates);
        expect(fast.stats.rejectRecords).toBe(plain.stats.rejectRecords);
      }),
      { numRuns: 150 },
    );
  });

  it('counts an id that is not printable ASCII (a letter outside it, a byte that is not UTF-8) as malformed, whichever path read it', async () => {
    const file = join(dir, 'non-ascii.log');
    const line = (eni: Buffer, gap = ' '): Buffer =>
      Buffer.concat([
        Buffer.from('2 111122223333 '),
        eni,
        Buffer.from(`${gap}10.0.0.1 10.0.0.5 41000 443 6 2 120 1700000000 1700000060 ACCEPT OK\n`),
      ]);
    // Two different invalid UTF-8 bytes both decode to U+FFFD: read as text they would be one interface.
    // A double space sends a line through the parser.
    const eniU = Buffer.from('eni-\u00fc');
    const invalid = [Buffer.from([0x65, 0xff]), Buffer.from([0x65, 0xfe])];
    const valid = Buffer.from('eni-a');
    writeFileSync(
      file,
      Buffer.concat([
        line(eniU),
        line(eniU, '  '),
        line(invalid[0]),
        line(invalid[1]),
        line(invalid[1], '  '),
        line(valid),
        line(valid, '  '),
      ]),
    );
    const fast = await aggregateFlowFiles([file], { actions: ['ACCEPT'] });
    expect(fast.aggregates.map((a) => [a.interfaceId, a.records])).toEqual([['eni-a', 2]]);
    expect(fast.stats.malformed).toBe(5);
    expect(fast.stats.malformedExamples.map((m) => [m.line, m.error.replace(/:.*/, '')])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 'interface-id']),
    );
    const plain = await parseThenAggregate(file, ['ACCEPT']);
    expect(plain.aggregates).toEqual(fast.aggregates);
    expect(plain.stats).toEqual(fast.stats);
  });

  it('counts a malformed line once, whichever path read it', async () => {
    const file = join(dir, 'malformed.log');
    const good = '2 111122223333 eni-a 10.0.0.1 10.0.0.5 41000 443 6 2 120 1700000000 1700000060 ACCEPT OK';
    writeFileSync(file, [V2, good, good.replace('41000', '70000'), good.replace('  ', ' ').replace(' 6 ', '  6 '), 'garbage'].join('\n'));
    const fast = await aggregateFlowFiles([file], { actions: ['REJECT', 'ACCEPT'] });
    expect(fast.stats).toMatchObject({ lines: 5, records: 2, malformed: 2, acceptRecords: 2 });
    expect(fast.stats.malformedExamples.map((m) => m.line)).toEqual([3, 5]);
    expect(fast.aggregates).toEqual([expect.objectContaining({ records: 2, srcport: 41000, dstport: 443, servicePortSide: 'dst' })]);
  });
});
