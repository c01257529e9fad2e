import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateAthenaCostUsd } from '../../src/aws/athena-flow-query';
import { FixedClock } from '../../src/common/clock/clock';
import { AthenaSpendService } from '../../src/costs/athena-spend.service';
import type { TestApp } from '../support/app/test-app';
import { api, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';
import { athenaClientError, AthenaEmulator, type EmulatedQuery, type QueryScript } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleAggregates, sampleSnapshot } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';

const GIB = 1024 ** 3;
const QUERY_TIMEOUT_MS = 1500;
const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';

const athenaTarget = (name: string) => ({
  name,
  accountId: '111122223333',
  region: 'eu-west-1',
  configSource: { type: 'ec2' },
  flowSource: { type: 'athena', database: 'vpc_flow_logs', table: 'shop_flow_logs', layout: { type: 'none' }, logFormat: V5_FORMAT },
});

const cost = (bytes: number) => estimateAthenaCostUsd(bytes, 5);
/** Rows in QueryExecutionId order: the test clock stands still, so queries recorded by one analysis share their instant. */
const byQuery = <T extends Record<string, unknown>>(rows: T[]) =>
  [...rows].sort((a, b) =>
    String(a.queryExecutionId ?? a.query_execution_id).localeCompare(String(b.queryExecutionId ?? b.query_execution_id)),
  );

/**
 * What the Athena queries of an analysis cost reaches PostgreSQL however they end: a query
 * stopped on the timeout is billed by Athena for what it scanned, and so is counted in the
 * analysis's statistics, the target's month and the budget, beside the retry's query.
 */
describe('Athena spending: every query an analysis starts is counted, the stopped ones too', () => {
  const clock = new FixedClock('2026-11-25T06:00:00Z');
  let testApp: TestApp;
  let account: MockedAwsAccount;
  let emulator: AthenaEmulator;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    emulator = new AthenaEmulator(await sampleAggregates());
    account = new MockedAwsAccount(sampleSnapshot(), emulator);
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '2', QUEUE_BACKOFF_MS: '100', ATHENA_SPEND_SWEEP_INTERVAL_MS: '200' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: QUERY_TIMEOUT_MS, settleTimeoutMs: 1000 },
      clock,
    });
  });

  beforeEach(() => account.reset());

  afterAll(async () => {
    await testApp?.close();
    account?.restore();
  });

  /** Runs one analysis of a new target whose first window query follows `first`; the next ones succeed having scanned `fresh` bytes. */
  async function analyseWithFirstQuery(name: string, first: QueryScript, fresh: number) {
    emulator.scriptFor = (kind, started) =>
      kind === 'window' && started === 0 ? first : { states: ['RUNNING', 'SUCCEEDED'], dataScannedBytes: fresh };
    const created = await api(server()).post('/v1/targets', athenaTarget(name));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const analysis = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    expect(analysis.status, JSON.stringify(analysis.body)).toBe(202);
    const done = await waitForAnalysis(server(), analysis.body.id);
    return { targetId: created.body.id as string, done };
  }

  const rowsOf = (analysisId: string) =>
    testApp.app.get(DataSource).query(
      `SELECT query_execution_id, attempt, state, bytes_scanned::text AS bytes, cost_usd::float8 AS cost, timed_out
           FROM athena_query_costs WHERE analysis_id = $1 ORDER BY recorded_at, query_execution_id`,
      [analysisId],
    );

  it('a query stopped on its timeout is billed for what it scanned: stored once, shown on the analysis, summed in the month beside the retry’s query', async () => {
    const stoppedScan = 40 * GIB;
    const freshScan = 300 * GIB;
    const { targetId, done } = await analyseWithFirstQuery(
      'timed-out-then-retried',
      { states: ['QUEUED', 'RUNNING'], runningScannedBytes: 12 * GIB, dataScannedBytes: stoppedScan },
      freshScan,
    );
    expect(done).toMatchObject({ status: 'succeeded', failure: null });
    const [stopped, fresh] = emulator.queries.filter((q) => q.kind === 'window');
    expect(emulator.stops).toEqual([stopped.id]);

    // Stored: one row per query, although the stopped one was recorded twice (at the timeout, and by the retry that found it CANCELLED).
    expect(byQuery(await rowsOf(done.id))).toEqual(
      byQuery([
        {
          query_execution_id: stopped.id,
          attempt: 0,
          state: 'CANCELLED',
          bytes: String(stoppedScan),
          cost: cost(stoppedScan),
          timed_out: true,
        },
        { query_execution_id: fresh.id, attempt: 0, state: 'SUCCEEDED', bytes: String(freshScan), cost: cost(freshScan), timed_out: false },
      ]),
    );

    // Where users look: the analysis …
    expect(done.statistics.queryExecutionIds).toEqual([fresh.id]);
    expect(done.statistics.bytesScanned).toBe(stoppedScan + freshScan);
    expect(done.statistics.estimatedCostUsd).toBeCloseTo(cost(stoppedScan) + cost(freshScan), 9);
    expect(byQuery(done.statistics.athenaQueries)).toEqual(
      byQuery([
        {
          queryExecutionId: stopped.id,
          attempt: 0,
          state: 'CANCELLED',
          bytesScanned: stoppedScan,
          costUsd: cost(stoppedScan),
          timedOut: true,
        },
        { queryExecutionId: fresh.id, attempt: 0, state: 'SUCCEEDED', bytesScanned: freshScan, costUsd: cost(freshScan), timedOut: false },
      ]),
    );

    // … and the target's month, which the budget check reads.
    const month = await api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`);
    expect(month.status).toBe(200);
    expect(month.body).toMatchObject({
      month: '2026-11',
      analyses: 1,
      queries: 2,
      queriesWithoutResult: 1,
      bytesScanned: stoppedScan + freshScan,
      costUsd: cost(stoppedScan) + cost(freshScan),
    });

    // A redelivered job recording the same queries again changes nothing.
    const spend = testApp.app.get(AthenaSpendService);
    const run = { targetId, analysisId: done.id as string, attempt: 0 };
    await spend.record(run, {
      queryExecutionId: stopped.id,
      state: 'CANCELLED',
      dataScannedBytes: stoppedScan,
      billedCostUsd: cost(stoppedScan),
      timedOut: false,
    });
    await spend.record(run, {
      queryExecutionId: fresh.id,
      state: 'SUCCEEDED',
      dataScannedBytes: freshScan,
      billedCostUsd: cost(freshScan),
      timedOut: false,
    });
    expect(await rowsOf(done.id)).toHaveLength(2);
    expect((await api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`)).body).toMatchObject({
      queries: 2,
      bytesScanned: stoppedScan + freshScan,
    });
  });

  it('an analysis that times out in every attempt fails, and both stopped queries still count', async () => {
    emulator.scriptFor = () => ({ states: ['QUEUED', 'RUNNING'], runningScannedBytes: GIB, dataScannedBytes: 5 * GIB });
    const created = await api(server()).post('/v1/targets', athenaTarget('always-slow'));
    const analysis = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const failed = await waitForAnalysis(server(), analysis.body.id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'ATHENA.TIMEOUT', stage: 'query' } });
    expect(emulator.queries).toHaveLength(2);
    expect(failed.statistics.athenaQueries.map((q: Record<string, unknown>) => [q.state, q.bytesScanned, q.timedOut])).toEqual([
      ['CANCELLED', 5 * GIB, true],
      ['CANCELLED', 5 * GIB, true],
    ]);
    expect(failed.statistics.estimatedCostUsd).toBeCloseTo(2 * cost(5 * GIB), 9);
    expect((await api(server()).get(`/v1/targets/${created.body.id}/costs?month=2026-11`)).body).toMatchObject({
      analyses: 1,
      queries: 2,
      queriesWithoutResult: 2,
      bytesScanned: 10 * GIB,
      costUsd: 2 * cost(5 * GIB),
    });
  });

  it('a stop that fails on the timeout: the retry stops the query it re-attaches to at once and starts the next one, rather than waiting another timeout', async () => {
    let refusals = 0;
    emulator.onStop = (query: EmulatedQuery) => {
      if (query.kind === 'window' && refusals === 0) {
        refusals += 1;
        throw athenaClientError('ThrottlingException', 'Rate exceeded');
      }
    };
    const { targetId, done } = await analyseWithFirstQuery(
      'stop-refused',
      { states: ['QUEUED', 'RUNNING'], runningScannedBytes: 3 * GIB, dataScannedBytes: 8 * GIB },
      GIB,
    );
    const [runaway, fresh] = emulator.queries.filter((q) => q.kind === 'window');
    expect(refusals).toBe(1);
    // Without the retry stopping it, the runaway query would have been waited for again, timed out again and failed the last attempt.
    expect(done).toMatchObject({ status: 'succeeded', failure: null });
    expect(emulator.stops).toEqual([runaway.id]);
    expect(byQuery(done.statistics.athenaQueries)).toEqual(
      byQuery([
        { queryExecutionId: runaway.id, attempt: 0, state: 'CANCELLED', bytesScanned: 8 * GIB, costUsd: cost(8 * GIB), timedOut: true },
        { queryExecutionId: fresh.id, attempt: 0, state: 'SUCCEEDED', bytesScanned: GIB, costUsd: cost(GIB), timedOut: false },
      ]),
    );
    expect((await api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`)).body).toMatchObject({
      queries: 2,
      queriesWithoutResult: 1,
    });
  });

  it('a query whose every description fails is on record from its start, and the sweep stops it once its analysis has failed and records its final scan', async () => {
    let describable = false;
    emulator.onPoll = (query) => {
      if (query.kind === 'window' && !describable) throw athenaClientError('InternalServerException', 'We encountered an internal error.');
    };
    const { targetId, done } = await analyseWithFirstQuery(
      'never-described',
      { states: ['RUNNING'], runningScannedBytes: 2 * GIB, dataScannedBytes: 6 * GIB },
      GIB,
    );
    // Both attempts re-attached to the one query and failed describing it: before, nothing of it was recorded.
    expect(done).toMatchObject({ status: 'failed', stage: 'query' });
    const [query] = emulator.queries.filter((q) => q.kind === 'window');
    expect(emulator.queries.filter((q) => q.kind === 'window')).toHaveLength(1);
    expect(await rowsOf(done.id)).toEqual([
      { query_execution_id: query.id, attempt: 0, state: 'QUEUED', bytes: '0', cost: 0, timed_out: false },
    ]);
    const costs = () => api(server()).get(`/v1/targets/${targetId}/costs?month=2026-11`);
    expect((await costs()).body).toMatchObject({ queries: 1, queriesWithoutResult: 1, queriesUnsettled: 1, bytesScanned: 0 });

    // Athena answers again; once the row has been left alone long enough, the scheduled sweep asks.
    describable = true;
    clock.advance(6 * 60_000);
    await expect.poll(async () => (await rowsOf(done.id))[0]?.state, { timeout: 15_000, interval: 100 }).toBe('CANCELLED');
    expect(emulator.stops).toEqual([query.id]);
    expect(await rowsOf(done.id)).toEqual([
      { query_execution_id: query.id, attempt: 0, state: 'CANCELLED', bytes: String(6 * GIB), cost: cost(6 * GIB), timed_out: false },
    ]);
    expect((await costs()).body).toMatchObject({
      queries: 1,
      queriesWithoutResult: 1,
      queriesUnsettled: 0,
      bytesScanned: 6 * GIB,
      costUsd: cost(6 * GIB),
    });
    // The analysis, which ended before its query did, shows what the sweep settled.
    const analysis = await api(server()).get(`/v1/analyses/${done.id}`).expect(200);
    expect(analysis.body.statistics).toMatchObject({
      bytesScanned: 6 * GIB,
      estimatedCostUsd: cost(6 * GIB),
      athenaQueries: [expect.objectContaining({ queryExecutionId: query.id, state: 'CANCELLED', bytesScanned: 6 * GIB })],
    });
  });
});
