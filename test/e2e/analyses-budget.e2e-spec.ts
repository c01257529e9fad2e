import { ListObjectsV2Command, type ListObjectsV2CommandInput, type ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateAthenaCostUsd } from '../../src/aws/athena-flow-query';
import { FixedClock } from '../../src/common/clock/clock';
import type { TestApp } from '../support/app/test-app';
import { api, SAMPLE_WINDOW, sampleTargetBody, waitForAnalysis } from '../support/app/analysis-api';
import { AthenaEmulator, DEFAULT_TABLE } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleSnapshot, windowedSampleAggregates } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const BUCKET = 'shop-flow-logs-111122223333';
const DELIVERY = 'AWSLogs/111122223333/vpcflowlogs/eu-west-1/';
const OBJECT_BYTES = 100 * MIB;
/** Objects delivered per day prefix: the window of 2026-11-24 reads the day before and after too (the query's one-hour partition slack). */
const OBJECTS_PER_DAY: Record<string, number> = { '2026/11/23': 1200, '2026/11/24': 2400, '2026/11/25': 300 };
const WINDOW_OBJECTS = 1200 + 2400 + 300;
const WINDOW_BYTES = WINDOW_OBJECTS * OBJECT_BYTES;
const WINDOW_COST = estimateAthenaCostUsd(WINDOW_BYTES, 5);

const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';

function targetBody(budget: Record<string, number>): Record<string, unknown> {
  return {
    name: 'shop-prod',
    accountId: '111122223333',
    region: 'eu-west-1',
    configSource: { type: 'ec2' },
    flowSource: {
      type: 'athena',
      workgroup: 'sgdoctor',
      database: 'vpc_flow_logs',
      table: 'shop_flow_logs',
      outputLocation: 's3://shop-athena-results/sgdoctor/',
      layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
      logFormat: V5_FORMAT,
    },
    budget,
  };
}

/** The flow-log table as AWS's partition-projection DDL creates it: a projected `day` under the delivery prefix. */
const PROJECTED_TABLE = {
  ...DEFAULT_TABLE,
  parameters: {
    ...DEFAULT_TABLE.parameters,
    location: `s3://${BUCKET}/${DELIVERY}`,
    'storage.location.template': `s3://${BUCKET}/${DELIVERY}\${day}`,
  },
};

/** ListObjectsV2 as S3 answers it: keys in order, at most MaxKeys a page, an opaque continuation token. */
function listObjects(input: ListObjectsV2CommandInput): ListObjectsV2CommandOutput {
  const prefix = input.Prefix ?? '';
  const keys: string[] = [];
  for (const [day, count] of Object.entries(OBJECTS_PER_DAY)) {
    for (let i = 0; i < count; i += 1) {
      const key = `${DELIVERY}${day}/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f60001_${day.replace(/\//g, '')}T0000Z_${String(i).padStart(6, '0')}.log.gz`;
      if (key.startsWith(prefix)) keys.push(key);
    }
  }
  const maxKeys = Math.min(input.MaxKeys ?? 1000, 1000);
  const start = input.ContinuationToken ? Number(Buffer.from(input.ContinuationToken, 'base64').toString('utf8').split(':')[1]) : 0;
  const page = keys.slice(start, start + maxKeys);
  const truncated = start + maxKeys < keys.length;
  return {
    $metadata: { httpStatusCode: 200, requestId: 'list-objects', attempts: 1, totalRetryDelay: 0 },
    IsTruncated: truncated,
    Contents: page.map((Key) => ({
      Key,
      LastModified: new Date('2026-11-25T00:10:00Z'),
      ETag: '"9b2cf535f27731c974343645a3985328"',
      Size: OBJECT_BYTES,
      StorageClass: 'STANDARD',
    })),
    Name: input.Bucket,
    Prefix: prefix,
    MaxKeys: maxKeys,
    KeyCount: page.length,
    ...(input.ContinuationToken ? { ContinuationToken: input.ContinuationToken } : {}),
    ...(truncated ? { NextContinuationToken: Buffer.from(`token:${start + maxKeys}`).toString('base64') } : {}),
  };
}

describe('cost guard: a scan estimated from its partitions in S3 and refused over budget', () => {
  // The last minutes of November (UTC): the monthly budget turns over during the test.
  const clock = new FixedClock('2026-11-30T23:40:00Z');
  const s3 = mockClient(S3Client);
  const listings: ListObjectsV2CommandInput[] = [];
  let failNextListing = false;
  let testApp: TestApp;
  let account: MockedAwsAccount;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    account = new MockedAwsAccount(sampleSnapshot(), new AthenaEmulator(windowedSampleAggregates()));
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '2', QUEUE_BACKOFF_MS: '100', RATE_LIMIT_PER_MINUTE: '100000' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: 60_000 },
      clock,
    });
  });

  beforeEach(() => {
    account.reset();
    account.athena.table = PROJECTED_TABLE;
    s3.reset();
    listings.length = 0;
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      listings.push({ ...input });
      if (failNextListing) {
        failNextListing = false;
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
      }
      return listObjects(input);
    });
  });

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
    s3.restore();
  });

  it('refuses an analysis over the per-analysis budget before queueing it: 402 problem+json with the estimate', async () => {
    const target = await api(server()).post('/v1/targets', targetBody({ perAnalysisUsd: 1 }));
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    expect(target.body.budget).toEqual({ perAnalysisUsd: 1, monthlyUsd: null });

    const refused = await api(server()).post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW });
    expect(refused.status, JSON.stringify(refused.body)).toBe(402);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      code: 'BUDGET.EXCEEDED',
      limit: 'perAnalysis',
      estimate: {
        bytes: WINDOW_BYTES,
        objects: WINDOW_OBJECTS,
        costUsd: WINDOW_COST,
        basis: 'projection-template',
        prefixes: 3,
        complete: true,
        budget: { perAnalysisUsd: 1, monthlyUsd: null },
        month: { month: '2026-11', spentUsd: 0 },
      },
    });
    expect(WINDOW_COST).toBeGreaterThan(1.8);
    expect(refused.body.detail).toContain('USD 1.86');
    // The day prefixes of the window (with the query's partition slack), each listed to its last page of 1000 keys.
    expect([...new Set(listings.map((l) => `${l.Bucket}/${l.Prefix}`))].sort()).toEqual(
      ['2026/11/23', '2026/11/24', '2026/11/25'].map((day) => `${BUCKET}/${DELIVERY}${day}`),
    );
    expect(listings).toHaveLength(2 + 3 + 1);
    expect(listings.every((l) => l.MaxKeys === 1000)).toBe(true);
    // Nothing was recorded or scanned.
    expect((await api(server()).get(`/v1/analyses?targetId=${target.body.id}`)).body.items).toEqual([]);
    expect(account.athena.starts).toHaveLength(0);
  });

  it('a monthly budget: spending recorded per analysis and month, a scan that would go over fails permanently in the worker with its estimate, the next month starts afresh', async () => {
    const target = await api(server()).post('/v1/targets', targetBody({ monthlyUsd: 2.5 }));
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const targetId = target.body.id as string;
    const scanned = 300 * GIB;
    account.athena.scriptFor = () => ({ states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], dataScannedBytes: scanned });

    // First scan: estimated USD 1.86, nothing spent yet: it runs, and Athena's figures are recorded.
    const first = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const firstDone = await waitForAnalysis(server(), first.body.id);
    expect(firstDone.status, JSON.stringify(firstDone.failure)).toBe('succeeded');
    expect(firstDone.statistics).toMatchObject({
      bytesScanned: scanned,
      estimatedCostUsd: estimateAthenaCostUsd(scanned, 5),
      scanEstimate: { bytes: WINDOW_BYTES, costUsd: WINDOW_COST, complete: true, month: { month: '2026-11', spentUsd: 0 } },
    });
    const november = await api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`);
    expect(november.status).toBe(200);
    expect(november.body).toEqual({
      targetId,
      month: '2026-11',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      analyses: 1,
      queries: 1,
      queriesWithoutResult: 0,
      queriesUnsettled: 0,
      bytesScanned: scanned,
      costUsd: estimateAthenaCostUsd(scanned, 5),
      budget: { perAnalysisUsd: null, monthlyUsd: 2.5 },
      remainingUsd: 2.5 - estimateAthenaCostUsd(scanned, 5),
    });

    // Second scan: USD 1.46 spent + 1.86 estimated > 2.50. The API's quick listing is denied, so
    // the analysis is queued and the worker's own estimate refuses it before any query starts.
    failNextListing = true;
    const starts = account.athena.starts.length;
    const second = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    const secondDone = await waitForAnalysis(server(), second.body.id);
    expect(secondDone.status).toBe('failed');
    expect(secondDone.failure).toMatchObject({
      code: 'BUDGET.EXCEEDED',
      stage: 'query',
      permanent: true,
      details: {
        limit: 'monthly',
        estimate: { bytes: WINDOW_BYTES, costUsd: WINDOW_COST, month: { month: '2026-11', spentUsd: estimateAthenaCostUsd(scanned, 5) } },
      },
    });
    expect(secondDone.failure.reason).toContain('over its monthly budget of USD 2.50');
    expect(account.athena.starts.length).toBe(starts);

    // Asked through the API with the listing working, the same scan is refused before queueing.
    const third = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(third.status).toBe(402);
    expect(third.body).toMatchObject({ code: 'BUDGET.EXCEEDED', limit: 'monthly' });

    // December: nothing spent this month, the scan fits again.
    clock.set('2026-12-01T00:05:00Z');
    const december = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(december.status, JSON.stringify(december.body)).toBe(202);
    expect((await waitForAnalysis(server(), december.body.id)).status).toBe('succeeded');
    const now = await api(server()).get(`/v1/targets/${targetId}/costs`);
    expect(now.body).toMatchObject({ month: '2026-12', analyses: 1, bytesScanned: scanned });
    expect((await api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`)).body).toMatchObject({ analyses: 1 });
  });

  it('a query cancelled after scanning (a workgroup data limit) is billed for its scan: it counts in the month the budget check reads', async () => {
    const target = await api(server()).post('/v1/targets', { ...targetBody({ monthlyUsd: 2.5 }), name: 'shop-cancelled' });
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const targetId = target.body.id as string;
    const month = clock.now().toISOString().slice(0, 7);
    const scanned = 300 * GIB;
    account.athena.scriptFor = () => ({
      states: ['RUNNING', 'CANCELLED'],
      stateChangeReason: 'Query cancelled: the bytes scanned limit of the workgroup was exceeded',
      dataScannedBytes: scanned,
    });
    const first = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const failed = await waitForAnalysis(server(), first.body.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'ATHENA.CANCELLED' } });
    expect(failed.statistics).toMatchObject({ bytesScanned: scanned, estimatedCostUsd: estimateAthenaCostUsd(scanned, 5) });
    expect((await api(server()).get(`/v1/targets/${targetId}/costs?month=${month}`)).body).toMatchObject({
      analyses: 1,
      queries: 1,
      queriesWithoutResult: 1,
      bytesScanned: scanned,
      costUsd: estimateAthenaCostUsd(scanned, 5),
    });

    // USD 1.46 spent on the cancelled scan + 1.86 estimated > 2.50: refused before queueing.
    const second = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(second.status, JSON.stringify(second.body)).toBe(402);
    expect(second.body).toMatchObject({
      code: 'BUDGET.EXCEEDED',
      limit: 'monthly',
      estimate: { month: { month, spentUsd: estimateAthenaCostUsd(scanned, 5) } },
    });
  });

  it('a retry that re-reads the query its first try already paid for is not refused for paying it twice', async () => {
    const target = await api(server()).post('/v1/targets', { ...targetBody({ monthlyUsd: 2.5 }), name: 'shop-reread' });
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const targetId = target.body.id as string;
    const month = clock.now().toISOString().slice(0, 7);
    const scanned = 300 * GIB;
    account.athena.scriptFor = () => ({ states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], dataScannedBytes: scanned });
    // The query succeeds and is recorded; reading its rows is throttled past the SDK's retries once, so the job is retried.
    const emulator = account.athena;
    const getQueryResults = emulator.getQueryResults.bind(emulator);
    let throttled = false;
    emulator.getQueryResults = async (input) => {
      if (!throttled) {
        throttled = true;
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return getQueryResults(input);
    };
    try {
      const created = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const done = await waitForAnalysis(server(), created.body.id);
      // USD 1.46 recorded for the query + 1.86 estimated > 2.50, but the retry re-attaches to that query and scans nothing more.
      expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
      expect(throttled).toBe(true);
      expect(
        account.athena.starts.filter((start) => start.ClientRequestToken === account.athena.starts[0]!.ClientRequestToken),
      ).toHaveLength(account.athena.starts.length);
      expect(new Set(account.athena.queries.map((query) => query.id)).size).toBe(1);
      expect((await api(server()).get(`/v1/targets/${targetId}/costs?month=${month}`)).body).toMatchObject({
        analyses: 1,
        queries: 1,
        costUsd: estimateAthenaCostUsd(scanned, 5),
      });
    } finally {
      emulator.getQueryResults = getQueryResults;
    }
  });

  it('validates budgets and the month asked for', async () => {
    const negative = await api(server()).post('/v1/targets', targetBody({ perAnalysisUsd: -1 }));
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body.errors)).toContain('perAnalysisUsd');
    const target = await api(server()).post('/v1/targets', targetBody({ monthlyUsd: 10 }));
    const badMonth = await api(server()).get(`/v1/targets/${target.body.id}/costs?month=2026-13`);
    expect(badMonth.status).toBe(400);
    // A budget bounds Athena's scans: a target reading files has none to bound, and is told so.
    const onFiles = await api(server()).post('/v1/targets', sampleTargetBody({ budget: { monthlyUsd: 1 } }));
    expect(onFiles.status).toBe(400);
    expect(onFiles.body.errors).toEqual([
      expect.objectContaining({ field: 'budget', message: expect.stringMatching(/Athena flow source only/) }),
    ]);
    const toFiles = await api(server()).patch(`/v1/targets/${target.body.id}`, { flowSource: { type: 'files', paths: ['flows'] } });
    expect(toFiles.status).toBe(400);
    expect(toFiles.body.errors[0].field).toBe('budget');
    const removed = await api(server()).patch(`/v1/targets/${target.body.id}`, { budget: {} });
    expect(removed.status).toBe(200);
    expect(removed.body.budget).toBeNull();
  });
});
