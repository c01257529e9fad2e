import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARQUET_TEXT_HEADER, parquetFlowLog } from '../support/factories/parquet-flow-log';

/** These tests run the BUILT binary, as users do. */
const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const contract = '/work/shared/contract';
const snapshot = join(contract, 'snapshot.json');
const flows = join(contract, 'flows.log');

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'sgdoctor-input-'));
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const REJECT = '2 444455556666 eni-0web0000000000001 10.1.0.9 10.1.0.5 41000 8080 6 3 180 1700000000 1700000060 REJECT OK';

beforeAll(() => {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node'), build.stdout).toBe(true);
}, 600_000);

describe('every input is read once', () => {
  it('/dev/stdin gives the verdicts of the file', () => {
    const fromFile = run(['explain', '--config', snapshot, '--flows', flows]);
    const fromDevStdin = run(['explain', '--config', snapshot, '--flows', '/dev/stdin'], readFileSync(flows, 'utf8'));
    expect(fromDevStdin.stderr).toBe('');
    expect(fromDevStdin.code).toBe(0);
    expect(fromDevStdin.stdout).toBe(fromFile.stdout);
    expect(fromFile.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('leaves no spool behind when the reader of its output goes away (explain … | head)', () => {
    const spoolRoot = mkdtempSync(join(tmp, 'spool-'));
    const many = join(tmp, 'many.log');
    writeFileSync(many, `${REJECT}\n`.repeat(50_000));
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" explain --config "${snapshot}" --flows "${many}" | head -1`], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: spoolRoot },
      timeout: 60_000,
    });
    expect(piped.stdout.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(spoolRoot)).toEqual([]);
  });

  it('a FIFO is read to its end and explained, not waited on twice', async () => {
    const fifo = join(tmp, 'flows.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', `cat "${flows}" > "${fifo}"`]);
    const done = new Promise((resolve) => writer.on('exit', resolve));
    const result = run(['explain', '--config', snapshot, '--flows', fifo]);
    await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', flows]).stdout);
  });
});

describe('blockedBy', () => {
  it('lists every control that denies, in path order: the subnet NACL, then the security group', () => {
    const snap = JSON.parse(readFileSync(snapshot, 'utf8'));
    snap.Subnets.push({ SubnetId: 'subnet-0example00000002', VpcId: 'vpc-0example000000001', CidrBlock: '10.1.1.0/24' });
    snap.NetworkAcls[0].Entries.unshift({
      RuleNumber: 50,
      Protocol: '6',
      RuleAction: 'deny',
      Egress: false,
      CidrBlock: '10.1.1.0/24',
      PortRange: { From: 8080, To: 8080 },
    });
    const file = join(tmp, 'both-deny.json');
    writeFileSync(file, JSON.stringify(snap));
    const result = run(['explain', '--config', file, '--flows', '-'], `${REJECT.replace('10.1.0.9', '10.1.1.9')}\n`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).blockedBy).toEqual([
      { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-0example00000001', ruleNumber: 50 },
      { control: 'security-group', direction: 'ingress', groupIds: ['sg-0web000000000000a'] },
    ]);
  });
});

describe('SKIPDATA records', () => {
  it('explain says on stderr that AWS skipped records in some capture windows', () => {
    // AWS's own example: records of eni-11111111aaaaaaaaa were lost in that aggregation interval.
    const skipped = '2 444455556666 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA';
    const result = run(['explain', '--config', snapshot, '--flows', '-'], `${REJECT}\n${skipped}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/1 SKIPDATA record\b.*flows of those capture windows are missing/);
  });
});

describe("explain's record", () => {
  it('holds the fields of the user guide’s examples as other parsers read them: `-` null, numbers for counters, ports, times, flags and paths', () => {
    // "Service name, traffic path, and flow direction" (Flow log record examples): a version 5 custom format.
    const header =
      'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status';
    const ingress =
      '5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK';
    const egress =
      '5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK';
    const file = join(tmp, 'guide-v5.log');
    writeFileSync(file, `${header}\n${ingress}\n${egress}\n`);
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.code).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).record);
    // Vector's parse_aws_vpc_flow_log documents this parse of the first line (its names with `_`).
    expect(records[0]).toEqual({
      version: 5,
      srcaddr: '52.95.128.179',
      dstaddr: '10.0.0.71',
      srcport: 80,
      dstport: 34210,
      protocol: 6,
      start: 1616729292,
      end: 1616729349,
      type: 'IPv4',
      packets: 14,
      bytes: 15044,
      'account-id': '123456789012',
      'vpc-id': 'vpc-abcdefab012345678',
      'subnet-id': 'subnet-aaaaaaaa012345678',
      'instance-id': 'i-0c50d5961bcb2d47b',
      'interface-id': 'eni-1235b8ca123456789',
      region: 'ap-southeast-2',
      'az-id': 'apse2-az3',
      'sublocation-type': null,
      'sublocation-id': null,
      action: 'ACCEPT',
      'tcp-flags': 19,
      'pkt-srcaddr': '52.95.128.179',
      'pkt-dstaddr': '10.0.0.71',
      'pkt-src-aws-service': 'S3',
      'pkt-dst-aws-service': null,
      'traffic-path': null,
      'flow-direction': 'ingress',
      'log-status': 'OK',
    });
    expect(records[1]).toMatchObject({ 'tcp-flags': 3, 'pkt-src-aws-service': null, 'pkt-dst-aws-service': 'S3', 'traffic-path': 8 });
    expect(records).toHaveLength(2);
  });
});

describe('Parquet flow logs', () => {
  it('are explained as the same records in text are', () => {
    const lines = [
      '5 444455556666 eni-0web0000000000001 10.1.0.9 10.1.0.5 41000 8080 6 3 180 1700000000 1700000060 REJECT OK vpc-0example000000001 subnet-0example00000001 i-0web0000000000001 2 IPv4 10.1.0.9 10.1.0.5 eu-west-1 euw1-az1 - - - - ingress -',
      '5 444455556666 eni-0web0000000000001 203.0.113.5 10.1.0.5 50123 443 6 12 4000 1700000000 1700000060 ACCEPT OK vpc-0example000000001 subnet-0example00000001 i-0web0000000000001 2 IPv4 203.0.113.5 10.1.0.5 eu-west-1 euw1-az1 - - - - ingress -',
    ];
    const parquet = join(tmp, 'flows.log.parquet');
    const text = join(tmp, 'flows-as-text.log');
    writeFileSync(parquet, parquetFlowLog(lines));
    writeFileSync(text, `${PARQUET_TEXT_HEADER}\n${lines.join('\n')}\n`);
    const fromParquet = run(['explain', '--config', snapshot, '--flows', parquet]);
    expect(fromParquet.stderr).toBe('');
    expect(fromParquet.code).toBe(0);
    expect(fromParquet.stdout).toBe(run(['explain', '--config', snapshot, '--flows', text]).stdout);
    expect(JSON.parse(fromParquet.stdout.split('\n')[0])).toMatchObject({
      verdict: 'blocked',
      record: { 'tcp-flags': 2, 'flow-direction': 'ingress' },
    });
  });
});

describe('inputs that cannot be read to their end', () => {
  it('a truncated gzip file: the records read are explained, the file and reason named, exit 3', () => {
    const file = join(tmp, 'cut.log.gz');
    const whole = gzipSync(`${HEADER}\n${`${REJECT}\n`.repeat(300)}`);
    writeFileSync(file, whole.subarray(0, whole.length - 20));
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.code).toBe(3);
    expect(result.stdout.trim().split('\n').length).toBeGreaterThan(200);
    expect(result.stderr).toContain(`cannot read ${file} to its end: unexpected end of file`);
    expect(run(['diagnose', '--config', snapshot, '--flows', file]).code).toBe(3);
  });
});

describe('files without a header line and the FlowLogs of the snapshot', () => {
  it('are read in the LogFormat of the flow log that wrote them (DescribeFlowLogs in --config), chosen by the first record, when --log-format is not given', () => {
    const flowLogs = join(tmp, 'describe-flow-logs.json');
    const flowLog = (id: string, logFormat: string) => ({
      FlowLogId: id,
      FlowLogStatus: 'ACTIVE',
      ResourceId: 'vpc-0example000000001',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: 'vpc-flow-logs',
      LogFormat: logFormat,
      MaxAggregationInterval: 600,
    });
    const v5 = '${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status} ${flow-direction}';
    const reordered = '${action} ${log-status} ${interface-id} ${protocol} ${srcaddr} ${srcport} ${dstaddr} ${dstport}';
    writeFileSync(
      flowLogs,
      JSON.stringify({ FlowLogs: [flowLog('fl-0aaaaaaaaaaaaaaa1', v5), flowLog('fl-0aaaaaaaaaaaaaaa2', reordered)] }),
    );
    const dir = join(tmp, 'headerless');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-v5.log'), 'eni-0web0000000000001 10.1.0.9 10.1.0.5 41000 8080 6 REJECT OK ingress\n');
    writeFileSync(join(dir, 'b-reordered.log'), 'REJECT OK eni-0web0000000000001 6 10.1.0.9 41000 10.1.0.5 8080\n');
    writeFileSync(join(dir, 'c-default.log'), `${REJECT}\n`);
    const result = run(['explain', '--config', snapshot, flowLogs, '--flows', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { verdict: string; record: Record<string, unknown> });
    expect(lines.map((l) => [l.verdict, l.record.dstport, l.record.srcaddr])).toEqual([
      ['blocked', 8080, '10.1.0.9'],
      ['blocked', 8080, '10.1.0.9'],
      ['blocked', 8080, '10.1.0.9'],
    ]);
    expect(lines[0].record['flow-direction']).toBe('ingress');
    // --log-format still decides when it is given.
    const given = run(['explain', '--config', snapshot, flowLogs, '--flows', join(dir, 'a-v5.log'), '--log-format', reordered]);
    expect(given.stdout).toBe('');
    expect(given.stderr).toContain('malformed');
  });
});

describe('flow logs saved by Windows tools', () => {
  it('UTF-16 text (Windows PowerShell 5 redirection and Out-File), with or without a byte-order mark, plain or gzip, is read as the same records', () => {
    const text = `${HEADER}\r\n${`${REJECT}\r\n`.repeat(1000)}`;
    const utf16le = Buffer.from(text, 'utf16le');
    const utf16be = Buffer.from(utf16le).swap16();
    const files: Record<string, Buffer> = {
      'le-bom.log': Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]),
      'be-bom.log': Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      'le.log': utf16le,
      'le-bom.log.gz': gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le])),
    };
    const plain = join(tmp, 'utf8.log');
    writeFileSync(plain, text);
    const expected = run(['explain', '--config', snapshot, '--flows', plain]).stdout;
    expect(expected.trim().split('\n')).toHaveLength(1000);
    for (const [name, bytes] of Object.entries(files)) {
      const file = join(tmp, name);
      writeFileSync(file, bytes);
      const result = run(['explain', '--config', snapshot, '--flows', file]);
      expect(result.stderr, name).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout === expected, name).toBe(true);
    }
  });
});

describe('archives and compressions AWS does not deliver', () => {
  it('a zip, bzip2, xz, zstd or 7z file, or a tar archive (gzip-compressed or not), is named as such and not read as lines (exit 3); the flow logs beside it are read', () => {
    const dir = join(tmp, 'archives');
    mkdirSync(dir);
    const block = (name: string) => {
      const header = Buffer.alloc(512);
      header.write(name, 0);
      header.write('ustar\u000000', 257, 'latin1');
      return Buffer.concat([header, Buffer.from(`${HEADER}\n${REJECT}\n`)]);
    };
    const archives: Record<string, [Buffer, string]> = {
      'flows.zip': [Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000'), Buffer.from(REJECT)]), 'a zip archive'],
      'flows.log.bz2': [Buffer.from(`BZh91AY&SY${REJECT}`), 'bzip2-compressed'],
      'flows.log.xz': [Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from(REJECT)]), 'xz-compressed'],
      'flows.log.zst': [Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from(REJECT)]), 'zstd-compressed'],
      'flows.7z': [Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), Buffer.from(REJECT)]), 'a 7z archive'],
      'flows.tar': [block('flows.log'), 'a tar archive'],
      'flows.tar.gz': [gzipSync(block('flows.log')), 'a tar archive'],
    };
    for (const [name, [bytes]] of Object.entries(archives)) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'plain.log'), `${HEADER}\n${REJECT}\n`);
    const result = run(['explain', '--config', snapshot, '--flows', dir]);
    expect(result.code).toBe(3);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('malformed');
    for (const [name, [, what]] of Object.entries(archives)) {
      expect(result.stderr).toContain(`cannot read ${join(dir, name)} to its end: ${what}, not a flow log: unpack it first`);
    }
  });
});

describe('flow-log headers', () => {
  it('an unknown field is named once in a warning and its values are kept', () => {
    const a = join(tmp, 'new-a.log');
    const b = join(tmp, 'new-b.log');
    writeFileSync(a, `${HEADER} brand-new\n${REJECT} v1\n`);
    writeFileSync(b, `${HEADER} brand-new\n${REJECT} v2\n`);
    const result = run(['explain', '--config', snapshot, '--flows', a, b]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.record['brand-new'])).toEqual(['v1', 'v2']);
    expect(lines[0].verdict).toBe('blocked');
    expect(result.stderr.match(/brand-new/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/warning: unknown flow-log field "brand-new"/);
  });

  it('a DescribeFlowLogs LogFormat as the first line (fields in ${}) is the file’s header, as the plain one is', () => {
    const plain = join(tmp, 'plain-header.log');
    const logFormat = join(tmp, 'logformat-header.log');
    writeFileSync(plain, `${HEADER}\n${REJECT}\n`);
    writeFileSync(
      logFormat,
      `${HEADER.split(' ')
        .map((field) => '${' + field + '}')
        .join(' ')}\n${REJECT}\n`,
    );
    const result = run(['explain', '--config', snapshot, '--flows', logFormat]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', plain]).stdout);
    expect(JSON.parse(run(['diagnose', '--config', snapshot, '--flows', logFormat]).stdout).stats.input).toMatchObject({
      records: 1,
      malformed: 0,
    });
  });

  it('a Transit Gateway flow log is refused with the reason (exit 3)', () => {
    const file = join(tmp, 'tgw.log');
    writeFileSync(
      file,
      'version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n',
    );
    const result = run(['diagnose', '--config', snapshot, '--flows', file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/tgw.log: this is a Transit Gateway flow log/);
  });

  it('a Transit Gateway flow log found in a directory beside VPC flow logs is skipped and named; the others are explained', () => {
    const day = join(tmp, 'tgw-beside', 'AWSLogs', '444455556666', 'vpcflowlogs', 'us-east-1', '2023', '11', '14');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, '444455556666_vpcflowlogs_us-east-1_fl-0tgw_20231114T2210Z_a1.log.gz'),
      gzipSync(
        'version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n',
      ),
    );
    writeFileSync(join(day, '444455556666_vpcflowlogs_us-east-1_fl-0vpc_20231114T2210Z_b2.log.gz'), gzipSync(`${HEADER}\n${REJECT}\n`));
    const result = run(['explain', '--config', snapshot, '--flows', join(tmp, 'tgw-beside')]);
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).verdict),
    ).toEqual(['blocked']);
    expect(result.stderr).toMatch(/skipped .*fl-0tgw_20231114T2210Z_a1\.log\.gz: a Transit Gateway flow log/);
  });
});

describe('CloudWatch Logs exports to S3', () => {
  it('an export task’s objects are explained as the records they carry; its write test is skipped and named', () => {
    // As CreateExportTask lays them out: <prefix>/<task id>/<log stream>/000000.gz, each line
    // the event's time then the message, and the write test it leaves under the prefix.
    const prefix = join(tmp, 'exportedlogs');
    const stream = join(prefix, '0a1b2c3d-4e5f-4061-8728-39a4b5c6d7e8', 'eni-0web0000000000001-all');
    mkdirSync(stream, { recursive: true });
    writeFileSync(join(stream, '000000.gz'), gzipSync(`2023-11-14T22:13:20.000Z ${REJECT}\n2023-11-14T22:13:21.000Z ${REJECT}\n`));
    writeFileSync(join(prefix, 'aws-logs-write-test'), 'Permission Check Successful');
    const plain = join(tmp, 'export-as-text.log');
    writeFileSync(plain, `${REJECT}\n${REJECT}\n`);

    const result = run(['explain', '--config', snapshot, '--flows', prefix]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', plain]).stdout);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).toBe(
      `sgdoctor: skipped ${join(prefix, 'aws-logs-write-test')}: CloudWatch Logs export write test (the permission check an export task leaves), not log data\n`,
    );
    const diagnosed = JSON.parse(run(['diagnose', '--config', snapshot, '--flows', prefix]).stdout);
    const fromText = JSON.parse(run(['diagnose', '--config', snapshot, '--flows', plain]).stdout);
    expect(diagnosed.findings).toEqual(fromText.findings);
    expect(diagnosed.stats.input).toMatchObject({ records: 2, malformed: 0, skipped: [{ file: join(prefix, 'aws-logs-write-test') }] });
  });

  it('a line of an export without its timestamp is a malformed line named with file:line', () => {
    const file = join(tmp, 'export-missing-stamp.log.gz');
    writeFileSync(file, gzipSync(`2023-11-14T22:13:20.000Z ${REJECT}\n${REJECT}\n`));
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`${file}:2: no CloudWatch Logs export timestamp`);
  });
});

describe('CloudWatch Logs events saved with the AWS CLI', () => {
  it('aws logs filter-log-events and get-log-events output (pages appended to one file) is explained as the records of its events', () => {
    const ACCEPT = '2 444455556666 eni-0web0000000000001 203.0.113.5 10.1.0.5 50123 443 6 12 4000 1700000000 1700000060 ACCEPT OK';
    const event = (message: string, i: number) => ({
      logStreamName: 'eni-0web0000000000001-all',
      timestamp: 1700000000000 + i,
      message,
      ingestionTime: 1700000100000 + i,
      eventId: `3795227618236925413640612386914957066785024${String(i).padStart(13, '0')}`,
    });
    const file = join(tmp, 'filter-log-events.json');
    writeFileSync(
      file,
      `${JSON.stringify({ events: [event(ACCEPT, 0), event(REJECT, 1)], searchedLogStreams: [] }, null, 4)}\n` +
        `${JSON.stringify({ events: [{ timestamp: 1700000000000, message: REJECT, ingestionTime: 1700000100000 }], nextForwardToken: 'f/1', nextBackwardToken: 'b/1' }, null, 4)}\n`,
    );
    const plain = join(tmp, 'filter-log-events-as-text.log');
    writeFileSync(plain, `${ACCEPT}\n${REJECT}\n${REJECT}\n`);
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', plain]).stdout);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('aws logs filter-log-events --output text (tab-separated EVENTS lines) is explained as the records of its events', () => {
    const ACCEPT = '2 444455556666 eni-0web0000000000001 203.0.113.5 10.1.0.5 50123 443 6 12 4000 1700000000 1700000060 ACCEPT OK';
    const event = (message: string, i: number) =>
      [
        'EVENTS',
        `3795227618236925413640612386914957066785024${String(i).padStart(13, '0')}`,
        1700000100000 + i,
        'eni-0web0000000000001-all',
        message,
        1700000000000 + i,
      ].join('\t');
    const file = join(tmp, 'filter-log-events.txt');
    writeFileSync(file, `${event(ACCEPT, 0)}\n${event(REJECT, 1)}\nSEARCHEDLOGSTREAMS\teni-0web0000000000001-all\tTrue\n`);
    const plain = join(tmp, 'filter-log-events-text-as-lines.log');
    writeFileSync(plain, `${ACCEPT}\n${REJECT}\n`);
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', plain]).stdout);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('aws logs get-query-results output of a query not Complete is explained, and the file named with its status on stderr and in stats.input', () => {
    const file = join(tmp, 'get-query-results-running.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          results: [
            [
              { field: '@timestamp', value: '2023-11-14 22:13:20.000' },
              { field: '@message', value: REJECT },
            ],
          ],
          statistics: { recordsMatched: 1, recordsScanned: 100, bytesScanned: 10000 },
          status: 'Running',
        },
        null,
        4,
      ),
    );
    const result = run(['explain', '--config', snapshot, '--flows', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', '-'], `${REJECT}\n`).stdout);
    expect(result.stderr).toBe(
      `sgdoctor: warning: ${file}: Logs Insights results of a query whose status is Running, not Complete: its records were read, ` +
        'but they may be only part of what the query matches; save aws logs get-query-results again once the query is Complete\n',
    );
    const diagnosed = run(['diagnose', '--config', snapshot, '--flows', file]);
    expect(diagnosed.stderr).toContain(`sgdoctor: warning: ${file}: Logs Insights results of a query whose status is Running`);
    expect(JSON.parse(diagnosed.stdout).stats.input).toMatchObject({ records: 1, partialResults: [{ file, status: 'Running' }] });
  });
});

describe('file names on stderr', () => {
  it('control characters are escaped', () => {
    const dir = join(tmp, 'names');
    mkdirSync(dir);
    writeFileSync(join(dir, 'evil\n\u001b[31mname.log'), `${REJECT}\nnot a record\n`);
    const result = run(['explain', '--config', snapshot, '--flows', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toContain('evil\\n\\x1b[31mname.log:2:');
  });

  it('symbolic links to files are followed and skipped entries named with the reason', () => {
    const dir = join(tmp, 'links');
    mkdirSync(dir);
    symlinkSync(flows, join(dir, 'linked.log'));
    symlinkSync(join(tmp, 'nowhere'), join(dir, 'broken.log'));
    const result = run(['explain', '--config', snapshot, '--flows', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).toContain(`skipped ${join(dir, 'broken.log')}: broken symbolic link (ENOENT)`);
  });
});

describe('a file named twice', () => {
  it('by two inputs, a link beside it or a path that overlaps a directory is read once; the repeats are named as skipped', () => {
    const dir = join(tmp, 'twice');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), `${HEADER}\n${REJECT}\n`);
    symlinkSync(join(dir, 'a.log'), join(dir, 'b-latest.log'));
    const result = run(['explain', '--config', snapshot, '--flows', dir, join(dir, 'a.log')]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toBe(
      `sgdoctor: skipped ${join(dir, 'b-latest.log')}: already read as ${join(dir, 'a.log')}\n` +
        `sgdoctor: skipped ${join(dir, 'a.log')}: already read as ${join(dir, 'a.log')}\n`,
    );
    const diagnosed = JSON.parse(run(['diagnose', '--config', snapshot, '--flows', dir, dir]).stdout);
    expect(diagnosed.stats.input).toMatchObject({ files: 1, records: 1 });
  });
});

describe('snapshots', () => {
  const contractSnapshot = JSON.parse(readFileSync(snapshot, 'utf8')) as Record<string, unknown>;

  it('{} is an input error naming the missing members, even with --fail-on', () => {
    const empty = join(tmp, 'empty.json');
    writeFileSync(empty, '{}');
    const result = run(['diagnose', '--config', empty, '--flows', flows, '--fail-on', 'likely-misconfiguration']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('missing SecurityGroups, NetworkAcls, NetworkInterfaces, Subnets');
  });

  it('pages of one describe-… command appended to one file (>>) are read as that many files', () => {
    const { SecurityGroups, ...rest } = contractSnapshot as { SecurityGroups: unknown[] } & Record<string, unknown>;
    const pages = join(tmp, 'security-groups-pages.json');
    writeFileSync(
      pages,
      `${JSON.stringify({ SecurityGroups: SecurityGroups.slice(0, 1), NextToken: 'eyJuZXh0In0=' }, null, 4)}\n` +
        `${JSON.stringify({ SecurityGroups: SecurityGroups.slice(1) }, null, 4)}\n`,
    );
    const others = join(tmp, 'others.json');
    writeFileSync(others, JSON.stringify(rest));
    const result = run(['explain', '--config', pages, others, '--flows', flows]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', flows]).stdout);
    // A wrong member is named with its page.
    writeFileSync(pages, `{"SecurityGroups": []}\n{"SecurityGroups": [{"GroupId": 5}]}\n`);
    const wrong = run(['explain', '--config', pages, others, '--flows', flows]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain(`invalid snapshot ${pages} (document 2): SecurityGroups[0].GroupId`);
  });

  it('null for an optional member (boto3 and Terraform exports) is read as the member absent; a required one stays required', () => {
    type Resource = Record<string, unknown>;
    const withNulls = JSON.parse(JSON.stringify(contractSnapshot)) as Record<string, Resource[]>;
    for (const acl of withNulls.NetworkAcls)
      for (const entry of acl.Entries as Resource[]) Object.assign(entry, { Ipv6CidrBlock: null, PortRange: null, IcmpTypeCode: null });
    for (const group of withNulls.SecurityGroups) Object.assign(group, { Tags: null });
    for (const eni of withNulls.NetworkInterfaces) Object.assign(eni, { Association: null, TagSet: null });
    const file = join(tmp, 'boto3-nulls.json');
    writeFileSync(file, JSON.stringify({ ...withNulls, RouteTables: null }));
    const result = run(['explain', '--config', file, '--flows', flows]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(run(['explain', '--config', snapshot, '--flows', flows]).stdout);
    withNulls.SecurityGroups[0].GroupId = null;
    writeFileSync(file, JSON.stringify(withNulls));
    const required = run(['explain', '--config', file, '--flows', flows]);
    expect(required.code).toBe(3);
    expect(required.stderr).toContain('SecurityGroups[0].GroupId');
  });

  it('an unknown top-level member is named in a warning, and refused with --strict', () => {
    const file = join(tmp, 'lower.json');
    writeFileSync(file, JSON.stringify({ ...contractSnapshot, securityGroups: [] }));
    const warned = run(['explain', '--config', file, '--flows', flows]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('unknown top-level member "securityGroups" ignored (did you mean "SecurityGroups"?)');
    const strict = run(['explain', '--config', file, '--flows', flows, '--strict']);
    expect(strict.code).toBe(3);
  });

  it('reads snapshots with a UTF-8 byte-order mark and UTF-16 ones', () => {
    const text = readFileSync(snapshot, 'utf8');
    const want = run(['explain', '--config', snapshot, '--flows', flows]).stdout;
    const bom = join(tmp, 'bom.json');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const utf16 = join(tmp, 'utf16.json');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    for (const file of [bom, utf16]) {
      const result = run(['explain', '--config', file, '--flows', flows]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(want);
    }
  });
});

describe('values no record or snapshot can hold', () => {
  it('a capture time past 9999-12-31 is a malformed line named with file:line: every format prints, exit 0', () => {
    const file = join(tmp, 'huge-time.log');
    writeFileSync(file, `${HEADER}\n${REJECT}\n${REJECT.replace('1700000000 1700000060', '8640000000001 8640000000001')}\n`);
    for (const [command, format] of [
      ['diagnose', 'json'],
      ['diagnose', 'text'],
      ['diagnose', 'markdown'],
      ['explain', 'text'],
      ['explain', 'json'],
    ]) {
      const result = run([command, '--config', snapshot, '--flows', file, '--format', format]);
      expect(result.code, `${command} ${format}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(command === 'explain' ? '10.1.0.9' : 'rejected');
      expect(result.stderr).toContain(`${file}:3: start: "8640000000001" is not a time in Unix seconds`);
    }
  });

  it('an interface id with control characters is a malformed line; nothing raw reaches the terminal', () => {
    const file = join(tmp, 'escape-id.log');
    writeFileSync(file, `${REJECT}\n${REJECT.replace('eni-0web0000000000001', 'eni-\u001b]0;t\u0007\u001b[31mRED')}\n`);
    for (const [command, format] of [
      ['explain', 'text'],
      ['diagnose', 'text'],
      ['diagnose', 'markdown'],
    ]) {
      const result = run([command, '--config', snapshot, '--flows', file, '--format', format]);
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain('\u001b');
      expect(result.stdout + result.stderr).not.toContain('\u0007');
      expect(result.stderr).toContain(`${file}:2: interface-id: "eni-\\u001b]0;t\\u0007`);
    }
  });

  it('a snapshot whose group id would run a command when pasted is refused with its JSON path (exit 3)', () => {
    const contractSnapshot = JSON.parse(readFileSync(snapshot, 'utf8')) as { SecurityGroups: { GroupId: string }[] };
    contractSnapshot.SecurityGroups[0].GroupId = 'sg-0web$(touch${IFS}/tmp/pwned)';
    const file = join(tmp, 'shell-id.json');
    writeFileSync(file, JSON.stringify(contractSnapshot));
    const result = run(['diagnose', '--config', file, '--flows', flows]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('SecurityGroups[0].GroupId: expected an id "sg-" followed by lower-case letters and digits');
  });

  it('with COLUMNS=40 (output not a terminal) the findings table fits in 40 columns', () => {
    const result = run(['diagnose', '--config', snapshot, '--flows', flows, '--format', 'text'], undefined, { COLUMNS: '40' });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const table = lines.slice(
      lines.findIndex((line) => line.startsWith('#')),
      lines.findIndex((line) => line.startsWith('[1] ')),
    );
    expect(table.length).toBeGreaterThan(3);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(40);
  });
});
