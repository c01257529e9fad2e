import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FLOW_LOG_FIELDS } from '../../../src/engine/flow-log/flow-log-fields';
import { readAllFlowRecords } from '../../support/factories/read-flow-records';

/*
 * Conformance: whatever form AWS delivers a flow log in, sgdoctor reads each record as the
 * established parsers read it — Vector's `parse_aws_vpc_flow_log`, Elastic's `aws_vpcflow`
 * processor, the Python `flowlogs-reader` and Athena's documented DDL agree on this: the record's
 * fields split on spaces, `-` is no value, the counters, ports, protocol, times, `tcp-flags`,
 * `traffic-path` and `encryption-status` are integers and every other field is text, kept as
 * written. Records here are random ones of random custom formats of versions 2 to 11, each field
 * holding what the VPC user guide ("Flow log records") says it holds, or `-`.
 */

/** The fields the parsers read as integers; in Parquet, AWS's INT_64 columns are the counters and times. */
const INT64_FIELDS = new Set(['packets', 'bytes', 'start', 'end']);
const INT32_FIELDS = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp-flags', 'traffic-path', 'encryption-status']);

const hex = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},${max}}$`));
const awsId = (prefix: string): fc.Arbitrary<string> => hex(8, 17).map((h) => `${prefix}-${h}`);
const int = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map(String);
const address = fc.oneof(fc.ipV4(), fc.ipV6());
const arn = (resource: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('us-east-1', 'eu-central-1'), fc.stringMatching(/^\d{12}$/), hex(8, 32))
    .map(([region, account, id]) => `arn:aws:ecs:${region}:${account}:${resource}/${id}`);
/** Tag values as AWS writes them: special characters percent-encoded in UTF-8 (`Web%20Server`). */
const tagValue = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map(encodeURIComponent);
const awsService = fc.constantFrom('AMAZON', 'S3', 'EC2', 'DYNAMODB', 'ROUTE53_RESOLVER', 'EC2_INSTANCE_CONNECT', 'CLOUDFRONT');
const interfaceType = fc.constantFrom('nat_gateway', 'network_load_balancer', 'regional_nat_gateway', 'transit_gateway', 'vpc_endpoint');

/** What each documented field holds when it applies, per the user guide. */
const VALUES: Record<string, fc.Arbitrary<string>> = {
  version: int(2, 11),
  'account-id': fc.oneof(fc.stringMatching(/^\d{12}$/), fc.constant('unknown')),
  'interface-id': awsId('eni'),
  srcaddr: address,
  dstaddr: address,
  srcport: int(0, 65535),
  dstport: int(0, 65535),
  protocol: int(0, 255),
  packets: fc.maxSafeNat().map(String),
  bytes: fc.maxSafeNat().map(String),
  start: int(0, 2_100_000_000),
  end: int(0, 2_100_000_000),
  action: fc.constantFrom('ACCEPT', 'REJECT'),
  'log-status': fc.constantFrom('OK', 'NODATA', 'SKIPDATA'),
  'vpc-id': awsId('vpc'),
  'subnet-id': awsId('subnet'),
  'instance-id': awsId('i'),
  // FIN 1, SYN 2, RST 4, SYN-ACK 18, OR-ed over the capture window; 0 for none of them.
  'tcp-flags': fc.subarray([1, 2, 4, 18]).map((flags) => String(flags.reduce((a, b) => a | b, 0))),
  type: fc.constantFrom('IPv4', 'IPv6', 'EFA'),
  'pkt-srcaddr': address,
  'pkt-dstaddr': address,
  region: fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'),
  'az-id': fc.constantFrom('use1-az4', 'usw2-az1', 'euw1-az2', 'apse2-az3', 'usw2-lax1-az1'),
  'sublocation-type': fc.constantFrom('wavelength', 'outpost', 'localzone'),
  'sublocation-id': fc.oneof(awsId('wlz'), awsId('op'), fc.constant('usw2-lax1-az1')),
  'pkt-src-aws-service': awsService,
  'pkt-dst-aws-service': awsService,
  'flow-direction': fc.constantFrom('ingress', 'egress'),
  'traffic-path': int(1, 8),
  'ecs-cluster-arn': arn('cluster'),
  'ecs-cluster-name': fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
  'ecs-container-instance-arn': arn('container-instance'),
  'ecs-container-instance-id': hex(32, 32),
  'ecs-container-id': hex(64, 64),
  'ecs-second-container-id': hex(64, 64),
  'ecs-service-name': fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
  'ecs-task-definition-arn': arn('task-definition'),
  'ecs-task-arn': arn('task'),
  'ecs-task-id': hex(32, 32),
  // BPA: VPC Block Public Access; EC: VPC encryption controls.
  'reject-reason': fc.constantFrom('BPA', 'EC'),
  'resource-id': awsId('nat'),
  'encryption-status': int(0, 3),
  'instance-tag': tagValue,
  'instance-tag-2': tagValue,
  'interface-tag': tagValue,
  'interface-tag-2': tagValue,
  'asg-tag': tagValue,
  'asg-tag-2': tagValue,
  'interface-type': interfaceType,
  'next-hop-interface-id': awsId('eni'),
  'next-hop-subnet-id': awsId('subnet'),
  'next-hop-az-id': fc.constantFrom('use1-az4', 'euw1-az2'),
  'next-hop-vpc-id': awsId('vpc'),
  'next-hop-interface-type': interfaceType,
};

/** A field's text in a record: what it holds, or `-` where it does not apply. */
const token = (name: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant('-') }, { weight: 4, arbitrary: VALUES[name] });

/** A custom format (some documented fields, in an order of its own) and a few records of it. */
const flowLog = fc
  .shuffledSubarray(
    FLOW_LOG_FIELDS.map((f) => f.name),
    { minLength: 1 },
  )
  .chain((names) =>
    fc.tuple(fc.constant(names), fc.array(fc.tuple(...names.map(token)).map(inOrder(names)), { minLength: 1, maxLength: 4 })),
  );

/** A record's capture window as AWS writes it: `start` (its first packet) never after `end` (its last). */
function inOrder(names: readonly string[]): (tokens: string[]) => string[] {
  const [s, e] = [names.indexOf('start'), names.indexOf('end')];
  return (tokens) => {
    if (s < 0 || e < 0 || tokens[s] === '-' || tokens[e] === '-' || Number(tokens[s]) <= Number(tokens[e])) return tokens;
    const ordered = [...tokens];
    [ordered[s], ordered[e]] = [tokens[e], tokens[s]];
    return ordered;
  };
}

/** The record as the established parsers read it. */
function reference(names: readonly string[], tokens: readonly string[]): Record<string, string | number | null> {
  const record: Record<string, string | number | null> = {};
  names.forEach((name, i) => {
    const text = tokens[i];
    record[name] = text === '-' ? null : INT32_FIELDS.has(name) || INT64_FIELDS.has(name) ? Number(text) : text;
  });
  return record;
}

/** A Parquet flow log as AWS writes one: columns by name (`interface_id`), INT_32 / INT_64 / STRING, null for `-`. */
function parquet(names: readonly string[], rows: readonly string[][], protocolWidth: 'INT32' | 'INT64'): Buffer {
  const columnData = names.map((name, i) => {
    // The user guide gives protocol INT_32; Athena's Parquet DDL reads it as bigint: both are read alike.
    const type = INT64_FIELDS.has(name) ? 'INT64' : name === 'protocol' ? protocolWidth : INT32_FIELDS.has(name) ? 'INT32' : 'STRING';
    const data = rows.map((row) =>
      row[i] === '-' ? null : type === 'INT64' ? BigInt(row[i]) : type === 'INT32' ? Number(row[i]) : row[i],
    );
    return { name: name.replace(/-/g, '_'), type: type as 'INT32' | 'INT64' | 'STRING', nullable: true, data };
  });
  return Buffer.from(parquetWriteBuffer({ columnData, codec: 'GZIP', compressors: { GZIP: (bytes) => gzipSync(bytes) } }));
}

/** CloudWatch Logs subscription envelopes (gzip JSON) as Data Firehose delivers them to S3, one per record. */
function envelopes(lines: readonly string[]): Buffer {
  return Buffer.concat(
    lines.map((message, i) =>
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: '111122223333',
          logGroup: 'vpc-flow-logs',
          logStream: 'eni-0a1b2c3d4e5f60001-all',
          subscriptionFilters: ['to-firehose'],
          logEvents: [{ id: String(i), timestamp: 1700000000000 + i, message }],
        }),
      ),
    ),
  );
}

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-conformance-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: string | Buffer): string {
  const path = join(dir, `f${++files}`);
  writeFileSync(path, content);
  return path;
}

describe('flow-log records as the established parsers read them', () => {
  it('every documented field has a model of what AWS writes in it', () => {
    expect(Object.keys(VALUES).sort()).toEqual(FLOW_LOG_FIELDS.map((f) => f.name).sort());
  });

  it('each delivery form (text with its header, gzip, headerless, CloudWatch Logs export, Parquet, subscription envelopes) reads every record so', async () => {
    await fc.assert(
      fc.asyncProperty(flowLog, fc.constantFrom('INT32' as const, 'INT64' as const), async ([names, rows], protocolWidth) => {
        const expected = rows.map((row) => reference(names, row));
        const lines = rows.map((row) => row.join(' '));
        const header = names.join(' ');
        const logFormat = names.map((name) => `\${${name}}`).join(' ');
        const forms: [string, string, { format?: string }][] = [
          ['S3 text file', file(`${header}\n${lines.join('\n')}\n`), {}],
          ['S3 gzip file', file(gzipSync(`${header}\n${lines.join('\n')}\n`)), {}],
          ['headerless file, with its LogFormat', file(`${lines.join('\n')}\n`), { format: logFormat }],
          [
            'CloudWatch Logs export',
            file(gzipSync(lines.map((line, i) => `2023-11-14T22:13:2${i}.000Z ${line}`).join('\n') + '\n')),
            { format: logFormat },
          ],
          ['Parquet file', file(parquet(names, rows, protocolWidth)), {}],
          ['subscription envelopes', file(envelopes(lines)), { format: logFormat }],
        ];
        for (const [form, path, options] of forms) {
          const { records, stats } = await readAllFlowRecords([path], options);
          expect({ form, malformed: stats.malformedExamples, records: records.map((r) => r.record) }).toEqual({
            form,
            malformed: [],
            records: expected,
          });
        }
      }),
      { numRuns: 120 },
    );
  });
});
