import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateAthenaCostUsd } from '../../src/aws/athena-flow-query';
import type { FlowAggregate } from '../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../src/engine/network/snapshot';
import type { TestApp } from '../support/app/test-app';
import { allFindings, analyse, api, SAMPLE_WINDOW, sampleTargetBody, waitForAnalysis } from '../support/app/analysis-api';
import { AthenaEmulator, type QueryScript } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleAggregates, sampleSnapshot } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { acceptEvidence } from '../support/aws/aws-athena-evidence';
import { AwsWireHandler } from '../support/aws/aws-wire-handler';
import { athenaError, athenaOperation, athenaResponse, describeVpcsXml, ec2Error } from '../support/aws/aws-wire-responses';

// Taken before aws-sdk-client-mock replaces it: DescribeVpcs goes through the real client stack.
const realEc2Send = EC2Client.prototype.send as (this: EC2Client, command: DescribeVpcsCommand) => Promise<unknown>;

const QUERY_TIMEOUT_MS = 3000;
const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';

const athenaTarget = (name: string) => ({
  name,
  accountId: '111122223333',
  region: 'eu-west-1',
  configSource: { type: 'ec2' },
  flowSource: { type: 'athena', database: 'vpc_flow_logs', table: 'shop_flow_logs', layout: { type: 'none' }, logFormat: V5_FORMAT },
});

/**
 * Athena is reached over HTTP here (a wire handler under the real clients), and so is EC2
 * DescribeVpcs: throttling answers go through the SDK's own retry strategy, as against AWS.
 */
describe('Athena-backed analyses: throttling and slow queries', () => {
  let testApp: TestApp;
  let account: MockedAwsAccount;
  let emulator: AthenaEmulator;
  let snapshot: NetworkSnapshot;
  let aggregates: { reject: FlowAggregate[]; accept: FlowAggregate[] };
  /** Error codes to answer, in order, before an operation is served. */
  let throttles: Record<string, string[]>;
  const server = () => testApp.app.getHttpServer();

  const handler = new AwsWireHandler(async (request) => {
    const operation = athenaOperation(request) ?? new URLSearchParams(request.body).get('Action') ?? 'unknown';
    const throttle = throttles[operation]?.shift();
    if (athenaOperation(request))
      return throttle ? athenaError(throttle, 'Rate exceeded') : athenaResponse(emulator, operation, request.body);
    if (throttle) return ec2Error(throttle, 'Request limit exceeded.');
    if (operation !== 'DescribeVpcs') return ec2Error('UnsupportedOperation', `${operation} is not served here`, 400);
    const vpcs = snapshot.Vpcs ?? [];
    return new URLSearchParams(request.body).get('NextToken') === 'vpcs-2'
      ? describeVpcsXml(vpcs.slice(1))
      : describeVpcsXml(vpcs.slice(0, 1), 'vpcs-2');
  });

  beforeAll(async () => {
    snapshot = sampleSnapshot();
    aggregates = await sampleAggregates();
    emulator = new AthenaEmulator(aggregates);
    account = new MockedAwsAccount(snapshot, emulator, { mockAthena: false });
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '1' },
      clientConfig: { requestHandler: handler },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: QUERY_TIMEOUT_MS },
    });
  });

  beforeEach(() => {
    account.reset();
    account.ec2
      .on(DescribeVpcsCommand)
      .callsFake((input, getClient) => realEc2Send.call(getClient() as EC2Client, new DescribeVpcsCommand(input)));
    handler.requests.length = 0;
    throttles = {};
  });

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
  });

  const requestsOf = (operation: string) =>
    handler.requests.filter((r) => (athenaOperation(r) ?? new URLSearchParams(r.body).get('Action')) === operation);
  const sdkAttempt = (r: { headers: Record<string, string> }) => r.headers['amz-sdk-request'];

  // Adaptive retry (the production default) also slows the calls after a throttle: allow the time it takes.
  it(
    'RequestLimitExceeded, ThrottlingException and TooManyRequestsException are absorbed by the SDK retry strategy',
    { timeout: 120_000 },
    async () => {
      throttles = {
        DescribeVpcs: ['RequestLimitExceeded', 'RequestLimitExceeded'],
        StartQueryExecution: ['ThrottlingException', 'ThrottlingException'],
        GetQueryResults: ['TooManyRequestsException'],
      };
      const created = await api(server()).post('/v1/targets', athenaTarget('throttled'));
      const done = await analyse(server(), created.body.id);
      // QUEUE_ATTEMPTS=1: any error the SDK had not absorbed would have failed the analysis.
      expect(done.failure).toBeNull();

      const vpcCalls = requestsOf('DescribeVpcs');
      expect(vpcCalls.map(sdkAttempt)).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3', 'attempt=1; max=3']);
      const starts = requestsOf('StartQueryExecution');
      // One query per window: the throttled attempts and the one that got through.
      expect(starts.map(sdkAttempt)).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3']);
      // The throttled attempts and the one that got through carry one token: one query started, not three.
      const tokens = starts.map((r) => JSON.parse(r.body).ClientRequestToken);
      expect(new Set(tokens.slice(0, 3)).size).toBe(1);
      expect(emulator.queries).toHaveLength(1);
      expect(requestsOf('GetQueryResults').map(sdkAttempt).slice(0, 2)).toEqual(['attempt=1; max=3', 'attempt=2; max=3']);

      // What came over the wire is the account's configuration and its flows.
      const [stored] = await testApp.app.get(DataSource).query('SELECT "snapshot" FROM "analyses" WHERE "id" = $1', [done.id]);
      expect(stored.snapshot.Vpcs).toEqual(snapshot.Vpcs);
      expect(done.statistics.aggregates).toBe(aggregates.reject.length + acceptEvidence(aggregates.reject, aggregates.accept).length);
      const files = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'files' }));
      await analyse(server(), files.body.id);
      const fingerprints = async (targetId: string) =>
        (await allFindings(server(), targetId)).map((f) => `${f.fingerprint} ${f.classification}`).sort();
      expect(await fingerprints(created.body.id)).toEqual(await fingerprints(files.body.id));
    },
  );

  it('a query still running at the timeout is stopped and the analysis fails saying so', async () => {
    emulator.scriptFor = () => ({ states: ['QUEUED', 'RUNNING'] });
    const created = await api(server()).post('/v1/targets', athenaTarget('slow'));
    const analysis = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const started = Date.now();
    const failed = await waitForAnalysis(server(), analysis.body.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS);

    const [query] = emulator.queries;
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ code: 'ATHENA.TIMEOUT', stage: 'query' });
    expect(failed.failure.reason).toBe(
      `Athena query ${query.id} timeout: Athena query ${query.id} still RUNNING after ${QUERY_TIMEOUT_MS} ms; stopped`,
    );
    expect(emulator.stops).toEqual([query.id]);
    expect(requestsOf('StopQueryExecution').map((r) => JSON.parse(r.body))).toEqual([{ QueryExecutionId: query.id }]);
    expect(emulator.queries).toHaveLength(1);
    expect(await allFindings(server(), created.body.id)).toHaveLength(0);
  });

  it(
    'a StopQueryExecution throttled past the SDK’s retries on the timeout: the timeout stays the reason, the stop failure named with it',
    { timeout: 120_000 },
    async () => {
      emulator.scriptFor = () => ({ states: ['QUEUED', 'RUNNING'], runningScannedBytes: 4096 });
      throttles = { StopQueryExecution: ['ThrottlingException', 'ThrottlingException', 'ThrottlingException'] };
      const created = await api(server()).post('/v1/targets', athenaTarget('stop-throttled'));
      const analysis = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
      const failed = await waitForAnalysis(server(), analysis.body.id);

      const [query] = emulator.queries;
      expect(requestsOf('StopQueryExecution').map(sdkAttempt)).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3']);
      expect(emulator.stops).toEqual([]);
      expect(failed).toMatchObject({ status: 'failed', failure: { code: 'ATHENA.TIMEOUT', stage: 'query', permanent: false } });
      expect(failed.failure.reason).toMatch(
        new RegExp(
          `^Athena query ${query.id} timeout: Athena query ${query.id} still RUNNING after ${QUERY_TIMEOUT_MS} ms; stopping it failed`,
        ),
      );
      expect(failed.failure.reason).toContain('athena:StopQueryExecution (account 111122223333, eu-west-1): Rate exceeded');
      // What it had scanned when it was given up on counts, marked so that a retry stops it rather than waiting for it again.
      expect(failed.statistics.athenaQueries).toEqual([
        {
          queryExecutionId: query.id,
          attempt: 0,
          state: 'RUNNING',
          bytesScanned: 4096,
          costUsd: estimateAthenaCostUsd(4096, 5),
          timedOut: true,
        },
      ]);
    },
  );
});

/**
 * With the queue allowed a second attempt, a query that died on the first one (stopped on the
 * timeout, or FAILED with a reason Athena calls retryable) does not doom the retry: the retry
 * finds it dead through its token and starts the next generation's query.
 */
describe('Athena-backed analyses: the queue’s retry after a dead query', () => {
  const RETRY_TIMEOUT_MS = 1500;
  let testApp: TestApp;
  let account: MockedAwsAccount;
  let emulator: AthenaEmulator;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    emulator = new AthenaEmulator(await sampleAggregates());
    account = new MockedAwsAccount(sampleSnapshot(), emulator);
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '2', QUEUE_BACKOFF_MS: '100' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: RETRY_TIMEOUT_MS },
    });
  });

  beforeEach(() => account.reset());

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
  });

  /** Runs an analysis whose first reject query follows `firstReject`; every other query succeeds. */
  async function analyseWithFirstReject(name: string, firstReject: QueryScript) {
    emulator.scriptFor = (kind, started) =>
      kind === 'window' && started === 0 ? firstReject : { states: ['RUNNING', 'SUCCEEDED'], dataScannedBytes: 2048 };
    const created = await api(server()).post('/v1/targets', athenaTarget(name));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const done = await analyse(server(), created.body.id);
    // The starts of the window's query (REJECT and ACCEPT records in one scan).
    const rejectStarts = emulator.starts.filter((s) => s.QueryString?.includes('"action" IN (?, ?)'));
    return { targetId: created.body.id as string, done, rejectStarts, rejectQueries: emulator.queries.filter((q) => q.kind === 'window') };
  }

  it('a query stopped on its timeout in the first attempt is replaced by a new query in the retry, which succeeds', async () => {
    const { targetId, done, rejectStarts, rejectQueries } = await analyseWithFirstReject('timed-out-once', {
      states: ['QUEUED', 'RUNNING'],
    });

    const [stopped, fresh] = rejectQueries;
    expect(rejectQueries).toHaveLength(2);
    expect(emulator.stops).toEqual([stopped.id]);
    // The retry re-sent the first token (and found that query CANCELLED), then the next generation's.
    expect(rejectStarts.map((s) => s.ClientRequestToken)).toEqual([stopped.token, stopped.token, fresh.token]);
    expect(fresh.token).not.toBe(stopped.token);
    expect(fresh.input.QueryString).toBe(stopped.input.QueryString);
    expect(fresh.input.ExecutionParameters).toEqual(stopped.input.ExecutionParameters);

    expect(done).toMatchObject({ status: 'succeeded', attempt: 0, failure: null });
    expect(done.statistics.queryExecutionIds).toEqual([fresh.id]);
    expect(done.statistics.bytesScanned).toBe(2048);
    expect((await allFindings(server(), targetId)).length).toBe(done.statistics.findings.total);
    expect(done.statistics.findings.total).toBeGreaterThan(0);
  });

  it('a query Athena FAILED with a retryable reason is replaced in the retry too', async () => {
    const reason = 'GENERIC_INTERNAL_ERROR: Query exhausted resources at this scale factor';
    const { done, rejectStarts, rejectQueries } = await analyseWithFirstReject('failed-once', {
      states: ['RUNNING', 'FAILED'],
      stateChangeReason: reason,
      athenaError: { ErrorCategory: 1, ErrorType: 401, Retryable: true, ErrorMessage: reason },
    });
    expect(rejectQueries).toHaveLength(2);
    expect(rejectStarts).toHaveLength(3);
    expect(emulator.stops).toEqual([]);
    expect(done).toMatchObject({ status: 'succeeded', failure: null });
    expect(done.statistics.queryExecutionIds).toContain(rejectQueries[1].id);
    expect(done.statistics.queryExecutionIds).not.toContain(rejectQueries[0].id);
  });

  it('a query that times out in every attempt fails the analysis with the timeout of the last one, each attempt’s query stopped', async () => {
    emulator.scriptFor = () => ({ states: ['QUEUED', 'RUNNING'] });
    const created = await api(server()).post('/v1/targets', athenaTarget('always-slow'));
    const analysis = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const failed = await waitForAnalysis(server(), analysis.body.id);

    expect(emulator.queries).toHaveLength(2);
    const last = emulator.queries[1];
    expect(emulator.stops).toEqual(emulator.queries.map((q) => q.id));
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'ATHENA.TIMEOUT', stage: 'query' } });
    expect(failed.failure.reason).toBe(
      `Athena query ${last.id} timeout: Athena query ${last.id} still RUNNING after ${RETRY_TIMEOUT_MS} ms; stopped`,
    );
  });
});
