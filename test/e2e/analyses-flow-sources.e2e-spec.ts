import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkSnapshot } from '../../src/engine/network/snapshot';
import type { TestApp } from '../support/app/test-app';
import { allFindings, analyse, api, sampleTargetBody } from '../support/app/analysis-api';
import { AthenaEmulator } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleSnapshot, windowedSampleAggregates } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { InsightsEmulator } from '../support/insights-emulator';
import { sampleLogGroupOf, sampleLogGroups, sampleObjects } from '../support/sample-log-groups';

const BUCKET = 'shop-flow-logs-111122223333';
type Counts = Array<{ from: string; records: number }>;

/** What a finding is, independent of the target it belongs to. */
const identity = (f: Record<string, unknown>) => [f.fingerprint, f.classification, f.severity, f.records];
const byFingerprint = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));

/**
 * The sample flow logs behind every source: published to CloudWatch Logs (each flow log's log
 * group, queried with an Insights emulator that runs the query on the sample events) and
 * delivered to S3 (the sample files as objects under their AWSLogs/ keys). The analyses run through
 * the real API, queue, worker and database; only the AWS clients' `send` is replaced.
 */
describe('analyses through the CloudWatch Logs and S3 flow sources find what the files source finds, hour for hour', () => {
  let testApp: TestApp;
  let account: MockedAwsAccount;
  let insights: InsightsEmulator;
  const logs = mockClient(CloudWatchLogsClient);
  const s3 = mockClient(S3Client);
  const objects = sampleObjects();
  /** What the bucket holds: the sample objects, and the CloudWatch Logs export a test adds, with their LastModified. */
  const stored = new Map(objects);
  const lastModified = new Map<string, Date>();
  const listRequests: ListObjectsV2CommandInput[] = [];
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    const snapshot = sampleSnapshot();
    // The same two flow logs, publishing to CloudWatch Logs instead of S3.
    const published: NetworkSnapshot = {
      ...snapshot,
      FlowLogs: snapshot.FlowLogs!.map(({ LogDestination: _destination, ...log }) => ({
        ...log,
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: sampleLogGroupOf(log.FlowLogId!),
      })),
    };
    account = new MockedAwsAccount(snapshot, new AthenaEmulator(windowedSampleAggregates()));
    account.reset({ FlowLogs: published.FlowLogs });
    insights = new InsightsEmulator(sampleLogGroups().logGroups);
    logs.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => insights.startQuery(input));
    logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => insights.getQueryResults(input.queryId));
    logs.on(StopQueryCommand).resolves({ success: true, $metadata: { httpStatusCode: 200 } });

    // ListObjectsV2 in pages of 5 keys (ContinuationToken), GetObject with the stored bytes as a stream.
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      listRequests.push({ ...input });
      const matching = [...stored.keys()].sort().filter((k) => k.startsWith(input.Prefix ?? ''));
      const offset = input.ContinuationToken ? Number(input.ContinuationToken.slice('token-'.length)) : 0;
      const page = matching.slice(offset, offset + 5);
      const more = offset + 5 < matching.length;
      return {
        $metadata: { httpStatusCode: 200, requestId: `list-${offset}` },
        Name: input.Bucket,
        Prefix: input.Prefix,
        KeyCount: page.length,
        MaxKeys: input.MaxKeys ?? 1000,
        IsTruncated: more,
        ...(input.ContinuationToken ? { ContinuationToken: input.ContinuationToken } : {}),
        ...(more ? { NextContinuationToken: `token-${offset + 5}` } : {}),
        Contents: page.map((Key) => ({
          Key,
          LastModified: lastModified.get(Key) ?? new Date('2026-11-24T01:10:00Z'),
          Size: stored.get(Key)!.length,
          StorageClass: 'STANDARD',
          ETag: '"e"',
        })),
      };
    });
    s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const bytes = stored.get(input.Key);
      if (!bytes)
        throw Object.assign(new Error('The specified key does not exist.'), {
          name: 'NoSuchKey',
          $fault: 'client',
          $metadata: { httpStatusCode: 404 },
        });
      return {
        $metadata: { httpStatusCode: 200, requestId: `get-${input.Key}` },
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
        Body: sdkStreamMixin(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)])),
      };
    });
    testApp = await createAwsTestApp({ env: { RATE_LIMIT_PER_MINUTE: '100000' } });
  });

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
    logs.restore();
    s3.restore();
  });

  async function createTarget(body: Record<string, unknown>): Promise<string> {
    const created = await api(server()).post('/v1/targets', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  async function countsOverTime(targetId: string): Promise<Map<string, Counts>> {
    const counts = new Map<string, Counts>();
    for (const finding of await allFindings(server(), targetId)) {
      const detail = await api(server()).get(`/v1/findings/${finding.id}`);
      expect(detail.status).toBe(200);
      counts.set(finding.fingerprint, detail.body.evidence.countsOverTime);
    }
    return counts;
  }

  async function expectSameAsFiles(targetId: string, filesTargetId: string): Promise<void> {
    const fromSource = (await allFindings(server(), targetId)).map(identity).sort(byFingerprint);
    const fromFiles = (await allFindings(server(), filesTargetId)).map(identity).sort(byFingerprint);
    expect(fromSource.length).toBeGreaterThan(0);
    expect(fromSource).toEqual(fromFiles);
    const sourceCounts = await countsOverTime(targetId);
    expect(sourceCounts).toEqual(await countsOverTime(filesTargetId));
    expect(Math.max(...[...sourceCounts.values()].map((c) => c.length))).toBeGreaterThan(12);
  }

  it('CloudWatch Logs: log groups found through DescribeFlowLogs, aggregated by Insights, the same findings and counts per hour', async () => {
    const filesTargetId = await createTarget(sampleTargetBody({ name: 'files' }));
    const filesRun = await analyse(server(), filesTargetId);

    const targetId = await createTarget(
      sampleTargetBody({ name: 'cloudwatch', configSource: { type: 'ec2' }, flowSource: { type: 'cloudwatch-logs' } }),
    );
    const done = await analyse(server(), targetId);
    await expectSameAsFiles(targetId, filesTargetId);
    expect(done.statistics.findings.total).toBe(filesRun.statistics.findings.total);
    expect(done.statistics.rejectedRecords).toBe(filesRun.statistics.rejectedRecords);
    expect(done.statistics.acceptedRecords).toBe(filesRun.statistics.acceptedRecords);
    // The records the window left out, counted by the same queries, where the files source shows them: the
    // samples' SKIPDATA record, in the statistics and in the coverage's degraded signals.
    for (const field of ['skipdataRecords', 'incompleteRecords', 'malformedLines'] as const) {
      expect(done.statistics[field], field).toBe(filesRun.statistics[field]);
    }
    expect(done.statistics.skipdataRecords).toBe(1);
    const skipped = (run: Record<string, any>) => run.statistics.degradedSignals.filter((s: { kind: string }) => s.kind === 'skipped-data');
    expect(skipped(done)).toHaveLength(1);
    expect(skipped(done)).toEqual(skipped(filesRun));
    expect(done.statistics.warnings ?? []).toEqual([]);
    // One query per log group, each aggregated in Insights; what they scanned is recorded with its cost.
    expect(insights.queries.map((q) => q.input.logGroupName).sort()).toEqual(
      sampleLogGroups()
        .flowLogs.map((f) => f.LogGroupName)
        .sort(),
    );
    expect(done.statistics.insights).toMatchObject({ queries: 2, splits: 0, queryIds: insights.queries.map((q) => q.queryId) });
    expect(done.statistics.insights.recordsMatched).toBeGreaterThan(done.statistics.insights.rows);
    expect(done.statistics.bytesScanned).toBeGreaterThan(0);
    expect(done.statistics.estimatedCostUsd).toBeCloseTo((done.statistics.bytesScanned / 1024 ** 3) * 0.005, 9);
  }, 180_000);

  /** What the two analyses read of the window, record for record. */
  function expectSameRecordCounts(done: Record<string, any>, filesRun: Record<string, any>): void {
    for (const field of ['records', 'rejectedRecords', 'acceptedRecords', 'skipdataRecords', 'incompleteRecords', 'malformedLines']) {
      expect(done.statistics[field], field).toBe(filesRun.statistics[field]);
    }
  }

  it('S3 without Athena: only the window’s delivery prefixes listed page by page, every object streamed, the same findings and counts per hour', async () => {
    const filesTargetId = await createTarget(sampleTargetBody({ name: 'files-2' }));
    const filesRun = await analyse(server(), filesTargetId);

    listRequests.length = 0;
    const targetId = await createTarget(sampleTargetBody({ name: 's3', flowSource: { type: 's3', bucket: BUCKET, fileFormat: 'text' } }));
    const done = await analyse(server(), targetId);
    await expectSameAsFiles(targetId, filesTargetId);
    expect(done.statistics.findings.total).toBe(filesRun.statistics.findings.total);
    expect(done.statistics.records).toBe(filesRun.statistics.records);
    expect(done.statistics.skipdataRecords).toBe(filesRun.statistics.skipdataRecords);

    // The day of the window and the days its first and last hour of slack reach: 3 prefixes, the sample's in pages of 5.
    const prefixes = [...new Set(listRequests.map((r) => r.Prefix))];
    expect(prefixes).toEqual(['2026/11/23', '2026/11/24', '2026/11/25'].map((d) => `AWSLogs/111122223333/vpcflowlogs/eu-west-1/${d}/`));
    expect(listRequests.filter((r) => r.Prefix!.endsWith('24/')).length).toBe(Math.ceil(objects.size / 5));
    const bytes = [...objects.values()].reduce((sum, b) => sum + b.length, 0);
    expect(done.statistics.s3).toMatchObject({
      prefixes: 3,
      objectsListed: objects.size,
      objectsRead: objects.size,
      getRequests: objects.size,
      bytesRead: bytes,
    });
    expect(done.statistics.estimatedCostUsd).toBeCloseTo((listRequests.length * 0.005 + objects.size * 0.0004) / 1000, 9);
    expect(done.statistics.warnings ?? []).toEqual([]);
  }, 180_000);

  it('S3, a CloudWatch Logs export: everything under its prefix listed page by page, the exports written since the window began read, the same findings and counts per hour', async () => {
    // One flow log (version 2, the default format) published to CloudWatch Logs and exported by a task
    // run after the window: one log stream per interface, each event its record's start then the record.
    const FLOW_LOG = 'fl-0f9e8d7c6b5a43210';
    const TASK = '0a1b2c3d-4e5f-4061-8728-39a4b5c6d7e8';
    const OLD_TASK = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
    const flowLogKeys = [...objects.keys()].filter((k) => k.includes(`_${FLOW_LOG}_`)).sort();
    expect(flowLogKeys.length).toBeGreaterThan(0);
    const streams = new Map<string, string[]>();
    for (const key of flowLogKeys) {
      const [header, ...lines] = gunzipSync(objects.get(key)!).toString('utf8').split('\n');
      const fields = header.trim().split(' ');
      for (const line of lines.filter((l) => l.trim() !== '')) {
        const values = line.split(' ');
        const eni = values[fields.indexOf('interface-id')];
        const time = new Date(Number(values[fields.indexOf('start')]) * 1000).toISOString();
        streams.set(eni, [...(streams.get(eni) ?? []), `${time} ${line}`]);
      }
    }
    const exported: string[] = [];
    const put = (key: string, body: Buffer, written: Date) => {
      stored.set(key, body);
      lastModified.set(key, written);
      exported.push(key);
    };
    for (const [eni, events] of streams) {
      // An export cuts a stream into objects 000000.gz, 000001.gz …: here of at most 40 events.
      for (let part = 0; part * 40 < events.length; part++) {
        const body = gzipSync(events.slice(part * 40, part * 40 + 40).join('\n') + '\n');
        put(`exportedlogs/${TASK}/${eni}-all/${String(part).padStart(6, '0')}.gz`, body, new Date('2026-11-25T09:00:00Z'));
      }
    }
    put('exportedlogs/aws-logs-write-test', Buffer.from('Permission Check Successful'), new Date('2026-11-25T08:59:00Z'));
    // An export of an earlier range, written days before the window: never fetched.
    const old = `exportedlogs/${OLD_TASK}/eni-0f10e1d2c3b4a5f01-all/000000.gz`;
    put(
      old,
      gzipSync(
        '2026-11-19T10:00:00.000Z 2 111122223333 eni-0f10e1d2c3b4a5f01 10.50.1.10 10.20.30.11 43449 9102 6 4 240 1795082400 1795082460 REJECT OK\n',
      ),
      new Date('2026-11-19T12:00:00Z'),
    );

    const filesTargetId = await createTarget(
      sampleTargetBody({ name: 'files-export', flowSource: { type: 'files', paths: flowLogKeys.map((k) => `flows/${k}`) } }),
    );
    const filesRun = await analyse(server(), filesTargetId);
    listRequests.length = 0;
    const getsBefore = s3.commandCalls(GetObjectCommand).length;
    const targetId = await createTarget(
      sampleTargetBody({ name: 's3-export', flowSource: { type: 's3', bucket: BUCKET, delivery: 'cloudwatch-export' } }),
    );
    const done = await analyse(server(), targetId);
    await expectSameAsFiles(targetId, filesTargetId);
    expectSameRecordCounts(done, filesRun);

    expect(listRequests.map((r) => r.Prefix)).toEqual(Array(Math.ceil(exported.length / 5)).fill('exportedlogs/'));
    expect(listRequests.map((r) => r.ContinuationToken ?? null)).toEqual(listRequests.map((_, i) => (i === 0 ? null : `token-${i * 5}`)));
    const fetched = s3
      .commandCalls(GetObjectCommand)
      .slice(getsBefore)
      .map((call) => call.args[0].input.Key);
    expect(fetched.sort()).toEqual(exported.filter((k) => k !== old && !k.endsWith('aws-logs-write-test')).sort());
    expect(done.statistics.s3).toMatchObject({
      prefixes: 1,
      listRequests: listRequests.length,
      objectsListed: exported.length,
      objectsRead: exported.length - 2,
      getRequests: exported.length - 2,
      objectsSkipped: 2,
    });
    expect(done.statistics.warnings).toEqual([
      {
        file: `s3://${BUCKET}/${old}`,
        message: 'skipped: an export written before the window began: it holds only log events received before it was written',
      },
      {
        file: `s3://${BUCKET}/exportedlogs/aws-logs-write-test`,
        message: 'skipped: CloudWatch Logs export write test (the permission check an export task leaves), not log data',
      },
    ]);
  }, 180_000);

  it('S3, Firehose delivering a CloudWatch Logs subscription: the envelopes of the window’s hour prefixes read, their log events the records, the same findings and counts per hour', async () => {
    // One flow log (version 2, the default format) published to CloudWatch Logs, whose subscription
    // filter streams it to Data Firehose: each batch of a log stream's events one gzip-compressed
    // JSON envelope, the batches of an hour concatenated in one object under Firehose's UTC prefix.
    const FLOW_LOG = 'fl-0f9e8d7c6b5a43210';
    const flowLogKeys = [...objects.keys()].filter((k) => k.includes(`_${FLOW_LOG}_`)).sort();
    expect(flowLogKeys.length).toBeGreaterThan(0);
    const byHour = new Map<string, Map<string, string[]>>();
    for (const key of flowLogKeys) {
      const [header, ...lines] = gunzipSync(objects.get(key)!).toString('utf8').split('\n');
      const fields = header.trim().split(' ');
      for (const line of lines.filter((l) => l.trim() !== '')) {
        const values = line.split(' ');
        const hour = new Date(Number(values[fields.indexOf('start')]) * 1000).toISOString().slice(0, 13);
        const stream = `${values[fields.indexOf('interface-id')]}-all`;
        const streams = byHour.get(hour) ?? new Map<string, string[]>();
        streams.set(stream, [...(streams.get(stream) ?? []), line]);
        byHour.set(hour, streams);
      }
    }
    const control = gzipSync(
      JSON.stringify({
        messageType: 'CONTROL_MESSAGE',
        owner: 'CloudwatchLogs',
        logGroup: '',
        logStream: '',
        subscriptionFilters: [],
        logEvents: [],
      }),
    );
    const delivered: string[] = [];
    for (const [hour, streams] of byHour) {
      const members = [...streams].flatMap(([logStream, events]) =>
        // CloudWatch Logs batches a stream's events: here at most 25 to an envelope.
        Array.from({ length: Math.ceil(events.length / 25) }, (_, part) =>
          gzipSync(
            JSON.stringify({
              messageType: 'DATA_MESSAGE',
              owner: '111122223333',
              logGroup: sampleLogGroupOf(FLOW_LOG),
              logStream,
              subscriptionFilters: ['flow-logs-to-firehose'],
              logEvents: events.slice(part * 25, part * 25 + 25).map((message, i) => ({
                id: String(37952276182369254136406123869149570667850240000000000000n + BigInt(part * 25 + i)),
                timestamp: Date.parse(`${hour}:30:00Z`),
                message,
              })),
            }),
          ),
        ),
      );
      const [day, hh] = hour.split('T');
      const key = `cwl/${day.replaceAll('-', '/')}/${hh}/flow-logs-stream-1-${day}-${hh}-05-00-0a1b2c3d-4e5f-4061-8728-39a4b5c6d7e8`;
      stored.set(key, Buffer.concat([...(delivered.length === 0 ? [control] : []), ...members]));
      delivered.push(key);
    }

    const filesTargetId = await createTarget(
      sampleTargetBody({ name: 'files-subscription', flowSource: { type: 'files', paths: flowLogKeys.map((k) => `flows/${k}`) } }),
    );
    const filesRun = await analyse(server(), filesTargetId);
    const targetId = await createTarget(
      sampleTargetBody({
        name: 's3-subscription',
        flowSource: { type: 's3', bucket: BUCKET, delivery: 'firehose', prefix: 'cwl/', fileFormat: 'text' },
      }),
    );
    const done = await analyse(server(), targetId);
    await expectSameAsFiles(targetId, filesTargetId);
    expectSameRecordCounts(done, filesRun);
    expect(done.statistics.s3).toMatchObject({ objectsRead: delivered.length, objectsSkipped: 0 });
    expect(done.statistics.warnings ?? []).toEqual([]);
  }, 180_000);

  it('stores the settings of both sources with their defaults, and refuses what cannot name a bucket, log group or flow log', async () => {
    const cwl = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: 'cwl-settings', flowSource: { type: 'cloudwatch-logs', flowLogId: 'fl-0a1b2c3d4e5f67890' } }),
    );
    expect(cwl.status, JSON.stringify(cwl.body)).toBe(201);
    expect(cwl.body.flowSource).toEqual({
      type: 'cloudwatch-logs',
      logGroupName: null,
      flowLogId: 'fl-0a1b2c3d4e5f67890',
      logFormat: null,
    });
    const bucket = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({
        name: 's3-settings',
        flowSource: { type: 's3', bucket: BUCKET, fileFormat: 'parquet', hiveCompatible: true, prefix: 'central' },
      }),
    );
    expect(bucket.status, JSON.stringify(bucket.body)).toBe(201);
    expect(bucket.body.flowSource).toEqual({
      type: 's3',
      bucket: BUCKET,
      prefix: 'central',
      accountId: null,
      region: null,
      fileFormat: 'parquet',
      hiveCompatible: true,
      perHourPartitions: false,
      delivery: 'flow-logs',
      logFormat: null,
    });
    const exported = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: 's3-export-settings', flowSource: { type: 's3', bucket: BUCKET, delivery: 'cloudwatch-export' } }),
    );
    expect(exported.status, JSON.stringify(exported.body)).toBe(201);
    expect(exported.body.flowSource).toEqual({
      type: 's3',
      bucket: BUCKET,
      prefix: null,
      accountId: null,
      region: null,
      fileFormat: 'text',
      hiveCompatible: false,
      perHourPartitions: false,
      delivery: 'cloudwatch-export',
      logFormat: null,
    });
    const exportOf = (settings: Record<string, unknown>) => ({ type: 's3', bucket: BUCKET, delivery: 'cloudwatch-export', ...settings });
    const refused = [
      [{ type: 's3', fileFormat: 'text' }, 'flowSource.bucket'],
      // An export task writes gzip text under <prefix>/<task id>/<log stream>/: no Parquet, no date, account or region in its keys.
      [exportOf({ fileFormat: 'parquet' }), 'flowSource.fileFormat'],
      [exportOf({ hiveCompatible: true }), 'flowSource.hiveCompatible'],
      [exportOf({ perHourPartitions: true }), 'flowSource.perHourPartitions'],
      [exportOf({ accountId: '444455556666' }), 'flowSource.accountId'],
      [exportOf({ region: 'us-east-1' }), 'flowSource.region'],
      // Data Firehose writes under the stream's own prefix and <YYYY/MM/DD/HH>/: no Hive keys, no account or region in them.
      [{ type: 's3', bucket: BUCKET, delivery: 'firehose', fileFormat: 'text', hiveCompatible: true }, 'flowSource.hiveCompatible'],
      [{ type: 's3', bucket: BUCKET, delivery: 'firehose', fileFormat: 'text', accountId: '444455556666' }, 'flowSource.accountId'],
      [{ type: 's3', bucket: BUCKET, delivery: 'firehose', fileFormat: 'text', region: 'us-east-1' }, 'flowSource.region'],
      [{ type: 's3', bucket: 'Not_A_Bucket', fileFormat: 'text' }, 'flowSource.bucket'],
      [{ type: 's3', bucket: BUCKET, fileFormat: 'csv' }, 'flowSource.fileFormat'],
      [{ type: 's3', bucket: BUCKET, fileFormat: 'text', delivery: 'kinesis' }, 'flowSource.delivery'],
      [{ type: 'cloudwatch-logs', logGroupName: 'a"b' }, 'flowSource.logGroupName'],
      [{ type: 'cloudwatch-logs', flowLogId: 'vpc-123' }, 'flowSource.flowLogId'],
      [{ type: 'cloudwatch-logs', logFormat: '${version} ${nonsense field}' }, 'flowSource.logFormat'],
    ] as const;
    for (const [flowSource, field] of refused) {
      const response = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'refused', flowSource }));
      expect(response.status, JSON.stringify(flowSource)).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(response.body.errors), JSON.stringify(flowSource)).toContain(field);
    }
    // A field newer than sgdoctor is read as text, as the CLI reads it: not a reason to refuse the target.
    const newer =
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${foo-bar}';
    for (const flowSource of [
      { type: 'files', paths: ['flows'], logFormat: newer },
      { type: 'cloudwatch-logs', logGroupName: 'vpc-flow-logs', logFormat: newer },
    ]) {
      const response = await api(server()).post('/v1/targets', sampleTargetBody({ name: `newer ${flowSource.type}`, flowSource }));
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body.flowSource.logFormat).toBe(newer);
    }
  });
});
