import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3FlowSource } from '../../../src/aws/s3-flow-source';
import { compareAggregates } from '../../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { drainFlowSources, streamBytes } from '../../../src/flow-files/flow-file-reader';
import { collectedFileFlows } from '../../support/file-flows';
import { SAMPLE_FLOWS, sampleObjects } from '../../support/sample-log-groups';

const WINDOW = { from: new Date('2026-11-24T00:00:00Z'), to: new Date('2026-11-25T00:00:00Z') };
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };
const BUCKET = 'shop-flow-logs-111122223333';

describe('S3FlowSource: flow-log objects read straight from S3', () => {
  const s3 = mockClient(S3Client);
  let objects: Map<string, Buffer>;
  /** LastModified of the objects that have one in the listing (S3 always gives it; the older tests leave it out). */
  let modified: Map<string, Date>;
  const lists: ListObjectsV2CommandInput[] = [];
  const clients = { s3: () => new S3Client({ region: TARGET.region }) };

  beforeEach(() => {
    objects = sampleObjects();
    modified = new Map();
    lists.length = 0;
    s3.reset();
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      lists.push({ ...input });
      const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).sort();
      const offset = input.ContinuationToken ? Number(input.ContinuationToken.slice(2)) : 0;
      const more = offset + 7 < keys.length;
      return {
        $metadata: { httpStatusCode: 200 },
        IsTruncated: more,
        KeyCount: Math.min(7, keys.length - offset),
        ...(more ? { NextContinuationToken: `t-${offset + 7}` } : {}),
        Contents: keys.slice(offset, offset + 7).map((Key) => ({
          Key,
          Size: objects.get(Key)!.length,
          ...(modified.has(Key) ? { LastModified: modified.get(Key) } : {}),
        })),
      };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const bytes = objects.get(input.Key);
      if (!bytes)
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
      return { $metadata: { httpStatusCode: 200 }, ContentLength: bytes.length, Body: sdkStreamMixin(Readable.from([bytes])) };
    });
  });

  afterEach(() => s3.reset());

  async function read(source: S3FlowSource, config: Parameters<S3FlowSource['objects']>[0]['config']) {
    const { sources, statistics } = source.objects({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to });
    const byteSources = (async function* () {
      for await (const object of sources)
        yield { name: object.name, open: () => streamBytes(object.open() as unknown as NodeJS.ReadableStream) };
    })();
    const aggregates: FlowAggregate[] = [];
    const read = await drainFlowSources(byteSources, { actions: ['ACCEPT', 'REJECT'], window: WINDOW, hourly: true }, (a) =>
      aggregates.push(a),
    );
    return { collected: { ...read, aggregates }, stats: read.stats, statistics };
  }

  it('reads the window’s objects through the files reader: the files source’s aggregates and hours, objects and bytes counted', async () => {
    const { collected, statistics, stats } = await read(new S3FlowSource(clients, { prefetch: 3 }), { bucket: BUCKET, fileFormat: 'text' });
    const files = await collectedFileFlows([SAMPLE_FLOWS], WINDOW);
    expect([...collected.aggregates].sort(compareAggregates)).toEqual([...files.aggregates].sort(compareAggregates));
    expect(stats.records).toBe(files.stats.records);
    expect(statistics.objectsRead).toBe(objects.size);
    expect(statistics.bytesRead).toBe([...objects.values()].reduce((s, b) => s + b.length, 0));
    expect(lists.map((l) => [l.Prefix, l.ContinuationToken ?? null]).filter(([p]) => String(p).endsWith('24/')).length).toBe(
      Math.ceil(objects.size / 7),
    );
  });

  it('names the delivery prefixes of every layout: daily, hourly, Hive-compatible, Firehose, a CloudWatch Logs export', () => {
    const source = new S3FlowSource(clients);
    const window = { target: TARGET, from: new Date('2026-11-24T10:00:00Z'), to: new Date('2026-11-24T12:00:00Z') };
    expect(source.prefixes({ ...window, config: { bucket: BUCKET, fileFormat: 'text', prefix: 'vpc' } })).toEqual([
      'vpc/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24/',
    ]);
    expect(
      source.prefixes({
        ...window,
        config: { bucket: BUCKET, fileFormat: 'parquet', perHourPartitions: true, accountId: '444455556666', region: 'us-east-1' },
      }),
    ).toEqual(['09', '10', '11', '12', '13'].map((h) => `AWSLogs/444455556666/vpcflowlogs/us-east-1/2026/11/24/${h}/`));
    expect(
      source.prefixes({ ...window, config: { bucket: BUCKET, fileFormat: 'parquet', hiveCompatible: true, perHourPartitions: true } })[0],
    ).toBe('AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=11/day=24/hour=09/');
    expect(source.prefixes({ ...window, config: { bucket: BUCKET, fileFormat: 'text', delivery: 'firehose', prefix: 'flows/' } })).toEqual(
      ['09', '10', '11', '12', '13'].map((h) => `flows/2026/11/24/${h}/`),
    );
    const exported = (prefix?: string | null) =>
      source.prefixes({ ...window, config: { bucket: BUCKET, fileFormat: 'text', delivery: 'cloudwatch-export', prefix } });
    // CreateExportTask's destinationPrefix, `exportedlogs` when none was given; the keys carry no date, so one prefix whatever the window.
    expect(exported()).toEqual(['exportedlogs/']);
    expect(exported('vpc/exports')).toEqual(['vpc/exports/']);
    expect(exported('vpc/exports/')).toEqual(['vpc/exports/']);
    expect(exported('')).toEqual(['']);
    expect(() => source.prefixes({ ...window, config: { bucket: BUCKET, fileFormat: 'text', accountId: '12' } })).toThrow(
      'not an AWS account id',
    );
  });

  it('names an object it cannot fetch, skips objects of the other format, and reads the rest', async () => {
    const [first] = [...objects.keys()].sort();
    const keys = [...objects.keys()];
    objects.set(`${first.slice(0, first.lastIndexOf('/'))}/extra.parquet`, Buffer.from('PAR1'));
    const denied = keys[3];
    const source = new S3FlowSource({ s3: () => new S3Client({ region: TARGET.region }) });
    s3.on(GetObjectCommand, { Key: denied }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );
    const { stats, statistics } = await read(source, { bucket: BUCKET, fileFormat: 'text' });
    expect(stats.readErrors).toEqual([{ file: `s3://${BUCKET}/${denied}`, error: 'Access Denied' }]);
    expect(statistics.skipped).toEqual([
      { object: expect.stringMatching(/extra\.parquet$/), reason: 'a Parquet object (the target reads text)' },
    ]);
    expect(statistics.objectsRead).toBe(keys.length - 1);
  });

  it('Firehose objects: newline-delimited records without a header, read with the target’s format', async () => {
    const lines = ['2 111122223333 eni-0a10b1c2d3e4f5a12 10.0.0.1 10.0.0.2 40000 22 6 1 40 1795478405 1795478460 REJECT OK'];
    objects = new Map([['fh/2026/11/24/10/stream-1-2026-11-24-10-00-00-abc', Buffer.from(lines.join('\n') + '\n')]]);
    const source = new S3FlowSource(clients);
    const { collected } = await read(source, { bucket: BUCKET, fileFormat: 'text', delivery: 'firehose', prefix: 'fh/' });
    expect(collected.aggregates).toHaveLength(1);
    expect(collected.aggregates[0]).toMatchObject({ interfaceId: 'eni-0a10b1c2d3e4f5a12', dstport: 22, action: 'REJECT', records: 1 });
  });

  it('a CloudWatch Logs export under a listed prefix: its write test is skipped and named, its timestamped messages read', async () => {
    const record = '2 111122223333 eni-0a10b1c2d3e4f5a12 10.0.0.1 10.0.0.2 40000 22 6 1 40 1795478405 1795478460 REJECT OK';
    objects = new Map([
      ['fh/2026/11/24/10/aws-logs-write-test', Buffer.from('Permission Check Successful')],
      ['fh/2026/11/24/10/eni-0a10b1c2d3e4f5a12-all/000000.gz', gzipSync(`2026-11-24T10:00:05.000Z ${record}\n`)],
    ]);
    const { collected, stats, statistics } = await read(new S3FlowSource(clients), {
      bucket: BUCKET,
      fileFormat: 'text',
      delivery: 'firehose',
      prefix: 'fh/',
    });
    expect(statistics.skipped).toEqual([
      {
        object: `s3://${BUCKET}/fh/2026/11/24/10/aws-logs-write-test`,
        reason: 'CloudWatch Logs export write test (the permission check an export task leaves), not log data',
      },
    ]);
    expect(statistics.objectsRead).toBe(1);
    expect(stats.malformed).toBe(0);
    expect(collected.aggregates).toHaveLength(1);
    expect(collected.aggregates[0]).toMatchObject({ interfaceId: 'eni-0a10b1c2d3e4f5a12', dstport: 22, action: 'REJECT', records: 1 });
  });

  describe("delivery 'cloudwatch-export': the objects export tasks wrote under their destination prefix", () => {
    const TASK = '0a1b2c3d-4e5f-4061-8728-39a4b5c6d7e8';
    const EARLIER_TASK = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
    const OLD_TASK = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
    const WRITTEN_BEFORE = 'an export written before the window began: it holds only log events received before it was written';
    const WRITE_TEST = 'CloudWatch Logs export write test (the permission check an export task leaves), not log data';
    const FROM = WINDOW.from.getTime() / 1000;
    /** A log event as an export writes it: the event's time, a space, the flow-log record (version 2, no header). */
    const event = (start: number, dstport: number, eni = 'eni-0a10b1c2d3e4f5a12') =>
      `${new Date(start * 1000).toISOString()} 2 111122223333 ${eni} 10.0.0.1 10.0.0.2 40000 ${dstport} 6 1 40 ${start} ${start + 55} REJECT OK\n`;
    const put = (key: string, body: string | Buffer, lastModified?: Date) => {
      objects.set(key, typeof body === 'string' ? gzipSync(body) : body);
      if (lastModified) modified.set(key, lastModified);
    };

    it('lists every key under the prefix page by page, reads the exports written since the window began (less the margin), names what it skips', async () => {
      objects = new Map();
      const written = new Date('2026-11-26T08:00:00Z');
      // The task of a past range, run after the window: ten log streams (one per interface), the first cut in two objects.
      for (let i = 0; i < 10; i++) {
        const stream = `exportedlogs/${TASK}/eni-0a10b1c2d3e4f5a${String(i).padStart(2, '0')}-all`;
        put(`${stream}/000000.gz`, event(FROM + i * 3600, 1000 + i, `eni-0a10b1c2d3e4f5a${String(i).padStart(2, '0')}`), written);
        if (i === 0) put(`${stream}/000001.gz`, event(FROM + 86_400 + 7200, 2000, 'eni-0a10b1c2d3e4f5a00'), written);
      }
      put(`exportedlogs/${TASK}/`, Buffer.alloc(0), written);
      // Written exactly an hour (the margin) before the window: read; its record, of the day before, is left out by the reader.
      put(
        `exportedlogs/${EARLIER_TASK}/eni-0a10b1c2d3e4f5a12-all/000000.gz`,
        event(FROM - 600, 3000),
        new Date(WINDOW.from.getTime() - 3_600_000),
      );
      // Written a millisecond earlier still: skipped unread, named.
      put(
        `exportedlogs/${OLD_TASK}/eni-0a10b1c2d3e4f5a12-all/000000.gz`,
        event(FROM - 7200, 4000),
        new Date(WINDOW.from.getTime() - 3_600_001),
      );
      put('exportedlogs/aws-logs-write-test', Buffer.from('Permission Check Successful'), new Date('2026-11-01T00:00:00Z'));
      // Beside the prefix, not under it.
      put(`exportedlogs-2025/${TASK}/eni-0a10b1c2d3e4f5a12-all/000000.gz`, event(FROM + 60, 5000), written);

      const { collected, stats, statistics } = await read(new S3FlowSource(clients), {
        bucket: BUCKET,
        fileFormat: 'text',
        delivery: 'cloudwatch-export',
      });

      expect(statistics.prefixes).toEqual(['exportedlogs/']);
      expect(lists.map((l) => [l.Bucket, l.Prefix, l.ContinuationToken ?? null])).toEqual([
        [BUCKET, 'exportedlogs/', null],
        [BUCKET, 'exportedlogs/', 't-7'],
        [BUCKET, 'exportedlogs/', 't-14'],
      ]);
      expect(statistics.listRequests).toBe(3);
      expect(statistics.objectsListed).toBe(15);
      expect(statistics.skipped).toEqual([
        { object: `s3://${BUCKET}/exportedlogs/${TASK}/`, reason: 'a folder marker' },
        { object: `s3://${BUCKET}/exportedlogs/${OLD_TASK}/eni-0a10b1c2d3e4f5a12-all/000000.gz`, reason: WRITTEN_BEFORE },
        { object: `s3://${BUCKET}/exportedlogs/aws-logs-write-test`, reason: WRITE_TEST },
      ]);
      const fetched = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
      expect(fetched).toHaveLength(12);
      expect(fetched).not.toContain(`exportedlogs/${OLD_TASK}/eni-0a10b1c2d3e4f5a12-all/000000.gz`);
      expect(statistics.getRequests).toBe(12);
      expect(statistics.objectsRead).toBe(12);
      expect(stats.malformed).toBe(0);
      expect(collected.recordsOutsideWindow).toBe(2);
      expect(collected.aggregates.map((a) => a.dstport).sort((a, b) => a! - b!)).toEqual([...Array(10).keys()].map((i) => 1000 + i));
    });

    it('the rule at its edge without margin, an object S3 lists without LastModified, and a prefix of its own', async () => {
      objects = new Map();
      const key = (name: string) => `exports/vpc/${TASK}/${name}/000000.gz`;
      put(key('before'), event(FROM - 120, 1), new Date(WINDOW.from.getTime() - 1));
      put(key('at-start'), event(FROM + 60, 2), WINDOW.from);
      put(key('undated'), event(FROM + 120, 3));
      const { sources, statistics } = new S3FlowSource(clients, { partitionSlackSeconds: 0 }).objects({
        target: TARGET,
        config: { bucket: BUCKET, fileFormat: 'text', delivery: 'cloudwatch-export', prefix: 'exports/vpc' },
        from: WINDOW.from,
        to: WINDOW.to,
      });
      const names: string[] = [];
      for await (const object of sources) names.push(object.name);
      expect(names).toEqual([key('at-start'), key('undated')].map((k) => `s3://${BUCKET}/${k}`));
      expect(statistics.skipped).toEqual([{ object: `s3://${BUCKET}/${key('before')}`, reason: WRITTEN_BEFORE }]);
      expect(lists.map((l) => l.Prefix)).toEqual(['exports/vpc/']);
    });

    it('a listing that repeats its continuation token fails as the delivery prefixes do', async () => {
      s3.on(ListObjectsV2Command).resolves({
        $metadata: { httpStatusCode: 200 },
        IsTruncated: true,
        KeyCount: 0,
        Contents: [],
        NextContinuationToken: 't-same',
      });
      const { sources } = new S3FlowSource(clients).objects({
        target: TARGET,
        config: { bucket: BUCKET, fileFormat: 'text', delivery: 'cloudwatch-export' },
        from: WINDOW.from,
        to: WINDOW.to,
      });
      await expect(
        (async () => {
          for await (const _ of sources);
        })(),
      ).rejects.toMatchObject({
        code: 'AWS.UNEXPECTED_RESPONSE',
        details: { operation: `s3:ListBucket on s3://${BUCKET}/exportedlogs/`, page: 2 },
      });
    });
  });

  async function listAll(source: S3FlowSource): Promise<string[]> {
    const names: string[] = [];
    const { sources } = source.objects({
      target: TARGET,
      config: { bucket: BUCKET, fileFormat: 'text' },
      from: WINDOW.from,
      to: WINDOW.to,
    });
    for await (const object of sources) names.push(object.name);
    return names;
  }

  it('a listing S3 refuses names the action, the bucket and prefix, and the account', async () => {
    s3.on(ListObjectsV2Command).rejects(
      Object.assign(new Error('Access Denied'), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, requestId: 'R2D2C3PO00000001', attempts: 1 },
      }),
    );
    await expect(listAll(new S3FlowSource(clients))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `s3:ListBucket on s3://${BUCKET}/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/23/ (account 111122223333, eu-west-1): Access Denied`,
    });
  });

  it('a listing that repeats its continuation token, or is truncated without one, fails instead of looping or stopping short', async () => {
    let calls = 0;
    s3.on(ListObjectsV2Command).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same page was asked for again and again');
      return { $metadata: { httpStatusCode: 200 }, IsTruncated: true, KeyCount: 0, Contents: [], NextContinuationToken: 't-same' };
    });
    await expect(listAll(new S3FlowSource(clients))).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: `s3:ListBucket on s3://${BUCKET}/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/23/`, page: 2 },
    });
    expect(calls).toBe(2);

    s3.on(ListObjectsV2Command).resolves({ $metadata: { httpStatusCode: 200 }, IsTruncated: true, KeyCount: 0, Contents: [] });
    await expect(listAll(new S3FlowSource(clients))).rejects.toThrow(/said on page 1 that more results follow but gave no token/);
  });
});
