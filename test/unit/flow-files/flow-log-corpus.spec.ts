import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FlowRecord } from '../../../src/engine/flow-log/flow-record';
import { aggregateFlowFiles } from '../../../src/flow-files/flow-file-reader';
import { readAllFlowRecords as readAll } from '../../support/factories/read-flow-records';

/*
 * Every form a real flow-log line takes, per the VPC user guide ("Flow log records", "Available
 * fields", "Flow log record examples"), each written here as a line of our own with the values the
 * guide says it carries: the default format and custom formats of versions 3 to 8 in orders of
 * their own, `-` where a field does not apply, NODATA and SKIPDATA, IPv6, `unknown` accounts,
 * spacing a file may carry, header lines, counters past 32 bits, capture-time edges, gzip members
 * and CloudWatch Logs exports. Each is read through the file reader, and REJECTs through the
 * diagnose fast path too, which must agree with it.
 */

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-corpus-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: string | Buffer, name = `f${++n}.log`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function read(content: string | Buffer, options: { format?: string } = {}) {
  const path = file(content);
  const { records, stats } = await readAll([path], options);
  return { records: records.map((r) => r.record), lines: records.map((r) => r.source.line), stats, path };
}

const DEFAULT_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

describe('version 2, the default format', () => {
  it('headerless: TCP, ICMP (ports 0 0), IPv6, NODATA and SKIPDATA', async () => {
    const { records, stats } = await read(
      [
        '2 210987654321 eni-0f1e2d3c4b5a69788 198.51.100.20 10.20.0.8 61234 22 6 14 2876 1600000100 1600000160 ACCEPT OK',
        '2 210987654321 eni-0f1e2d3c4b5a69788 10.20.0.8 198.51.100.20 0 0 1 3 252 1600000100 1600000160 REJECT OK',
        '2 210987654321 eni-0f1e2d3c4b5a69788 2001:db8:20::8 2001:db8:99:1::4 443 50500 6 9 1800 1600000100 1600000160 REJECT OK',
        '2 210987654321 eni-0f1e2d3c4b5a69788 - - - - - - - 1600000160 1600000220 - NODATA',
        '2 210987654321 eni-0aaaabbbbccccdddd - - - - - - - 1600000160 1600000220 - SKIPDATA',
      ].join('\n') + '\n',
    );
    expect(stats).toMatchObject({ records: 5, malformed: 0, nodata: 1, skipdata: 1, rejectRecords: 2, acceptRecords: 1 });
    expect(records[0]).toEqual({
      version: 2,
      'account-id': '210987654321',
      'interface-id': 'eni-0f1e2d3c4b5a69788',
      srcaddr: '198.51.100.20',
      dstaddr: '10.20.0.8',
      srcport: 61234,
      dstport: 22,
      protocol: 6,
      packets: 14,
      bytes: 2876,
      start: 1600000100,
      end: 1600000160,
      action: 'ACCEPT',
      'log-status': 'OK',
    });
    expect(records[1]).toMatchObject({ protocol: 1, srcport: 0, dstport: 0, action: 'REJECT' });
    expect(records[2]).toMatchObject({ srcaddr: '2001:db8:20::8', dstaddr: '2001:db8:99:1::4' });
    for (const status of [records[3], records[4]]) {
      expect(status).toMatchObject({
        srcaddr: null,
        dstaddr: null,
        srcport: null,
        protocol: null,
        packets: null,
        bytes: null,
        action: null,
      });
    }
    expect(records[4]['log-status']).toBe('SKIPDATA');
  });

  it('an interface an AWS service created reads `unknown` as its account', async () => {
    const { records, stats } = await read(
      `${DEFAULT_HEADER}\n2 unknown eni-0e1e2e3e4e5e6e7e8 203.0.113.40 10.20.1.9 40001 80 6 2 120 1600000100 1600000160 REJECT OK\n`,
    );
    expect(stats.malformed).toBe(0);
    expect(records[0]).toMatchObject({ 'account-id': 'unknown', action: 'REJECT' });
  });
});

describe('custom formats, in orders of their own', () => {
  it('version 3: tcp-flags, type (IPv4, IPv6, EFA) and the packet addresses behind a NAT', async () => {
    const header =
      'interface-id type srcaddr pkt-srcaddr dstaddr pkt-dstaddr srcport dstport protocol tcp-flags action log-status instance-id subnet-id vpc-id version';
    const { records, stats } = await read(
      [
        header,
        // SYN, SYN-ACK, SYN-ACK with FIN, FIN, RST, SYN with FIN (3).
        'eni-0b1 IPv4 10.20.2.10 10.20.2.10 10.20.3.5 10.20.3.5 50000 5432 6 2 ACCEPT OK i-0123456789abcdef0 subnet-0a1 vpc-0a1 3',
        'eni-0b1 IPv4 10.20.3.5 10.20.3.5 10.20.2.10 10.20.2.10 5432 50000 6 18 REJECT OK i-0123456789abcdef0 subnet-0a1 vpc-0a1 3',
        'eni-0b1 IPv4 10.20.3.5 10.20.3.5 10.20.2.10 10.20.2.10 5432 50000 6 19 REJECT OK i-0123456789abcdef0 subnet-0a1 vpc-0a1 3',
        'eni-0b1 IPv4 10.20.3.5 10.20.3.5 10.20.2.10 10.20.2.10 5432 50000 6 1 REJECT OK i-0123456789abcdef0 subnet-0a1 vpc-0a1 3',
        'eni-0b1 IPv4 10.20.3.5 10.20.3.5 10.20.2.10 10.20.2.10 5432 50000 6 4 REJECT OK i-0123456789abcdef0 subnet-0a1 vpc-0a1 3',
        'eni-0b1 IPv6 2001:db8:20::10 2001:db8:20::10 2001:db8:20::11 2001:db8:20::11 50001 443 6 3 REJECT OK - subnet-0a1 vpc-0a1 3',
        // A NAT gateway's interface: the packet's original source differs from the interface's address.
        'eni-0c2 IPv4 10.20.0.100 10.20.2.10 10.20.5.5 203.0.113.9 60000 443 6 2 ACCEPT OK - subnet-0a2 vpc-0a1 3',
        // EFA traffic (OS-bypass): no IP address to record.
        'eni-0d3 EFA - - - - - - - - ACCEPT OK i-0fedcba9876543210 subnet-0a1 vpc-0a1 3',
      ].join('\n') + '\n',
    );
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => r['tcp-flags'])).toEqual([2, 18, 19, 1, 4, 3, 2, null]);
    expect(records.map((r) => r.type)).toEqual(['IPv4', 'IPv4', 'IPv4', 'IPv4', 'IPv4', 'IPv6', 'IPv4', 'EFA']);
    expect(records[6]).toMatchObject({
      srcaddr: '10.20.0.100',
      'pkt-srcaddr': '10.20.2.10',
      dstaddr: '10.20.5.5',
      'pkt-dstaddr': '203.0.113.9',
      'instance-id': null,
      version: 3,
    });
    expect(records[7]).toMatchObject({ srcaddr: null, protocol: null, action: 'ACCEPT', 'instance-id': 'i-0fedcba9876543210' });
  });

  it('version 4: region, az-id and the sublocations (Wavelength, Outpost, Local Zone)', async () => {
    const header =
      'version region az-id sublocation-type sublocation-id interface-id srcaddr dstaddr srcport dstport protocol action log-status';
    const { records, stats } = await read(
      [
        header,
        '4 us-east-1 use1-az4 wavelength wlz-0123456789abcdef0 eni-0e1 10.30.0.5 10.30.1.5 40000 8080 6 REJECT OK',
        '4 us-west-2 usw2-az1 outpost op-0123456789abcdef0 eni-0e2 10.30.0.6 10.30.1.6 40001 8080 6 REJECT OK',
        '4 us-west-2 usw2-lax1-az1 localzone usw2-lax1-az1 eni-0e3 10.30.0.7 10.30.1.7 40002 8080 6 REJECT OK',
        '4 eu-west-1 euw1-az2 - - eni-0e4 10.30.0.8 10.30.1.8 40003 8080 6 REJECT OK',
      ].join('\n') + '\n',
    );
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => [r.region, r['az-id'], r['sublocation-type'], r['sublocation-id']])).toEqual([
      ['us-east-1', 'use1-az4', 'wavelength', 'wlz-0123456789abcdef0'],
      ['us-west-2', 'usw2-az1', 'outpost', 'op-0123456789abcdef0'],
      ['us-west-2', 'usw2-lax1-az1', 'localzone', 'usw2-lax1-az1'],
      ['eu-west-1', 'euw1-az2', null, null],
    ]);
  });

  it('version 5: the AWS services behind the packet addresses, flow-direction and traffic-path 1 to 8 or `-`', async () => {
    const header =
      'flow-direction traffic-path pkt-src-aws-service pkt-dst-aws-service version interface-id srcaddr dstaddr srcport dstport protocol action log-status';
    const paths = ['1', '2', '3', '4', '5', '6', '7', '8', '-'];
    const lines = paths.map((path, i) => `egress ${path} - S3 5 eni-0f1 10.40.0.5 52.216.0.${10 + i} ${45000 + i} 443 6 ACCEPT OK`);
    lines.push('ingress - DYNAMODB - 5 eni-0f1 3.218.180.5 10.40.0.5 443 45100 6 REJECT OK');
    lines.push('ingress - ROUTE53_RESOLVER AMAZON 5 eni-0f1 10.40.0.2 10.40.0.5 53 45101 17 REJECT OK');
    const { records, stats } = await read([header, ...lines].join('\n') + '\n');
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => r['traffic-path'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, null, null, null]);
    expect(records[0]).toMatchObject({ 'flow-direction': 'egress', 'pkt-src-aws-service': null, 'pkt-dst-aws-service': 'S3' });
    expect(records[9]).toMatchObject({ 'flow-direction': 'ingress', 'pkt-src-aws-service': 'DYNAMODB' });
    expect(records[10]).toMatchObject({ 'pkt-src-aws-service': 'ROUTE53_RESOLVER', 'pkt-dst-aws-service': 'AMAZON', protocol: 17 });
  });

  it('version 7: the ECS fields, ARNs and ids, `-` outside a task', async () => {
    const header =
      'version interface-id srcaddr dstaddr srcport dstport protocol action log-status ecs-cluster-name ecs-cluster-arn ecs-container-instance-id ecs-container-instance-arn ecs-service-name ecs-task-definition-arn ecs-task-id ecs-task-arn ecs-container-id ecs-second-container-id';
    const task =
      'payments arn:aws:ecs:eu-central-1:210987654321:cluster/payments 7d3a1c0e9b8f4e2a9c6d5b4a3f2e1d0c ' +
      'arn:aws:ecs:eu-central-1:210987654321:container-instance/payments/7d3a1c0e9b8f4e2a9c6d5b4a3f2e1d0c ledger ' +
      'arn:aws:ecs:eu-central-1:210987654321:task-definition/ledger:42 0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f ' +
      'arn:aws:ecs:eu-central-1:210987654321:task/payments/0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f ' +
      '4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e -';
    const { records, stats } = await read(
      [
        header,
        `7 eni-0a7 10.50.0.5 10.50.1.5 41000 9000 6 REJECT OK ${task}`,
        '7 eni-0a8 10.50.0.6 10.50.1.6 41001 9000 6 REJECT OK - - - - - - - - - -',
      ].join('\n') + '\n',
    );
    expect(stats.malformed).toBe(0);
    expect(records[0]).toMatchObject({
      'ecs-cluster-name': 'payments',
      'ecs-task-definition-arn': 'arn:aws:ecs:eu-central-1:210987654321:task-definition/ledger:42',
      'ecs-service-name': 'ledger',
      'ecs-second-container-id': null,
    });
    expect(records[1]['ecs-task-arn']).toBeNull();
  });

  it('version 8: reject-reason BPA, and `-` for every other reason', async () => {
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status reject-reason';
    const { records, stats } = await read(
      [
        header,
        '8 210987654321 eni-0b8 198.51.100.77 10.60.0.5 52000 443 6 1 60 1600000100 1600000160 REJECT OK BPA',
        '8 210987654321 eni-0b8 198.51.100.78 10.60.0.5 52001 22 6 1 60 1600000100 1600000160 REJECT OK -',
        '8 210987654321 eni-0b8 198.51.100.79 10.60.0.5 52002 443 6 4 240 1600000100 1600000160 ACCEPT OK -',
      ].join('\n') + '\n',
    );
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => r['reject-reason'])).toEqual(['BPA', null, null]);
  });

  it('every documented field of versions 2 to 8 in one line, and the same line with `-` in every field', async () => {
    const fields = [
      ['version', '8'],
      ['account-id', '210987654321'],
      ['interface-id', 'eni-0c9'],
      ['srcaddr', '10.70.0.5'],
      ['dstaddr', '10.70.1.5'],
      ['srcport', '43000'],
      ['dstport', '3306'],
      ['protocol', '6'],
      ['packets', '3'],
      ['bytes', '180'],
      ['start', '1600000100'],
      ['end', '1600000160'],
      ['action', 'REJECT'],
      ['log-status', 'OK'],
      ['vpc-id', 'vpc-0c9'],
      ['subnet-id', 'subnet-0c9'],
      ['instance-id', 'i-0c9'],
      ['tcp-flags', '2'],
      ['type', 'IPv4'],
      ['pkt-srcaddr', '10.70.0.5'],
      ['pkt-dstaddr', '10.70.1.5'],
      ['region', 'ap-southeast-2'],
      ['az-id', 'apse2-az3'],
      ['sublocation-type', '-'],
      ['sublocation-id', '-'],
      ['pkt-src-aws-service', '-'],
      ['pkt-dst-aws-service', '-'],
      ['flow-direction', 'egress'],
      ['traffic-path', '1'],
      ['ecs-cluster-arn', '-'],
      ['ecs-cluster-name', '-'],
      ['ecs-container-instance-arn', '-'],
      ['ecs-container-instance-id', '-'],
      ['ecs-container-id', '-'],
      ['ecs-second-container-id', '-'],
      ['ecs-service-name', '-'],
      ['ecs-task-definition-arn', '-'],
      ['ecs-task-arn', '-'],
      ['ecs-task-id', '-'],
      ['reject-reason', '-'],
    ];
    const header = fields.map(([name]) => name).join(' ');
    const full = fields.map(([, value]) => value).join(' ');
    const dashes = fields.map(() => '-').join(' ');
    const path = file([header, full, dashes].join('\n') + '\n');
    const { records, stats } = await readAll([path]);
    expect(stats).toMatchObject({ records: 2, malformed: 0 });
    expect(records[0].record).toMatchObject({ version: 8, 'tcp-flags': 2, 'flow-direction': 'egress', 'traffic-path': 1, end: 1600000160 });
    expect(Object.values(records[1].record).every((v) => v === null)).toBe(true);
    expect(Object.keys(records[1].record)).toEqual(fields.map(([name]) => name));
    // A record of `-` alone is no flow: it is counted by what it lacks first, never aggregated.
    const aggregated = await aggregateFlowFiles([path]);
    expect(aggregated.aggregates).toHaveLength(1);
    expect(aggregated.stats.incompleteByReason).toEqual({ 'no interface-id': 1 });
  });
});

describe('spacing and line endings a file may carry', () => {
  const single = '2 210987654321 eni-0d1 10.80.0.5 10.80.1.5 44000 6379 6 2 120 1600000100 1600000160 REJECT OK';
  const forms: [string, string][] = [
    ['doubled spaces', single.replace(/ /g, '  ')],
    ['a doubled space once, as the guide prints one', single.replace(' 6379 ', '  6379 ')],
    ['trailing spaces', `${single}   `],
    ['leading spaces', `  ${single}`],
    ['tabs', single.replace(/ /g, '\t')],
    ['CRLF', `${single}\r`],
    ['trailing spaces before CRLF', `${single}  \r`],
  ];

  it.each(forms)('%s: read as the single-spaced line, by the reader and the diagnose fast path alike', async (_name, line) => {
    const expected = await read(`${single}\n`);
    const got = await read(`${line}\n`);
    expect(got.stats.malformed).toBe(0);
    expect(got.records).toEqual(expected.records);
    expect((await aggregateFlowFiles([got.path])).aggregates).toEqual((await aggregateFlowFiles([expected.path])).aggregates);
  });

  it('a header line with CRLF, trailing spaces and a byte-order mark', async () => {
    const { records, stats } = await read(`\uFEFF${DEFAULT_HEADER}  \r\n${single}\r\n\r\n`);
    expect(stats).toMatchObject({ records: 1, malformed: 0, lines: 3 });
    expect(records[0]).toMatchObject({ dstport: 6379, 'log-status': 'OK' });
  });

  it('a field left empty (two spaces where a value should be) is malformed, named with its line', async () => {
    const { records, stats } = await read(`${single}\n${single.replace(' 6379 ', '  ')}\n`);
    expect(records).toHaveLength(1);
    expect(stats.malformedExamples).toEqual([{ file: expect.any(String), line: 2, error: 'expected 14 fields, found 13' }]);
  });
});

describe('counters and capture times', () => {
  const withCounts = (packets: string, bytes: string): string =>
    `2 210987654321 eni-0e1 10.90.0.5 10.90.1.5 45000 443 6 ${packets} ${bytes} 1600000100 1600000160 REJECT OK`;

  it('counters past 32 bits, up to 2^53 - 1, are read exactly, and summed exactly', async () => {
    const lines = [withCounts('2147483648', '4294967296'), withCounts('4294967297', '9007199254740991')];
    const { records, stats, path } = await read(lines.join('\n') + '\n');
    expect(stats.malformed).toBe(0);
    expect(records.map((r: FlowRecord) => [r.packets, r.bytes])).toEqual([
      [2147483648, 4294967296],
      [4294967297, 9007199254740991],
    ]);
    const [aggregate] = (await aggregateFlowFiles([file(`${lines[0]}\n${lines[0]}\n`)])).aggregates;
    expect([aggregate.packets, aggregate.bytes]).toEqual([4294967296, 8589934592]);
    expect((await aggregateFlowFiles([path])).stats.malformed).toBe(0);
  });

  it('counters past 2^53 - 1, up to 2^63 - 1 (a 64-bit count), are read as the nearest double, by every reader of files', async () => {
    const lines = [withCounts('9007199254740993', '9223372036854775807'), withCounts('9223372036854775807', '12345678901234567')];
    const { records, stats, path } = await read(lines.join('\n') + '\n');
    expect(stats.malformed).toBe(0);
    expect(records.map((r: FlowRecord) => [r.packets, r.bytes])).toEqual([
      [2 ** 53, 2 ** 63],
      [2 ** 63, 12345678901234568],
    ]);
    const [aggregate] = (await aggregateFlowFiles([path])).aggregates;
    expect([aggregate.packets, aggregate.bytes]).toEqual([2 ** 53 + 2 ** 63, 2 ** 63 + 12345678901234568]);
  });

  it.each([
    ['packets', withCounts('9223372036854775808', '60'), 'packets: "9223372036854775808"'],
    ['bytes', withCounts('1', '18446744073709551615'), 'bytes: "18446744073709551615"'],
  ])('a %s count past 2^63 - 1 is malformed, named as too large rather than as no number', async (_field, line, shown) => {
    const { records, stats, path } = await read(`${line}\n`);
    expect(records).toEqual([]);
    expect(stats.malformedExamples).toHaveLength(1);
    const error = stats.malformedExamples[0].error;
    expect(error).toContain(shown);
    expect(error).toMatch(/larger than 9223372036854775807/);
    expect(error).not.toMatch(/not a whole number/);
    expect((await aggregateFlowFiles([path])).stats.malformed).toBe(1);
  });

  it('capture times: the epoch, a one-second window, and the last second a date-time can name', async () => {
    const at = (start: string, end: string): string =>
      `2 210987654321 eni-0e2 10.90.0.6 10.90.1.6 45001 443 6 1 60 ${start} ${end} REJECT OK`;
    const { records, stats } = await read(
      [at('0', '0'), at('1600000100', '1600000100'), at('253402300799', '253402300799')].join('\n') + '\n',
    );
    expect(stats.malformed).toBe(0);
    expect(records.map((r) => [r.start, r.end])).toEqual([
      [0, 0],
      [1600000100, 1600000100],
      [253402300799, 253402300799],
    ]);
  });

  it('capture times in milliseconds are not Unix seconds: malformed, and the reason says which field', async () => {
    const { stats } = await read(`2 210987654321 eni-0e3 10.90.0.7 10.90.1.7 45002 443 6 1 60 1600000100000 1600000160000 REJECT OK\n`);
    expect(stats.malformedExamples[0].error).toMatch(/^start: "1600000100000" is not a time in Unix seconds/);
  });
});

describe('gzip and CloudWatch Logs exports', () => {
  const reject = (port: number): string =>
    `2 210987654321 eni-0f9 10.100.0.5 10.100.1.5 46000 ${port} 6 1 60 1600000100 1600000160 REJECT OK`;

  it('a gzip file of several members (gzip files joined end to end) is read to its last member', async () => {
    const joined = Buffer.concat([gzipSync(`${DEFAULT_HEADER}\n${reject(1)}\n`), gzipSync(`${reject(2)}\n`), gzipSync(`${reject(3)}\n`)]);
    const { records, stats } = await read(joined);
    expect(stats).toMatchObject({ records: 3, malformed: 0, readErrors: [] });
    expect(records.map((r) => r.dstport)).toEqual([1, 2, 3]);
  });

  it('an export of a custom-format log group: the timestamp is skipped, the record read in the given format', async () => {
    const format =
      '${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${tcp-flags} ${action} ${log-status}';
    const { records, stats } = await read(
      gzipSync(
        [
          '2020-09-13T12:28:20.000Z 3 eni-0f8 10.100.0.5 10.100.1.5 46000 443 6 2 REJECT OK',
          '2020-09-13T12:29:20.000Z 3 eni-0f8 - - - - - - - NODATA',
          '2020-09-13T12:29:21.123Z 3 eni-0f8 10.100.0.6 10.100.1.5 46001 443 6 2 REJECT OK',
        ].join('\n') + '\n',
      ),
      { format },
    );
    expect(stats).toMatchObject({ records: 3, malformed: 0, nodata: 1 });
    expect(records.map((r) => r.srcaddr)).toEqual(['10.100.0.5', null, '10.100.0.6']);
  });
});
