import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowAggregator } from '../../../src/engine/flow-log/flow-aggregator';
import { flowKey, hourOf } from '../../../src/engine/flow-log/flow-key';
import type { FlowAggregate, FlowRecord } from '../../../src/engine/flow-log/flow-record';
import { createFlowReadStats, readFlowRecords } from '../../../src/flow-files/flow-file-reader';
import { collectedFileFlows } from '../../support/file-flows';
import { hourlyRecordsOf } from '../../../src/engine/flow-log/hourly-records';

/**
 * The files source reads lines from their bytes and counts hours in the same pass. This holds it
 * to the plain path written out: every line parsed into a record, records outside the window
 * skipped, the rest aggregated, and REJECT records aggregated again per hour of their start.
 */
async function plainCollection(file: string, window: { from: Date; to: Date }) {
  const fromSec = Math.floor(window.from.getTime() / 1000);
  const toSec = Math.ceil(window.to.getTime() / 1000);
  const inWindow = (record: FlowRecord): boolean => {
    const start = typeof record.start === 'number' ? record.start : null;
    const end = typeof record.end === 'number' ? record.end : start;
    return start === null || end === null || (start < toSec && end >= fromSec);
  };
  const stats = createFlowReadStats();
  const all = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  const perHour = new Map<number, FlowAggregator>();
  let outside = 0;
  for await (const { record } of readFlowRecords([file], { stats })) {
    if (!inWindow(record)) {
      outside++;
      continue;
    }
    all.add(record);
    if (record.action === 'REJECT' && typeof record.start === 'number') {
      const hour = hourOf(record.start);
      if (!perHour.has(hour)) perHour.set(hour, new FlowAggregator({ actions: ['REJECT'] }));
      perHour.get(hour)!.add(record);
    }
  }
  const hourly = new Map<string, Record<number, number>>();
  for (const [hour, aggregator] of perHour) {
    for (const flow of aggregator.aggregates()) {
      const counts = hourly.get(flowKey(flow)) ?? {};
      counts[hour] = flow.records;
      hourly.set(flowKey(flow), counts);
    }
  }
  const aggregates: FlowAggregate[] = all.aggregates().map((flow) => {
    const counts = flow.action === 'REJECT' ? hourly.get(flowKey(flow)) : undefined;
    return counts ? { ...flow, hourly: hourlyRecordsOf(counts) } : flow;
  });
  return { aggregates, stats, outside };
}

const T0 = 1_700_000_000;
const field = (valid: fc.Arbitrary<string>, invalid = 'x'): fc.Arbitrary<string> =>
  fc.oneof({ weight: 30, arbitrary: valid }, { weight: 2, arbitrary: fc.constant('-') }, { weight: 1, arbitrary: fc.constant(invalid) });
const line = fc
  .record({
    eni: field(fc.constantFrom('eni-a', 'eni-b')),
    src: field(fc.constantFrom('10.0.0.1', '198.51.100.7', '2001:db8::1')),
    dst: field(fc.constantFrom('10.0.0.5', '10.0.0.6')),
    // Few keys, so that flows repeat within an hour: client ports towards service ports, mostly.
    srcport: field(fc.constantFrom('40000', '40001', '40002', '22')),
    dstport: field(fc.constantFrom('22', '22', '443', '40003')),
    protocol: field(fc.constantFrom('6', '6', '6', '17')),
    start: field(fc.integer({ min: T0 - 7200, max: T0 + 4 * 3600 }).map(String)),
    length: fc.integer({ min: 0, max: 900 }),
    action: field(fc.constantFrom('ACCEPT', 'REJECT', 'REJECT')),
    status: fc.constantFrom('OK', 'OK', 'OK', 'NODATA'),
    shape: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'double-space', 'cr'),
  })
  .map((r) => {
    const end = r.start === '-' || r.start === 'x' ? '-' : String(Number(r.start) + r.length);
    const values = [
      '2',
      '111122223333',
      r.eni,
      r.src,
      r.dst,
      r.srcport,
      r.dstport,
      r.protocol,
      '3',
      '180',
      r.start,
      end,
      r.action,
      r.status,
    ];
    return r.shape === 'double-space' ? values.join('  ') : values.join(' ') + (r.shape === 'cr' ? '\r' : '');
  });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-flow-collector-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('collectFileFlows', () => {
  it('gives the window’s aggregates, per-hour counts and statistics of parsing every line', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 20, maxLength: 200, size: 'max' }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (lines, startHour, hours) => {
          const file = join(dir, `flows-${run++}.log`);
          writeFileSync(file, lines.join('\n') + '\n');
          const window = { from: new Date((T0 + startHour * 3600) * 1000), to: new Date((T0 + (startHour + hours) * 3600) * 1000) };
          const read = await collectedFileFlows([file], window);
          const plain = await plainCollection(file, window);
          expect(read.aggregates).toEqual(plain.aggregates);
          expect(read.recordsOutsideWindow).toBe(plain.outside);
          expect({ ...read.stats, incomplete: 0, incompleteByReason: {}, incompleteExamples: [] }).toEqual(plain.stats);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts a REJECT flow’s records in the hours they started in, and leaves out records outside the window', async () => {
    const file = join(dir, 'hours.log');
    const rec = (start: number, action = 'REJECT') =>
      `2 111122223333 eni-a 198.51.100.7 10.0.0.5 40000 22 6 1 60 ${start} ${start + 30} ${action} OK`;
    const hour = hourOf(T0);
    // A record ending exactly when the window starts is in it (in the hour it started in); one starting when it ends is not.
    const lines = [rec(hour - 30), rec(hour + 10), rec(hour + 20), rec(hour + 3600 + 5), rec(hour + 7200), rec(hour + 15, 'ACCEPT')];
    writeFileSync(file, lines.join('\n'));
    const read = await collectedFileFlows([file], { from: new Date(hour * 1000), to: new Date((hour + 7200) * 1000) });
    expect(read.recordsOutsideWindow).toBe(1);
    const reject = read.aggregates.find((a) => a.action === 'REJECT');
    expect(reject).toMatchObject({ records: 4, hourly: [hour - 3600, 1, hour, 2, hour + 3600, 1] });
    expect(read.aggregates.find((a) => a.action === 'ACCEPT')?.hourly).toBeUndefined();
  });

  it('stops with the signal’s reason', async () => {
    const file = join(dir, 'aborted.log');
    writeFileSync(file, `2 111122223333 eni-a 198.51.100.7 10.0.0.5 40000 22 6 1 60 ${T0} ${T0 + 30} REJECT OK\n`);
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(
      collectedFileFlows([file], { from: new Date(0), to: new Date((T0 + 60) * 1000) }, { signal: abort.signal }),
    ).rejects.toThrow('cancelled');
  });
});
