import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowLogFormatError } from '../../../src/engine/flow-log/flow-log-format.error';
import { aggregateFlowFiles } from '../../../src/flow-files/flow-file-reader';
import { readAllFlowRecords as readAll } from '../../support/factories/read-flow-records';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'flow-logs');
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const line = (src: string, srcport: number, dstport: number, action = 'REJECT', eni = 'eni-a'): string =>
  `2 111122223333 ${eni} ${src} 10.0.0.5 ${srcport} ${dstport} 6 2 120 1700000000 1700000060 ${action} OK`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFlowRecords', () => {
  it('reads the documentation examples (headerless, default format) with file and line of each record', async () => {
    const file = join(FIXTURES, 'aws-doc-default.log');
    const { records, stats } = await readAll([file]);
    expect(records).toHaveLength(7);
    expect(records[1]).toEqual({
      record: expect.objectContaining({ action: 'REJECT', dstport: 3389 }),
      source: { file, line: 2 },
    });
    expect(stats).toMatchObject({
      files: 1,
      lines: 7,
      records: 7,
      nodata: 1,
      skipdata: 1,
      malformed: 0,
      rejectRecords: 2,
      acceptRecords: 3,
    });
  });

  it('takes the format from the header line of each file', async () => {
    const { records, stats } = await readAll([join(FIXTURES, 'aws-doc-tcp-flags.log'), join(FIXTURES, 'aws-doc-default.log')]);
    expect(records[0].record).toMatchObject({ 'tcp-flags': 2, 'vpc-id': 'vpc-abcdefab012345678' });
    expect(records[0].source.line).toBe(2);
    expect(records[8].record).toMatchObject({ version: 2, dstport: 22 });
    expect(stats.malformed).toBe(0);
  });

  it('uses the given LogFormat for headerless custom-format files', async () => {
    const file = join(dir, 'custom.log');
    writeFileSync(file, '- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\n');
    const { records } = await readAll([file], {
      format: '${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}',
    });
    expect(records[0].record['pkt-dstaddr']).toBe('203.0.113.5');
  });

  it('rejects a token of the given format that is not a field name before reading', async () => {
    await expect(readAll([join(FIXTURES, 'aws-doc-default.log')], { format: '${version} ${No_Pe}' })).rejects.toThrow(
      /--log-format: not a flow-log field name "No_Pe"/,
    );
  });

  it('gunzips by magic bytes, whatever the file is called', async () => {
    const text = [HEADER, line('10.0.0.9', 41000, 8080), line('10.0.0.9', 41001, 8080, 'ACCEPT')].join('\n') + '\n';
    writeFileSync(join(dir, 'a.log.gz'), gzipSync(text));
    writeFileSync(join(dir, 'misnamed.log'), gzipSync(text));
    for (const name of ['a.log.gz', 'misnamed.log']) {
      const { records, stats } = await readAll([join(dir, name)]);
      expect(records.map((r) => r.record.action)).toEqual(['REJECT', 'ACCEPT']);
      expect(records[0].source.line).toBe(2);
      expect(stats.malformed).toBe(0);
    }
  });

  it('walks directories recursively in sorted order (S3 layout)', async () => {
    const root = join(dir, 'AWSLogs');
    const day = (d: string) => join(root, '111122223333', 'vpcflowlogs', 'eu-west-1', '2024', '05', d);
    mkdirSync(day('02'), { recursive: true });
    mkdirSync(day('01'), { recursive: true });
    writeFileSync(join(day('02'), 'x_20240502T0000Z_b.log.gz'), gzipSync(`${HEADER}\n${line('10.0.0.3', 40000, 22)}\n`));
    writeFileSync(join(day('01'), 'x_20240501T0005Z_b.log.gz'), gzipSync(`${HEADER}\n${line('10.0.0.2', 40000, 22)}\n`));
    writeFileSync(join(day('01'), 'x_20240501T0000Z_a.log.gz'), gzipSync(`${HEADER}\n${line('10.0.0.1', 40000, 22)}\n`));
    writeFileSync(join(day('01'), '.hidden'), 'not a flow log\n');
    const { records, stats } = await readAll([root]);
    expect(records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(stats).toMatchObject({ files: 3, malformed: 0 });
  });

  it('reads `-` from the given stdin stream, plain or gzipped, split anywhere', async () => {
    const text = `${HEADER}\n${line('10.0.0.9', 41000, 8080)}\r\n${line('10.0.0.8', 41000, 8080)}`;
    const pieces = (bytes: Buffer) => Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 50), bytes.subarray(50)]);
    for (const stdin of [pieces(Buffer.from(text)), pieces(gzipSync(text))]) {
      const { records, stats } = await readAll(['-'], { stdin });
      expect(records.map((r) => [r.record.srcaddr, r.source])).toEqual([
        ['10.0.0.9', { file: '-', line: 2 }],
        ['10.0.0.8', { file: '-', line: 3 }],
      ]);
      expect(stats.files).toBe(1);
    }
  });

  it('counts malformed lines with their line numbers and keeps the first examples', async () => {
    const file = join(dir, 'bad.log');
    writeFileSync(
      file,
      [
        HEADER,
        line('10.0.0.1', 1, 2),
        'garbage',
        '',
        line('10.0.0.300', 1, 2),
        line('10.0.0.2', 1, 2).replace('REJECT', 'DROP'),
        '\u0000\u00ff',
      ].join('\n'),
    );
    const { records, stats } = await readAll([file], { maxExamples: 2 });
    expect(records).toHaveLength(1);
    expect(stats.malformed).toBe(4);
    expect(stats.malformedExamples).toEqual([
      { file, line: 3, error: 'expected 14 fields, found 1' },
      { file, line: 5, error: 'srcaddr: "10.0.0.300" is not an IPv4 or IPv6 address' },
    ]);
  });

  it('throws FlowLogFormatError at the first malformed line in strict mode', async () => {
    const file = join(dir, 'strict.log');
    writeFileSync(file, [line('10.0.0.1', 1, 2), line('10.0.0.1', 1, 2), '2 x'].join('\n'));
    const error = await readAll([file], { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowLogFormatError);
    expect((error as FlowLogFormatError).message).toBe(`${file}:3: expected 14 fields, found 2`);
    expect((error as FlowLogFormatError).location).toEqual({ file, line: 3 });
  });

  it('reports a truncated gzip file and a missing input clearly', async () => {
    const file = join(dir, 'truncated.log.gz');
    const whole = gzipSync(`${HEADER}\n${line('10.0.0.1', 1, 2)}\n`.repeat(50));
    writeFileSync(file, whole.subarray(0, whole.length - 20));
    const { stats } = await readAll([file]);
    expect(stats.malformed).toBe(0);
    expect(stats.readErrors).toEqual([{ file, error: expect.stringMatching(/unexpected end of file/) }]);
    await expect(readAll([join(dir, 'missing.log')])).rejects.toThrow(/cannot read flow input ".*missing.log": ENOENT/);
  });

  it('reads lines that span read chunks, and skips overlong lines without buffering them', async () => {
    const file = join(dir, 'big.log');
    const body: string[] = [HEADER];
    for (let i = 0; i < 30_000; i++)
      body.push(line(`10.0.${i % 200}.${1 + (i % 250)}`, 30000 + (i % 30000), 443, i % 10 === 0 ? 'REJECT' : 'ACCEPT'));
    body.push('x'.repeat(3 * 1024 * 1024));
    body.push(line('10.9.9.9', 40000, 22));
    writeFileSync(file, body.join('\n') + '\n');
    expect(readFileSync(file).length).toBeGreaterThan(4 * 1024 * 1024);
    const { records, stats } = await readAll([file]);
    expect(records).toHaveLength(30_001);
    expect(records.at(-1)!.source.line).toBe(30_003);
    expect(stats.malformed).toBe(1);
    expect(stats.malformedExamples[0]).toMatchObject({ line: 30_002, error: expect.stringMatching(/longer than/) });
  });
});

describe('aggregateFlowFiles', () => {
  it('aggregates REJECT records across files and counts everything it read', async () => {
    const { aggregates, stats } = await aggregateFlowFiles([
      join(FIXTURES, 'v8-directions-bpa.log'),
      join(FIXTURES, 'aws-doc-default.log'),
    ]);
    expect(stats).toMatchObject({ files: 2, records: 12, nodata: 2, skipdata: 1, rejectRecords: 6, acceptRecords: 3, malformed: 0 });
    expect(aggregates.map((a) => [a.interfaceId, a.flowDirection, a.protocol, a.srcport, a.dstport, a.records, a.rejectReason])).toEqual([
      ['eni-0web0000000000001', 'ingress', 6, 51000, 443, 2, 'BPA'],
      ['eni-0web0000000000001', 'egress', 6, 443, 41000, 2, null],
      ['eni-1235b8ca123456789', null, 1, null, null, 1, null],
      ['eni-1235b8ca123456789', null, 6, 49761, 3389, 1, null],
    ]);
    expect(aggregates[1]).toMatchObject({
      servicePortSide: 'src',
      ephemeralPortMin: 41000,
      ephemeralPortMax: 41007,
      tcpFlags: 19,
      vpcId: 'vpc-0a1',
    });
  });

  it('keeps ACCEPT aggregates when asked, and agrees with readFlowRecords on the counts', async () => {
    const inputs = [join(FIXTURES, 'aws-doc-tcp-flags.log')];
    const { aggregates, stats } = await aggregateFlowFiles(inputs, { actions: ['REJECT', 'ACCEPT'] });
    expect(aggregates.every((a) => a.action === 'ACCEPT')).toBe(true);
    expect(aggregates.reduce((s, a) => s + a.records, 0)).toBe(8);
    const read = await readAll(inputs);
    expect(stats).toEqual(read.stats);
  });

  it('gives the same aggregates through the fast path as through full parsing', async () => {
    const file = join(dir, 'mixed.log');
    const body: string[] = [HEADER];
    for (let i = 0; i < 5000; i++)
      body.push(
        line(`10.0.0.${i % 7}`, 1024 + ((i * 7919) % 60000), [22, 443, 8080][i % 3], i % 4 === 0 ? 'REJECT' : 'ACCEPT', `eni-${i % 3}`),
      );
    writeFileSync(file, body.join('\n'));
    const fast = await aggregateFlowFiles([file]);
    const all = await aggregateFlowFiles([file], { actions: ['REJECT', 'ACCEPT'] });
    expect(fast.aggregates).toEqual(all.aggregates.filter((a) => a.action === 'REJECT'));
    expect(fast.stats).toMatchObject({ records: 5000, rejectRecords: 1250, acceptRecords: 3750 });
  });
});
