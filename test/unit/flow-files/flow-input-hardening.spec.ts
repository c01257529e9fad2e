import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowLogFormatError } from '../../../src/engine/flow-log/flow-log-format.error';
import { aggregateFlowFiles } from '../../../src/flow-files/flow-file-reader';
import { readAllFlowRecords as readAll } from '../../support/factories/read-flow-records';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const line = (src: string, dstport = 443, action = 'REJECT', eni = 'eni-a'): string =>
  `2 111122223333 ${eni} ${src} 10.0.0.5 40000 ${dstport} 6 2 120 1700000000 1700000060 ${action} OK`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-input-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fields sgdoctor does not know', () => {
  it('are accepted in a header, named once in a warning, and kept under their names', async () => {
    const a = join(dir, 'unknown-a.log');
    const b = join(dir, 'unknown-b.log');
    writeFileSync(a, `${HEADER} future-field\n${line('10.0.0.1')} abc\n${line('10.0.0.2')} -\n`);
    writeFileSync(b, `${HEADER} future-field\n${line('10.0.0.3')} def\n`);
    const { records, stats } = await readAll([a, b]);
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => r.record['future-field'])).toEqual(['abc', null, 'def']);
    expect(records[0].record).toMatchObject({ srcaddr: '10.0.0.1', action: 'REJECT' });
    expect(stats.unknownFields).toEqual([{ field: 'future-field', file: a }]);
  });

  it('may outnumber the fields the catalog knows: the line is still the header, and the records are read by it', async () => {
    const file = join(dir, 'mostly-new.log');
    const fresh = ['new-a', 'new-b', 'new-c', 'new-d', 'new-e', 'new-f', 'new-g', 'new-h'];
    writeFileSync(
      file,
      `interface-id srcaddr dstaddr srcport dstport protocol action ${fresh.join(' ')}\n` +
        `eni-a 10.0.0.1 10.0.0.5 40000 443 6 REJECT v1 v2 v3 v4 v5 v6 v7 v8\n`,
    );
    const { records, stats } = await readAll([file]);
    expect(stats).toMatchObject({ records: 1, malformed: 0 });
    expect(stats.unknownFields.map((u) => u.field)).toEqual(fresh);
    expect(records[0].record).toMatchObject({ 'interface-id': 'eni-a', dstport: 443, action: 'REJECT', 'new-h': 'v8' });
    const aggregated = await aggregateFlowFiles([file]);
    expect(aggregated.aggregates.map((a) => [a.srcaddr, a.dstport])).toEqual([['10.0.0.1', 443]]);
    expect(aggregated.stats).toMatchObject({ records: 1, malformed: 0 });
  });

  it('are accepted in --log-format too, and the fast aggregation path agrees', async () => {
    const file = join(dir, 'unknown-headerless.log');
    writeFileSync(file, `${line('10.0.0.1')} zzz\n${line('10.0.0.1', 443, 'ACCEPT')} zzz\n`);
    const format = `${HEADER.split(' ')
      .map((f) => '${' + f + '}')
      .join(' ')} \${future-field}`;
    const { records, stats } = await readAll([file], { format });
    expect(records).toHaveLength(2);
    expect(stats.unknownFields).toEqual([{ field: 'future-field', file: '--log-format' }]);
    const aggregated = await aggregateFlowFiles([file], { format, actions: ['ACCEPT', 'REJECT'] });
    expect(aggregated.aggregates).toHaveLength(2);
    expect(aggregated.stats.malformed).toBe(0);
  });

  it('a field named twice in a header is an input error naming the file', async () => {
    const file = join(dir, 'duplicate.log');
    writeFileSync(file, `${HEADER} srcaddr\n`);
    const error = await readAll([file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowLogFormatError);
    expect((error as FlowLogFormatError).location).toBeUndefined();
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/"srcaddr" appears more than once/);
  });
});

describe('inputs that cannot be read to their end', () => {
  it('a truncated gzip file: the records before the cut are used, the file and reason recorded, no malformed line', async () => {
    const file = join(dir, 'truncated.log.gz');
    const whole = gzipSync(`${HEADER}\n` + Array.from({ length: 400 }, (_, i) => line(`10.0.${i % 200}.1`)).join('\n') + '\n');
    writeFileSync(file, whole.subarray(0, whole.length - 20));
    const { records, stats } = await readAll([file]);
    expect(records.length).toBeGreaterThan(300);
    expect(stats.malformed).toBe(0);
    expect(stats.readErrors).toEqual([{ file, error: expect.stringMatching(/unexpected end of file/i) }]);
  });

  it('an I/O error while reading is recorded with the file, and the other inputs are still read', async () => {
    const good = join(dir, 'good.log');
    writeFileSync(good, `${line('10.0.0.1')}\n`);
    const { records, stats } = await readAll(['/proc/self/mem', good]);
    expect(records).toHaveLength(1);
    expect(stats.readErrors).toEqual([{ file: '/proc/self/mem', error: expect.stringMatching(/EIO|input\/output/i) }]);
  });

  it('aggregateFlowFiles records the same read errors', async () => {
    const file = join(dir, 'truncated2.log.gz');
    const whole = gzipSync(`${HEADER}\n` + Array.from({ length: 50 }, () => line('10.0.0.1')).join('\n') + '\n');
    writeFileSync(file, whole.subarray(0, whole.length - 10));
    const { stats } = await aggregateFlowFiles([file]);
    expect(stats.readErrors).toHaveLength(1);
    expect(stats.readErrors[0].file).toBe(file);
  });
});

describe('Transit Gateway flow logs', () => {
  it('are recognised by their header and refused with the reason', async () => {
    const file = join(dir, 'tgw.log');
    writeFileSync(
      file,
      'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service\n',
    );
    const error = await readAll([file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowLogFormatError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/Transit Gateway flow log/);
    expect((error as Error).message).toMatch(/no security group or network ACL/);
  });

  it('found in a directory (AWS delivers them under the same vpcflowlogs prefix), are skipped and named, the VPC flow logs beside them read', async () => {
    const day = join(dir, 'bucket', 'AWSLogs', '111122223333', 'vpcflowlogs', 'eu-west-1', '2023', '11', '14');
    mkdirSync(day, { recursive: true });
    const tgw = join(day, '111122223333_vpcflowlogs_eu-west-1_fl-0tgw_20231114T2210Z_a1.log.gz');
    const vpc = join(day, '111122223333_vpcflowlogs_eu-west-1_fl-0vpc_20231114T2210Z_b2.log.gz');
    writeFileSync(
      tgw,
      gzipSync(
        'version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n' +
          '6 TransitGateway 111122223333 tgw-0a1 tgw-attach-0a1 10.0.0.1 10.1.0.1 40000 443 6 1 60 1700000000 1700000060 OK\n',
      ),
    );
    writeFileSync(vpc, gzipSync(`${HEADER}\n${line('10.0.0.7')}\n`));
    const { records, stats } = await readAll([join(dir, 'bucket')]);
    expect(records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.7']);
    expect(stats.skipped).toEqual([
      { file: tgw, reason: expect.stringMatching(/^a Transit Gateway flow log.*no security group or network ACL/) },
    ]);
    expect(stats).toMatchObject({ files: 1, records: 1, malformed: 0, readErrors: [] });
    const aggregated = await aggregateFlowFiles([join(dir, 'bucket')]);
    expect(aggregated.aggregates.map((a) => a.srcaddr)).toEqual(['10.0.0.7']);
    expect(aggregated.stats.skipped).toEqual(stats.skipped);
  });
});

describe('records without interface or action (NAT gateway format)', () => {
  it('are counted by reason', async () => {
    const file = join(dir, 'nat.log');
    writeFileSync(
      file,
      [
        line('10.0.0.1'),
        '2 111122223333 - 10.0.0.1 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 REJECT OK',
        '2 111122223333 - 10.0.0.1 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 REJECT OK',
        '2 111122223333 eni-a 10.0.0.1 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 - OK',
      ].join('\n'),
    );
    const { stats } = await aggregateFlowFiles([file]);
    expect(stats.incomplete).toBe(3);
    expect(stats.incompleteByReason).toEqual({ 'no interface-id': 2, 'no action': 1 });
  });

  it('are named with file and line, whichever reader read them (the byte scanner, the line parser)', async () => {
    const file = join(dir, 'nat-located.log');
    writeFileSync(
      file,
      [
        HEADER,
        line('10.0.0.1'),
        // Plain lines: the byte scanner reads them.
        '2 111122223333 - 10.0.0.1 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 REJECT OK',
        '2 111122223333 eni-a - 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 REJECT OK',
        // A doubled space: the line parser reads it.
        '2 111122223333 -  10.0.0.1 10.0.0.5 40000 443 6 2 120 1700000000 1700000060 REJECT OK',
        '2 111122223333 eni-a 10.0.0.1 10.0.0.5 40000 443 - 2 120 1700000000 1700000060 REJECT OK',
      ].join('\n'),
    );
    const expected = [
      { file, line: 3, reason: 'no interface-id' },
      { file, line: 4, reason: 'no address' },
      { file, line: 5, reason: 'no interface-id' },
      { file, line: 6, reason: 'no protocol' },
    ];
    const aggregated = await aggregateFlowFiles([file], { actions: ['ACCEPT', 'REJECT'] });
    expect(aggregated.stats).toMatchObject({ incomplete: 4, incompleteExamples: expected });
    const rejectOnly = await aggregateFlowFiles([file]);
    expect(rejectOnly.stats.incompleteExamples).toEqual(expected);
    // As many as malformed lines keep (maxExamples), all counted.
    const few = await aggregateFlowFiles([file], { maxExamples: 2 });
    expect(few.stats).toMatchObject({ incomplete: 4, incompleteExamples: expected.slice(0, 2) });
  });
});

describe('byte-order marks', () => {
  it('a headerless file that starts with a UTF-8 BOM keeps its first record', async () => {
    const file = join(dir, 'bom.log');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${line('10.0.0.1')}\n${line('10.0.0.2')}\n`)]));
    const { records, stats } = await readAll([file]);
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.1', '10.0.0.2']);
    const aggregated = await aggregateFlowFiles([file]);
    expect(aggregated.stats.malformed).toBe(0);
    expect(aggregated.aggregates).toHaveLength(2);
  });

  it('a header after a BOM is still the header', async () => {
    const file = join(dir, 'bom-header.log');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\n${line('10.0.0.1')}\n`)]));
    const { records, stats } = await readAll([file]);
    expect(stats.malformed).toBe(0);
    expect(records).toHaveLength(1);
  });

  it('files joined end to end on stdin, each starting with a BOM: the header of each switches the format, the first record of each is read', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const custom = 'version interface-id srcaddr dstaddr srcport dstport protocol action log-status flow-direction';
    const joined = Buffer.concat([
      bom,
      Buffer.from(`${custom}\n5 eni-a 10.0.0.1 10.0.0.5 40000 443 6 REJECT OK ingress\n`),
      bom,
      Buffer.from(`${HEADER}\r\n${line('10.0.0.2')}\r\n`),
      bom,
      Buffer.from(`${line('10.0.0.3')}\n`),
    ]);
    const { records, stats } = await readAll(['-'], { stdin: Readable.from([joined]) });
    expect(stats.malformedExamples).toEqual([]);
    expect(records.map((r) => [r.record.srcaddr, r.record.version, r.source.line])).toEqual([
      ['10.0.0.1', 5, 2],
      ['10.0.0.2', 2, 4],
      ['10.0.0.3', 2, 5],
    ]);
    const aggregated = await aggregateFlowFiles(['-'], { stdin: Readable.from([joined]) });
    expect(aggregated.stats.malformed).toBe(0);
    expect(aggregated.aggregates).toHaveLength(3);
  });
});

describe('directories', () => {
  it('follow symbolic links to regular files and report what they skip, and why', async () => {
    const root = join(dir, 'tree');
    const outside = join(dir, 'outside');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'real.log'), `${line('10.0.0.7')}\n`);
    writeFileSync(join(root, 'sub', 'plain.log'), `${line('10.0.0.8')}\n`);
    symlinkSync(join(outside, 'real.log'), join(root, 'linked.log'));
    symlinkSync(outside, join(root, 'linked-dir'));
    symlinkSync(join(dir, 'nowhere.log'), join(root, 'dangling.log'));
    const { records, stats } = await readAll([root]);
    expect(records.map((r) => r.record.srcaddr).sort()).toEqual(['10.0.0.7', '10.0.0.8']);
    expect(stats.skipped).toEqual([
      { file: join(root, 'dangling.log'), reason: expect.stringMatching(/broken symbolic link/) },
      { file: join(root, 'linked-dir'), reason: expect.stringMatching(/symbolic link to a directory/) },
    ]);
  });
});

describe('capture times no date can hold', () => {
  it('make the line malformed, named with file and line, in both readers; the other records are used', async () => {
    const file = join(dir, 'huge-time.log');
    const huge = line('10.0.0.2').replace('1700000000 1700000060', '8640000000001 8640000000001');
    writeFileSync(file, `${HEADER}\n${line('10.0.0.1')}\n${huge}\n`);
    const expected = { file, line: 3, error: expect.stringMatching(/^start: "8640000000001" is not a time in Unix seconds/) };
    const read = await readAll([file]);
    expect(read.records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.1']);
    expect(read.stats.malformedExamples).toEqual([expected]);
    const aggregated = await aggregateFlowFiles([file], { actions: ['ACCEPT', 'REJECT'] });
    expect(aggregated.aggregates.map((a) => [a.srcaddr, a.firstSeen, a.lastSeen])).toEqual([['10.0.0.1', 1700000000, 1700000060]]);
    expect(aggregated.stats).toMatchObject({ malformed: 1, malformedExamples: [expected] });
  });
});

describe('a capture window that ends before it starts', () => {
  it('makes the line malformed, named with file and line, in both readers; the other records are used', async () => {
    const file = join(dir, 'inverted-window.log');
    const inverted = line('10.0.0.2').replace('1700000000 1700000060', '1700000090 1700000060');
    writeFileSync(file, `${HEADER}\n${line('10.0.0.1')}\n${inverted}\n${line('10.0.0.3')}\n`);
    const expected = { file, line: 3, error: 'start: 1700000090 is after end 1700000060: a capture window cannot end before it starts' };
    const read = await readAll([file]);
    expect(read.records.map((r) => r.record.srcaddr)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(read.stats).toMatchObject({ records: 2, malformed: 1, malformedExamples: [expected] });
    const aggregated = await aggregateFlowFiles([file], { actions: ['ACCEPT', 'REJECT'] });
    expect(aggregated.aggregates.map((a) => [a.srcaddr, a.firstSeen, a.lastSeen]).sort()).toEqual([
      ['10.0.0.1', 1700000000, 1700000060],
      ['10.0.0.3', 1700000000, 1700000060],
    ]);
    expect(aggregated.stats).toMatchObject({ records: 2, malformed: 1, malformedExamples: [expected] });
  });
});
