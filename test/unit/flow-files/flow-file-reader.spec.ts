import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowLogFormatError } from '../../../src/engine/flow-log/flow-log-format.error';
import type { FlowRecord } from '../../../src/engine/flow-log/flow-record';
import {
  type FlowByteSource,
  aggregateFlowFiles,
  createFlowReadStats,
  drainFlowSources,
  readFlowSources,
  streamBytes,
} from '../../../src/flow-files/flow-file-reader';
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

  it('takes a DescribeFlowLogs LogFormat (fields in ${}) as the header line, at the start of a file and between files', async () => {
    const file = join(dir, 'logformat-header.log');
    const custom =
      '${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
    const vpcLine = (src: string): string => `3 vpc-0a1b2c3d eni-a ${src} 10.0.0.5 41000 22 6 2 120 1700000000 1700000060 REJECT OK`;
    writeFileSync(
      file,
      [
        custom,
        vpcLine('10.0.0.7'),
        HEADER.split(' ')
          .map((f) => '${' + f + '}')
          .join(' '),
        line('10.0.0.8', 41000, 22),
      ].join('\n') + '\n',
    );
    const { records, stats } = await readAll([file]);
    expect(stats).toMatchObject({ records: 2, malformed: 0 });
    expect(records.map((r) => r.record['vpc-id'] ?? null)).toEqual(['vpc-0a1b2c3d', null]);
    expect(records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.7', '10.0.0.8']);
  });

  it('reads the events of aws logs filter-log-events --output text as their messages, skipping the searched log streams', async () => {
    const file = join(dir, 'filter-log-events.txt');
    const event = (message: string, i: number): string =>
      [
        'EVENTS',
        `3795227618236925413640612386914957066785024000000000000${i}`,
        1700000100000 + i,
        'eni-a-all',
        message,
        1700000000000 + i,
      ].join('\t');
    writeFileSync(
      file,
      [
        event(line('10.0.0.1', 41000, 22), 0),
        event(line('10.0.0.2', 41000, 22, 'ACCEPT'), 1),
        'SEARCHEDLOGSTREAMS\teni-a-all\tTrue',
        `EVENTS\t1700000100000\t${line('10.0.0.3', 41000, 22)}\t1700000000000`,
      ].join('\n') + '\n',
    );
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => [r.record.srcaddr, r.source.line])).toEqual([
      ['10.0.0.1', 1],
      ['10.0.0.2', 2],
    ]);
    expect(stats).toMatchObject({ lines: 4, records: 2, malformed: 1 });
    expect(stats.malformedExamples).toEqual([{ file, line: 4, error: expect.stringContaining('--output json') }]);
    // The aggregation reads the same records, on its fast path too.
    const { aggregates } = await aggregateFlowFiles([file], { actions: ['REJECT', 'ACCEPT'] });
    expect(aggregates.map((a) => [a.srcaddr, a.action]).sort()).toEqual([
      ['10.0.0.1', 'REJECT'],
      ['10.0.0.2', 'ACCEPT'],
    ]);
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

  it('tells what a stream holds (a tar archive, UTF-16, subscription envelopes) however its bytes, or its gunzipped bytes, are cut', async () => {
    const records = [line('10.0.0.9', 41000, 8080), line('10.0.0.8', 41000, 8080)];
    const tar = Buffer.alloc(512);
    tar.write('flows.log', 0);
    tar.write('ustar\u000000', 257, 'latin1');
    const envelope = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: 'vpc-flow-logs',
      logStream: 'eni-a-all',
      subscriptionFilters: ['to-firehose'],
      logEvents: records.map((message, i) => ({ id: String(i), timestamp: 1700000000000 + i, message })),
    });
    const inputs: [string, Buffer][] = [
      ['tar', Buffer.concat([tar, Buffer.from(`${HEADER}\n${records.join('\n')}\n`)])],
      ['utf-16', Buffer.from(`${HEADER}\n${records.join('\n')}\n`, 'utf16le')],
      // Saved with a blank line before it, as `aws logs … > file` after an echo, or an editor, may leave one.
      ['envelopes', Buffer.from(`\n\n${envelope}\n`)],
    ];
    const bySize = (bytes: Buffer, size: number) => {
      const parts: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
      return Readable.from(parts);
    };
    for (const [what, bytes] of inputs) {
      for (const compressed of [bytes, gzipSync(bytes)]) {
        for (const size of [1, 3, 64, 1 << 20]) {
          const { records: read, stats } = await readAll(['-'], { stdin: bySize(compressed, size) });
          const outcome = {
            what,
            size,
            srcaddrs: read.map((r) => r.record.srcaddr),
            malformed: stats.malformed,
            readErrors: stats.readErrors,
          };
          expect(outcome).toEqual({
            what,
            size,
            srcaddrs: what === 'tar' ? [] : ['10.0.0.9', '10.0.0.8'],
            malformed: 0,
            readErrors: what === 'tar' ? [{ file: '-', error: expect.stringMatching(/^a tar archive, not a flow log/) }] : [],
          });
        }
      }
    }
  });

  it('reads a source that reuses one buffer for its reads (as files are read) however few bytes each read gives (a FIFO, a pipe)', async () => {
    const text = `${HEADER}\n${line('10.0.0.9', 41000, 8080)}\n${line('10.0.0.8', 41000, 8080)}\n`;
    for (const size of [1, 7, 100, 600]) {
      const source: FlowByteSource = {
        name: 'fifo',
        open: async function* () {
          const buffer = Buffer.alloc(size);
          const bytes = Buffer.from(text);
          for (let at = 0; at < bytes.length; at += size) {
            const n = bytes.copy(buffer, 0, at, at + size);
            yield buffer.subarray(0, n);
          }
        },
      };
      const stats = createFlowReadStats();
      const records: FlowRecord[] = [];
      for await (const r of readFlowSources(
        (async function* () {
          yield source;
        })(),
        { stats },
      ))
        records.push(r.record);
      expect({ size, records, malformed: stats.malformedExamples, unknownFields: stats.unknownFields }).toEqual({
        size,
        records: [
          expect.objectContaining({ version: 2, srcaddr: '10.0.0.9', 'log-status': 'OK' }),
          expect.objectContaining({ version: 2, srcaddr: '10.0.0.8', 'log-status': 'OK' }),
        ],
        malformed: [],
        unknownFields: [],
      });
    }
  });

  it('reads JSON saved as UTF-16, or with a UTF-8 byte-order mark (Windows PowerShell 5 saving aws logs output), as the same JSON', async () => {
    const records = [line('10.0.0.9', 41000, 8080), line('10.0.0.8', 41000, 8080)];
    const output = JSON.stringify(
      {
        events: records.map((message, i) => ({ logStreamName: 'eni-a-all', timestamp: 1700000000000 + i, message, eventId: String(i) })),
        searchedLogStreams: [],
      },
      null,
      4,
    );
    const le = Buffer.from(`${output}\r\n`, 'utf16le');
    const be = Buffer.from(le).swap16();
    const forms: [string, Buffer][] = [
      ['le with a byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
      ['be with a byte-order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['le without one', le],
      ['gzip of le with a byte-order mark', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))],
      // Out-File -Encoding utf8 in PowerShell 5: UTF-8, with a byte-order mark.
      ['utf-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${output}\r\n`)])],
      [
        'subscription envelopes in utf-8 with a byte-order mark',
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(
            JSON.stringify({
              messageType: 'DATA_MESSAGE',
              owner: '111122223333',
              logGroup: 'vpc-flow-logs',
              logStream: 'eni-a-all',
              subscriptionFilters: ['to-firehose'],
              logEvents: records.map((message, i) => ({ id: String(i), timestamp: 1700000000000 + i, message })),
            }),
          ),
        ]),
      ],
    ];
    for (const [form, bytes] of forms) {
      const file = join(dir, `events-${form.replace(/ /g, '-')}.json`);
      writeFileSync(file, bytes);
      const { records: read, stats } = await readAll([file]);
      expect({ form, srcaddrs: read.map((r) => r.record.srcaddr), malformed: stats.malformedExamples }).toEqual({
        form,
        srcaddrs: ['10.0.0.9', '10.0.0.8'],
        malformed: [],
      });
    }
  });

  it('streams the bytes of a stream as they came, gunzipped by the magic bytes however they are split, and nothing of an empty one', async () => {
    const chunksOf = async (stream: NodeJS.ReadableStream) => {
      const chunks: Buffer[] = [];
      for await (const chunk of streamBytes(stream)) chunks.push(chunk);
      return chunks;
    };
    const collect = async (stream: NodeJS.ReadableStream) => Buffer.concat(await chunksOf(stream));
    const text = `${HEADER}\n${line('10.0.0.9', 41000, 8080)}\n`;
    const byByte = (bytes: Buffer) => Readable.from([...bytes].map((byte) => Buffer.from([byte])));
    expect((await collect(byByte(gzipSync(text)))).toString()).toBe(text);
    expect((await collect(byByte(Buffer.from(text)))).toString()).toBe(text);
    expect((await collect(Readable.from(['ab', '', 'c'], { objectMode: true }))).toString()).toBe('abc');
    expect(await chunksOf(Readable.from([]))).toEqual([]);
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
    await expect(readAll([join(dir, 'missing.log')])).rejects.toThrow(
      /cannot read flow input ".*missing.log": no such file or directory \(ENOENT\)/,
    );
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

describe('CloudWatch Logs exports to S3 (CreateExportTask)', () => {
  // Each exported line is the log event's time, a space, then the message: the flow-log record.
  const stamp = (record: string, second = 20): string => `2023-11-14T22:13:${String(second).padStart(2, '0')}.000Z ${record}`;
  const records = [line('10.0.0.1', 41000, 443), line('10.0.0.2', 41001, 22, 'ACCEPT'), line('10.0.0.3', 41002, 3389)];

  /** `<prefix>/<task id>/<log stream>/000000.gz`, with the write test the task leaves under the prefix. */
  function exportTree(name: string, lines: string[]): { root: string; object: string; writeTest: string } {
    const root = join(dir, name);
    const stream = join(root, '4a1b2c3d-0000-4000-8000-000000000001', 'eni-0a1b2c3d4e5f60718-all');
    mkdirSync(stream, { recursive: true });
    const object = join(stream, '000000.gz');
    writeFileSync(object, gzipSync(lines.join('\n') + '\n'));
    const writeTest = join(root, 'aws-logs-write-test');
    writeFileSync(writeTest, 'Permission Check Successful');
    return { root, object, writeTest };
  }

  it('reads the messages as records of the default format, each with its line, and skips the write test by name', async () => {
    const { root, object, writeTest } = exportTree(
      'export-default',
      records.map((r, i) => stamp(r, i)),
    );
    const exported = await readAll([root]);
    const plain = join(dir, 'export-default-plain.log');
    writeFileSync(plain, records.join('\n') + '\n');
    const expected = await readAll([plain]);
    expect(exported.records.map((r) => r.record)).toEqual(expected.records.map((r) => r.record));
    expect(exported.records.map((r) => r.source)).toEqual([1, 2, 3].map((n) => ({ file: object, line: n })));
    expect(exported.stats).toMatchObject({ files: 1, lines: 3, records: 3, malformed: 0, rejectRecords: 2, acceptRecords: 1 });
    expect(exported.stats.skipped).toEqual([
      { file: writeTest, reason: 'CloudWatch Logs export write test (the permission check an export task leaves), not log data' },
    ]);
  });

  it('reads the messages with the given LogFormat', async () => {
    const format = '${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action}';
    const { object } = exportTree('export-custom', [stamp('eni-0a1 10.0.0.1 10.0.0.5 22 6 REJECT')]);
    const { records: read, stats } = await readAll([object], { format });
    expect(stats.malformed).toBe(0);
    expect(read[0].record).toEqual({
      'interface-id': 'eni-0a1',
      srcaddr: '10.0.0.1',
      dstaddr: '10.0.0.5',
      dstport: 22,
      protocol: 6,
      action: 'REJECT',
    });
  });

  it('tells each file apart: an export and a plain file read in one run, in either order, from files or stdin', async () => {
    const { object } = exportTree('export-mixed-run', [stamp(records[0])]);
    const plain = join(dir, 'mixed-run-plain.log');
    writeFileSync(plain, `${records[1]}\n`);
    for (const inputs of [
      [object, plain],
      [plain, object],
    ]) {
      const { records: read, stats } = await readAll(inputs);
      expect(stats.malformed).toBe(0);
      expect(read.map((r) => r.record.srcaddr).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    }
    const piped = await readAll(['-'], { stdin: Readable.from([gzipSync(`${stamp(records[0])}\r\n${stamp(records[1])}`)]) });
    expect(piped.stats).toMatchObject({ records: 2, malformed: 0 });
  });

  it('counts a line of an export without the timestamp malformed, with its line number', async () => {
    const { object } = exportTree('export-unstamped-line', [stamp(records[0]), records[1], '', stamp(records[2])]);
    const { records: read, stats } = await readAll([object]);
    expect(read.map((r) => r.source.line)).toEqual([1, 4]);
    expect(stats.malformed).toBe(1);
    expect(stats.malformedExamples).toEqual([
      {
        file: object,
        line: 2,
        error:
          'no CloudWatch Logs export timestamp (such as 2023-11-14T22:13:20.000Z) at the start of the line, as on the first line of this file',
      },
    ]);
  });

  it('counts a timestamped line of a file whose first record has none malformed, as any line with a field too many', async () => {
    const file = join(dir, 'plain-then-stamped.log');
    writeFileSync(file, [records[0], stamp(records[1])].join('\n'));
    const { records: read, stats } = await readAll([file]);
    expect(read).toHaveLength(1);
    expect(stats.malformedExamples).toEqual([{ file, line: 2, error: 'expected 14 fields, found 15' }]);
  });

  it('does not take a timestamped first line whose message is not a record for an export', async () => {
    const file = join(dir, 'stamped-garbage.log');
    writeFileSync(file, [stamp('not a flow-log record'), stamp(records[0])].join('\n'));
    const { records: read, stats } = await readAll([file]);
    expect(read).toHaveLength(0);
    expect(stats.malformedExamples.map((m) => [m.line, m.error])).toEqual([
      [1, 'expected 14 fields, found 5'],
      [2, 'expected 14 fields, found 15'],
    ]);
  });

  it('throws at a line without the timestamp in strict mode', async () => {
    const { object } = exportTree('export-strict', [stamp(records[0]), records[1]]);
    const error = await readAll([object], { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowLogFormatError);
    expect((error as FlowLogFormatError).location).toEqual({ file: object, line: 2 });
  });

  it('aggregates an export as the plain file, through the fast path and through full parsing', async () => {
    const body: string[] = [];
    for (let i = 0; i < 2000; i++)
      body.push(line(`10.0.0.${i % 7}`, 1024 + ((i * 7919) % 60000), [22, 443][i % 2], i % 3 === 0 ? 'ACCEPT' : 'REJECT', `eni-${i % 3}`));
    const { object } = exportTree(
      'export-aggregate',
      body.map((r, i) => stamp(r, i % 60)),
    );
    const plain = join(dir, 'export-aggregate-plain.log');
    writeFileSync(plain, body.join('\n'));
    for (const actions of [undefined, ['REJECT', 'ACCEPT'] as const]) {
      const exported = await aggregateFlowFiles([object], { actions: actions && [...actions] });
      const expected = await aggregateFlowFiles([plain], { actions: actions && [...actions] });
      expect(exported.aggregates).toEqual(expected.aggregates);
      expect({ ...exported.stats, malformedExamples: [] }).toEqual({ ...expected.stats, malformedExamples: [] });
    }
  });
});

describe('a source not read to its end is closed', () => {
  /** A source of several chunks that says whether its bytes were closed (a file handle, an S3 body). */
  function trackedSource(name: string, chunks: readonly Buffer[]) {
    const state = { closed: false };
    const source: FlowByteSource = {
      name,
      async *open(): AsyncGenerator<Buffer> {
        try {
          yield* chunks;
        } finally {
          state.closed = true;
        }
      },
    };
    return { source, state };
  }
  const records = Array.from({ length: 20 }, (_, i) => line('203.0.113.5', 40000 + i, 22));
  /** Plain text, one line a chunk, with a malformed line at `at`. */
  const plain = (name: string, at: number) =>
    trackedSource(
      name,
      [...records.slice(0, at), 'not a record', ...records.slice(at)].map((l) => Buffer.from(`${l}\n`)),
    );
  /** The same gzipped, in two chunks. */
  const gzipped = (name: string) => {
    const bytes = gzipSync(Buffer.from([HEADER, 'not a record', ...records].map((l) => `${l}\n`).join('')));
    return trackedSource(name, [bytes.subarray(0, 10), bytes.subarray(10)]);
  };
  const one = (source: FlowByteSource) =>
    (async function* () {
      yield source;
    })();

  it('when a malformed line stops a strict read', async () => {
    for (const { source, state } of [plain('first.log', 0), plain('later.log', 5), gzipped('zipped.log.gz')]) {
      const error = await (async () => {
        for await (const _ of readFlowSources(one(source), { strict: true })) void _;
      })().catch((e: unknown) => e);
      expect(error, source.name).toBeInstanceOf(FlowLogFormatError);
      expect(state.closed, source.name).toBe(true);
    }
  });

  it('when the reader of the records stops early', async () => {
    const { source, state } = plain('early.log', 19);
    const read = readFlowSources(one(source));
    expect((await read.next()).done).toBe(false);
    await read.return(undefined);
    expect(state.closed).toBe(true);
  });

  it('when an aggregation is cancelled', async () => {
    const { source, state } = plain('cancelled.log', 19);
    const controller = new AbortController();
    controller.abort();
    await expect(drainFlowSources(one(source), { signal: controller.signal }, () => undefined)).rejects.toThrow();
    expect(state.closed).toBe(true);
  });
});

describe('files without a header line: the format of their first record', () => {
  const v5 = '${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status} ${flow-direction}';
  const record = (srcport: number) => `eni-a 203.0.113.5 10.0.0.5 ${srcport} 22 6 REJECT OK ingress`;

  it('is chosen by the first line a format reads: a line cut short before it is malformed, not the format of the file', async () => {
    const file = join(dir, 'cut-first-line.log');
    // What `tail -c`, `split -b` or a download resumed mid-object leaves at the top of a file.
    writeFileSync(file, ['6 REJECT OK ingress', record(40000), record(40001)].map((l) => `${l}\n`).join(''));
    const { records, stats } = await readAll([file], { candidateFormats: [v5] });
    expect(records.map((r) => [r.record.srcport, r.record['flow-direction'], r.source.line])).toEqual([
      [40000, 'ingress', 2],
      [40001, 'ingress', 3],
    ]);
    expect(stats).toMatchObject({ records: 2, malformed: 1 });
    expect(stats.malformedExamples).toEqual([{ file, line: 1, error: expect.stringContaining('expected 14 fields') }]);
  });

  it('stays the default format when the first line the default reads comes before any a candidate reads', async () => {
    const file = join(dir, 'default-after-cut.log');
    writeFileSync(file, ['garbage', line('203.0.113.5', 40000, 22), record(40001)].map((l) => `${l}\n`).join(''));
    const { records, stats } = await readAll([file], { candidateFormats: [v5] });
    expect(records.map((r) => r.source.line)).toEqual([2]);
    expect(stats).toMatchObject({ records: 1, malformed: 2 });
  });
});
