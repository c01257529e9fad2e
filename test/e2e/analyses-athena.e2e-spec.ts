import {
  DescribeFlowLogsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateAthenaCostUsd } from '../../src/aws/athena-flow-query';
import type { NetworkSnapshot } from '../../src/engine/network/snapshot';
import type { TestApp } from '../support/app/test-app';
import { allFindings, analyse, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';
import { AthenaEmulator, DEFAULT_TABLE } from '../support/aws/aws-athena-emulator';
import { acceptEvidence } from '../support/aws/aws-athena-evidence';
import { EC2_LIST_CALLS, MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleAggregates, sampleSnapshot, windowedSampleAggregates } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { networkAclRuleQuotaOf, ruleQuotaOf } from '../support/factories/service-quota';

/** The format of the VPC's flow log (version 5 fields), which the Athena table is declared with. */
const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';
const GIB = 1024 ** 3;

function athenaTargetBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
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
    ...overrides,
  };
}

type Counts = Array<{ from: string; records: number }>;

/** Each finding's counts over time (GET /v1/findings/:id evidence), by fingerprint. */
async function countsOverTime(server: Parameters<typeof api>[0], targetId: string): Promise<Map<string, Counts>> {
  const counts = new Map<string, Counts>();
  for (const finding of await allFindings(server, targetId)) {
    const detail = await api(server).get(`/v1/findings/${finding.id}`);
    expect(detail.status).toBe(200);
    counts.set(finding.fingerprint, detail.body.evidence.countsOverTime);
  }
  return counts;
}

/** What a finding is, independent of the target it belongs to. */
const identity = (f: Record<string, unknown>) => [f.fingerprint, f.classification, f.severity, f.records];
const byFingerprint = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));

describe('analyses of an AWS account: EC2 snapshot and Athena aggregates through the job', () => {
  let testApp: TestApp;
  let account: MockedAwsAccount;
  let snapshot: NetworkSnapshot;
  let aggregates: Awaited<ReturnType<typeof sampleAggregates>>;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    snapshot = sampleSnapshot();
    aggregates = await sampleAggregates();
    // Each query is answered for the window its parameters bind, from the sample records.
    account = new MockedAwsAccount(snapshot, new AthenaEmulator(windowedSampleAggregates()));
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '3', QUEUE_BACKOFF_MS: '100', RATE_LIMIT_PER_MINUTE: '100000' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: 60_000 },
    });
  });

  beforeEach(() => account.reset());

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
  });

  async function createTarget(body: Record<string, unknown>): Promise<string> {
    const created = await api(server()).post('/v1/targets', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  it('reads the snapshot page by page, queries Athena with bound parameters, and finds what the files-based analysis finds', async () => {
    const scanned = 9 * GIB + 17;
    account.athena.scriptFor = () => ({ states: ['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'], dataScannedBytes: scanned });
    const targetId = await createTarget(athenaTargetBody());
    const done = await analyse(server(), targetId);

    // EC2: every list read to its last page; the snapshot kept on the analysis is the account's configuration.
    const groupPages = account.ec2Calls(DescribeSecurityGroupsCommand.name).map((input) => [input.NextToken ?? null, input.MaxResults]);
    expect(groupPages).toEqual([
      [null, 1000],
      ['SecurityGroups-next-4', 1000],
      ['SecurityGroups-next-8', 1000],
    ]);
    expect(account.ec2Calls(DescribeNetworkInterfacesCommand.name)).toHaveLength(Math.ceil(snapshot.NetworkInterfaces!.length / 4));
    for (const [command] of EC2_LIST_CALLS) expect(account.ec2Calls(command.name).length, command.name).toBeGreaterThan(0);
    expect(account.ec2Calls(DescribeStaleSecurityGroupsCommand.name).map((input) => input.VpcId)).toEqual(
      snapshot.Vpcs!.map((vpc) => vpc.VpcId),
    );
    expect(account.ec2Calls(DescribeFlowLogsCommand.name)[0]).not.toHaveProperty('Filter');
    expect(account.ec2Calls(GetManagedPrefixListEntriesCommand.name).map((input) => input.PrefixListId)).toEqual(['pl-0a1b2c3d4e5f67890']);
    const [stored] = await testApp.app.get(DataSource).query('SELECT "snapshot" FROM "analyses" WHERE "id" = $1', [done.id]);
    expect(stored.snapshot).toEqual({
      ...snapshot,
      SecurityGroupRules: [],
      RouteTables: [],
      TransitGateways: [],
      TransitGatewayVpcAttachments: [],
      // DescribeStaleSecurityGroups, once for each VPC: no stale rules in the account.
      StaleSecurityGroupSet: [],
      // The account's rule quotas (per group, per network ACL) in the region, as Service Quotas gives them.
      ServiceQuotas: [ruleQuotaOf(60, { region: 'eu-west-1' }), networkAclRuleQuotaOf(20, { region: 'eu-west-1' })],
    });

    // Athena: one query, one scan of the window, named table, values only as execution parameters.
    expect(account.athena.starts).toHaveLength(1);
    const [start] = account.athena.starts;
    expect(start.QueryString).toContain('FROM "AwsDataCatalog"."vpc_flow_logs"."shop_flow_logs"');
    expect(start.QueryString!.split('FROM "AwsDataCatalog"').length - 1).toBe(1);
    // The actions and the window are bound; the reasons' constants (SKIPDATA, OK, the number pattern, the
    // directions) are written into the projection, where Athena binds no `?`.
    expect(start.QueryString).not.toMatch(/'ACCEPT'|2026/);
    expect(start.QueryString).toContain(`"log_status" NOT IN ('OK', '-')`);
    expect(start.QueryString!.split('?').length - 1).toBe(start.ExecutionParameters!.length);
    expect(start.WorkGroup).toBe('sgdoctor');
    expect(start.ResultConfiguration).toEqual({ OutputLocation: 's3://shop-athena-results/sgdoctor/' });
    expect(start.ClientRequestToken).toMatch(/^sgdoctor-window-[0-9a-f]{32,}$/);
    const fromSec = String(Date.parse(SAMPLE_WINDOW.from) / 1000);
    const toSec = String(Date.parse(SAMPLE_WINDOW.to) / 1000);
    // The WHERE clause's values: the actions and SKIPDATA, the window's end and start, its partitions.
    expect(start.ExecutionParameters).toEqual(["'REJECT'", "'ACCEPT'", "'SKIPDATA'", toSec, fromSec, "'2026/11/23'", "'2026/11/25'"]);

    // Results: the REJECT aggregates, only the ACCEPT evidence and the counts of what was left out, page by page,
    // never more than 1000 rows asked for.
    const evidence = acceptEvidence(aggregates.reject, aggregates.accept);
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence.length).toBeLessThan(aggregates.accept.length);
    const pages = Math.ceil((1 + aggregates.reject.length + evidence.length + aggregates.unread.length) / 1000);
    expect(account.athena.resultRequests.every((r) => r.MaxResults !== undefined && r.MaxResults <= 1000)).toBe(true);
    expect(account.athena.resultRequests.map((r) => r.NextToken ?? null)).toEqual([
      null,
      ...Array.from({ length: pages - 1 }, (_, i) => `results-next-${i + 1}`),
    ]);

    // Statistics: the bytes of the one scan and the cost Athena bills for them.
    const ids = account.athena.queries.map((q) => q.id);
    expect(done.statistics).toMatchObject({
      bytesScanned: scanned,
      queryExecutionIds: ids,
      aggregates: aggregates.reject.length + evidence.length,
      rejectedRecords: aggregates.reject.reduce((sum, a) => sum + a.records, 0),
    });
    expect(done.statistics.estimatedCostUsd).toBeCloseTo(estimateAthenaCostUsd(scanned, 5), 12);
    expect(done.statistics.estimatedCostUsd).toBeGreaterThan(0);

    // The same data through the files-based path gives the same findings.
    const filesTargetId = await createTarget(sampleTargetBody({ name: 'files' }));
    const filesRun = await analyse(server(), filesTargetId);
    const fromAthena = (await allFindings(server(), targetId)).map(identity).sort(byFingerprint);
    const fromFiles = (await allFindings(server(), filesTargetId)).map(identity).sort(byFingerprint);
    expect(fromAthena.length).toBeGreaterThan(0);
    expect(fromAthena).toEqual(fromFiles);
    expect(done.statistics.findings.total).toBe(filesRun.statistics.findings.total);

    // What the window left out, counted by the same query, where the files source shows it: the samples' SKIPDATA
    // record (the shop log's capture at 11:00), in the statistics and in the coverage's degraded signals.
    expect(aggregates.unread).toEqual([{ reason: 'skipdata', records: 1 }]);
    for (const field of ['skipdataRecords', 'incompleteRecords', 'malformedLines'] as const) {
      expect(done.statistics[field], field).toBe(filesRun.statistics[field]);
    }
    expect(done.statistics.skipdataRecords).toBe(1);
    const skipped = (run: Record<string, any>) => run.statistics.degradedSignals.filter((s: { kind: string }) => s.kind === 'skipped-data');
    expect(skipped(done)).toEqual(skipped(filesRun));
    expect(skipped(done)).toEqual([expect.objectContaining({ detail: expect.stringMatching(/^1 SKIPDATA /) })]);

    // Counts over time: the REJECT query's records per hour give every finding the files path's hourly evidence.
    const athenaCounts = await countsOverTime(server(), targetId);
    const filesCounts = await countsOverTime(server(), filesTargetId);
    expect(athenaCounts).toEqual(filesCounts);
    const hours = [...athenaCounts.values()].map((counts) => counts.length);
    expect(Math.max(...hours)).toBeGreaterThan(12);
    for (const counts of athenaCounts.values()) {
      for (const { from } of counts) expect(Date.parse(from) % 3_600_000, from).toBe(0);
    }
  });

  it('re-analysing overlapping windows, on the hour or not, keeps each finding at its records per hour: no hour counted twice or shrunk', async () => {
    const targetId = await createTarget(athenaTargetBody({ name: 'overlapping' }));
    await analyse(server(), targetId);
    // Overlaps the day's last 13 hours, then 5 in its middle: those hours are read again and replaced.
    // Both windows start at an hour in which a rejected record of the hour before still ends.
    await analyse(server(), targetId, { from: '2026-11-24T11:00:00Z', to: SAMPLE_WINDOW.to });
    await analyse(server(), targetId, { from: '2026-11-24T13:00:00Z', to: '2026-11-24T18:00:00Z' });
    // A window off the hour sees only part of its first and last hours: they must not shrink.
    await analyse(server(), targetId, { from: '2026-11-24T14:30:00Z', to: '2026-11-24T16:20:00Z' });
    // The window's end and start: after the actions and SKIPDATA.
    const windows = account.athena.queries.filter((q) => q.kind === 'window').map((q) => q.input.ExecutionParameters!.slice(3, 5));
    expect(windows).toHaveLength(4);
    expect(new Set(windows.map(String)).size).toBe(4);

    const filesTargetId = await createTarget(sampleTargetBody({ name: 'one-day' }));
    await analyse(server(), filesTargetId);
    const oneDay = await countsOverTime(server(), filesTargetId);
    const overlapped = await countsOverTime(server(), targetId);
    expect([...overlapped.keys()].sort()).toEqual([...oneDay.keys()].sort());
    expect(overlapped).toEqual(oneDay);
    // The findings' records are the sums of their hours, as after the single day's analysis.
    const records = async (id: string) => Object.fromEntries((await allFindings(server(), id)).map((f) => [f.fingerprint, f.records]));
    expect(await records(targetId)).toEqual(await records(filesTargetId));
  });

  it('a job retried after a transient error starts no second query: the same ClientRequestToken re-attaches to it', async () => {
    let failures = 0;
    account.athena.onPoll = (query, state) => {
      if (query.kind === 'window' && state === 'RUNNING' && failures === 0) {
        failures += 1;
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
          name: 'InternalServerException',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      }
    };
    const targetId = await createTarget(athenaTargetBody({ name: 'redelivered' }));
    const done = await analyse(server(), targetId);

    expect(failures).toBe(1);
    const rejectStarts = account.athena.starts;
    expect(rejectStarts).toHaveLength(2);
    expect(rejectStarts[0].ClientRequestToken).toBe(rejectStarts[1].ClientRequestToken);
    expect(rejectStarts[0].QueryString).toBe(rejectStarts[1].QueryString);
    expect(account.athena.queries.filter((q) => q.kind === 'window')).toHaveLength(1);
    expect(done.statistics.queryExecutionIds).toEqual(account.athena.queries.map((q) => q.id));
    expect(done.attempt).toBe(0);
    // A success is not reported with the failure of the attempt before it.
    expect(done.failure).toBeNull();
  });

  it('a FAILED query fails the analysis with Athena’s reason; a retry runs a fresh query to success', async () => {
    const reason = "TABLE_NOT_FOUND: line 31:12: Table 'awsdatacatalog.vpc_flow_logs.shop_flow_logs' does not exist";
    account.athena.scriptFor = (kind, started) =>
      kind === 'window' && started === 0
        ? {
            states: ['QUEUED', 'RUNNING', 'FAILED'],
            stateChangeReason: reason,
            athenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: reason },
          }
        : { states: ['RUNNING', 'SUCCEEDED'], dataScannedBytes: 1024 };
    const targetId = await createTarget(athenaTargetBody({ name: 'failing' }));
    const created = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(created.status).toBe(202);
    const failed = await waitForAnalysis(server(), created.body.id);
    expect(failed.status).toBe('failed');
    const failedQuery = account.athena.queries[0];
    expect(failed.failure).toMatchObject({ code: 'ATHENA.FAILED', stage: 'query', permanent: true });
    expect(failed.failure.reason).toBe(`Athena query ${failedQuery.id} failed: ${reason}`);
    // Athena's own category says whose the error is: the table named is the user's.
    expect(failed.failure.details).toEqual({
      athenaError: { category: 'user', errorCategory: 2, type: 1301, retryable: false, message: reason },
    });
    // A permanent failure is not retried by the queue: one query, one start.
    expect(account.athena.starts).toHaveLength(1);
    expect(await allFindings(server(), targetId)).toHaveLength(0);

    const retried = await api(server()).post(`/v1/analyses/${created.body.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'queued', attempt: 1, failure: null });
    const done = await waitForAnalysis(server(), created.body.id);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    const rejectQueries = account.athena.queries.filter((q) => q.kind === 'window');
    expect(rejectQueries).toHaveLength(2);
    expect(rejectQueries[1].token).not.toBe(rejectQueries[0].token);
    expect(done.statistics.queryExecutionIds).toContain(rejectQueries[1].id);
    expect(done.statistics.queryExecutionIds).not.toContain(failedQuery.id);
    expect((await allFindings(server(), targetId)).length).toBe(done.statistics.findings.total);
  });

  it('cancelling while the query runs stops it in Athena and ends the analysis cancelled', async () => {
    account.athena.scriptFor = () => ({ states: ['QUEUED', 'RUNNING'] });
    const targetId = await createTarget(athenaTargetBody({ name: 'cancelled' }));
    const created = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    await until(() => account.athena.queries.some((q) => q.polls >= 2), 'the query to be running');

    const cancelled = await api(server()).post(`/v1/analyses/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await until(() => account.athena.stops.length > 0, 'StopQueryExecution');
    expect(account.athena.stops).toEqual([account.athena.queries[0].id]);

    // The worker lets go: no results are read, no other query starts, nothing is persisted.
    const pollsAtStop = account.athena.queries[0].polls;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(account.athena.queries[0].polls).toBeLessThanOrEqual(pollsAtStop + 1);
    expect(account.athena.resultRequests).toHaveLength(0);
    expect(account.athena.starts).toHaveLength(1);
    const final = await api(server()).get(`/v1/analyses/${created.body.id}`);
    expect(final.body).toMatchObject({ status: 'cancelled', failure: { code: 'ANALYSIS.CANCELLED' } });
    expect(await allFindings(server(), targetId)).toHaveLength(0);

    // An explicit retry is a new attempt: a fresh query under a new token, run to success.
    account.athena.scriptFor = () => ({ states: ['RUNNING', 'SUCCEEDED'] });
    const retried = await api(server()).post(`/v1/analyses/${created.body.id}/retry`);
    expect(retried.status).toBe(202);
    const done = await waitForAnalysis(server(), created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 1, failure: null });
    const rejectQueries = account.athena.queries.filter((q) => q.kind === 'window');
    expect(rejectQueries).toHaveLength(2);
    expect(rejectQueries[1].token).not.toBe(rejectQueries[0].token);
    expect(done.statistics.queryExecutionIds).not.toContain(rejectQueries[0].id);
  });

  it('reads the table again before each analysis: a date-typed partition is compared as a date, a table without the needed columns fails before any query', async () => {
    const targetId = await createTarget(athenaTargetBody({ name: 'retyped' }));
    // The table was re-created with `day` as a date since the target was stored (as AWS's documentation creates it).
    account.athena.table = { ...DEFAULT_TABLE, partitionKeys: [{ Name: 'day', Type: 'date' }] };
    await analyse(server(), targetId);
    const [start] = account.athena.starts;
    expect(start.QueryString).toContain('"day" BETWEEN CAST(? AS date) AND CAST(? AS date)');
    expect(start.ExecutionParameters!.slice(-2)).toEqual(["'2026-11-23'", "'2026-11-25'"]);
    expect(account.athena.tableRequests.at(-1)).toMatchObject({
      CatalogName: 'AwsDataCatalog',
      DatabaseName: 'vpc_flow_logs',
      TableName: 'shop_flow_logs',
    });

    account.athena.reset();
    account.athena.table = { ...DEFAULT_TABLE, columns: DEFAULT_TABLE.columns.filter((c) => c.Name !== 'action') };
    const created = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    const failed = await waitForAnalysis(server(), created.body.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'AWS.INVALID_CONFIGURATION', stage: 'query', permanent: true } });
    expect(failed.failure.reason).toMatch(/shop_flow_logs cannot be queried: flowSource.table: the table has no column action/);
    expect(account.athena.starts).toHaveLength(0);
  });

  it('a scope naming a VPC EC2 no longer describes is analysed over what exists, the missing VPC named; a scope of none of them fails', async () => {
    const [kept] = snapshot.Vpcs!;
    const gone = 'vpc-0d1e2f3a4b5c6d7e8';
    const partial = await createTarget(athenaTargetBody({ name: 'vpc-deleted', scope: { vpcIds: [kept.VpcId, gone] } }));
    const done = await analyse(server(), partial);
    const read = await api(server()).get(`/v1/analyses/${done.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'succeeded', failure: null });
    expect(read.body.statistics.scopeNotDescribed).toEqual({ vpcIds: [gone], subnetIds: [] });
    expect(read.body.statistics.warnings).toContainEqual({ file: gone, message: expect.stringContaining('EC2 does not describe it') });
    expect(read.body.statistics.findings.total).toBeGreaterThan(0);

    const mistyped = await createTarget(athenaTargetBody({ name: 'vpc-mistyped', scope: { vpcIds: [gone] } }));
    const created = await api(server()).post('/v1/analyses', { targetId: mistyped, ...SAMPLE_WINDOW });
    const failed = await waitForAnalysis(server(), created.body.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'AWS.INVALID_CONFIGURATION', stage: 'snapshot', permanent: true } });
    expect(failed.failure.reason).toBe(
      `the target's scope names ${gone}, which EC2 does not describe in account 111122223333, eu-west-1: check the ids and the target's region, or take them out of the scope`,
    );
    expect(account.athena.starts).toHaveLength(1);
  });

  it('a target without logFormat reads the LogFormat of the flow log at its logDestination, among S3 flow logs of different formats', async () => {
    // Two flow logs share the bucket under different prefixes: the VPC's (version 5 fields) and a subnet's (version 2).
    const [vpcLog, subnetLog] = snapshot.FlowLogs!;
    expect(vpcLog.LogFormat).toBe(V5_FORMAT);
    expect(subnetLog.LogFormat).not.toBe(V5_FORMAT);
    account.reset({ FlowLogs: [vpcLog, { ...subnetLog, LogDestination: `${vpcLog.LogDestination}/subnet-rejects` }] });
    const { logFormat: _format, ...flowSource } = athenaTargetBody().flowSource as Record<string, unknown>;
    const targetAt = (name: string, logDestination?: string) =>
      createTarget(athenaTargetBody({ name, flowSource: { ...flowSource, ...(logDestination ? { logDestination } : {}) } }));

    // Without a destination the formats are ambiguous: the analysis fails saying what to set.
    const ambiguous = await api(server()).post('/v1/analyses', { targetId: await targetAt('ambiguous'), ...SAMPLE_WINDOW });
    const failed = await waitForAnalysis(server(), ambiguous.body.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'AWS.INVALID_CONFIGURATION', stage: 'query', permanent: true } });
    expect(failed.failure.reason).toMatch(/different formats: set the table’s logFormat or logDestination/);
    expect(account.athena.starts).toHaveLength(0);

    // The VPC log's destination, as an s3:// URL: the query reads the version 5 columns (vpc-id among them).
    const vpcTarget = await targetAt('vpc-log', 's3://shop-flow-logs-111122223333/');
    const done = await analyse(server(), vpcTarget);
    expect(account.athena.starts).toHaveLength(1);
    for (const start of account.athena.starts) {
      expect(start.QueryString).not.toContain('CAST(NULL AS varchar) AS vpc_id');
      expect(start.QueryString).toContain('"vpc_id"');
    }
    expect(done.statistics.aggregates).toBe(aggregates.reject.length + acceptEvidence(aggregates.reject, aggregates.accept).length);
    expect((await allFindings(server(), vpcTarget)).length).toBe(done.statistics.findings.total);

    // The subnet log's destination, as its ARN: the version 2 columns, no vpc-id.
    account.athena.reset();
    await analyse(server(), await targetAt('subnet-log', `${vpcLog.LogDestination}/subnet-rejects`));
    expect(account.athena.starts).toHaveLength(1);
    for (const start of account.athena.starts) expect(start.QueryString).toContain('CAST(NULL AS varchar) AS vpc_id');
  });
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
