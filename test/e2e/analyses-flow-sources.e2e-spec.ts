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
    const keys = [...objects.keys()].sort();
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      listRequests.push({ ...input });
      const matching = keys.filter((k) => k.startsWith(input.Prefix ?? ''));
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
        Contents: page.map((Key) => ({ Key, Size: objects.get(Key)!.length, StorageClass: 'STANDARD', ETag: '"e"' })),
      };
    });
    s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const bytes = objects.get(input.Key);
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
    const refused = [
      [{ type: 's3', fileFormat: 'text' }, 'flowSource.bucket'],
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
  });
});
