import { AthenaClient, GetQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AthenaFlowSource } from '../../../src/aws/athena-flow-source';
import { athenaBilledCostUsd, estimateAthenaCostUsd, type AthenaQuerySpend } from '../../../src/aws/athena-query-spend';
import { FixedClock } from '../../../src/common/clock/clock';
import { loadAppConfig } from '../../../src/config/app-config';
import { AthenaSpendService } from '../../../src/costs/athena-spend.service';
import { AthenaSpendSweep } from '../../../src/costs/athena-spend-sweep.service';
import { parseMonth, TargetCostsService } from '../../../src/costs/target-costs.service';
import { buildDataSourceOptions } from '../../../src/database/database-options';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../../support/app/test-database';
import { loadMigrationClasses } from '../../support/app/test-migrations';
import { queryExecution } from '../../support/aws/athena-responses';

const GIB = 1024 ** 3;
const MINUTE = 60_000;
const SETTLE_AFTER_MS = 5 * MINUTE;
const cost = (bytes: number) => estimateAthenaCostUsd(bytes, 5);
const NOVEMBER = parseMonth('2026-11')!;

/** GetQueryExecution in Athena's shape for a query that has scanned `bytes` (so far, or in all once it ended). */
const described = (id: string, state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED', bytes: number) =>
  queryExecution(id, state, {
    Statistics: { EngineExecutionTimeInMillis: 9_000, DataScannedInBytes: bytes, TotalExecutionTimeInMillis: 9_300 },
  });

/**
 * The spending of a query reaches PostgreSQL however its job ended: a row from the moment Athena
 * gives its id, and a sweep that asks Athena for the final figures of the rows that no flow
 * source finished (a killed worker, a failed GetQueryExecution on the last attempt, a stop that
 * failed), stopping the queries no analysis will read.
 */
describe('athena_query_costs: every started query is recorded, and the sweep finishes what no job did', () => {
  const name = uniqueTestName('athena_sweep');
  const clock = new FixedClock('2026-11-20T08:00:00Z');
  const athenaMock = mockClient(AthenaClient);
  const athena = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const targetsAsked: unknown[] = [];
  const flowSource = new AthenaFlowSource({
    athena: (target) => {
      targetsAsked.push(target);
      return athena;
    },
    ec2: () => new EC2Client({ region: 'eu-west-1' }),
  });
  let dataSource: DataSource;
  let spend: AthenaSpendService;
  let sweep: AthenaSpendSweep;
  let targetId: string;
  let otherTargetId: string;

  /** An analysis of the target (or another one: a target has one active analysis at a time). */
  const analysis = async (status: string, attempt = 0, target = targetId) => {
    const [row] = (await dataSource.query(
      `INSERT INTO analyses (target_id, status, attempt, window_from, window_to, statistics)
       VALUES ($1, $2, $3, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '{}') RETURNING id`,
      [target, status, attempt],
    )) as Array<{ id: string }>;
    return row!.id;
  };
  const row = async (id: string) =>
    (
      (await dataSource.query(
        `SELECT state, bytes_scanned::text AS bytes, cost_usd::float8 AS cost, timed_out, last_checked_at, check_error, check_failures
         FROM athena_query_costs WHERE query_execution_id = $1`,
        [id],
      )) as Array<Record<string, unknown>>
    )[0];

  beforeAll(async () => {
    const config = loadAppConfig({ DATABASE_URL: await createTestDatabase(name) });
    dataSource = await new DataSource(buildDataSourceOptions(config.database, { migrations: await loadMigrationClasses() })).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const [target] = (await dataSource.query(
      `INSERT INTO targets (name, account_id, region, access, scope, flow_source, config_source)
       VALUES ('t', '111122223333', 'eu-west-1', $1, '{}', '{}', '{}') RETURNING id`,
      [JSON.stringify({ type: 'assume-role', roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read', externalId: 'ext-1' })],
    )) as Array<{ id: string }>;
    targetId = target!.id;
    const [other] = (await dataSource.query(
      `INSERT INTO targets (name, account_id, region, access, scope, flow_source, config_source)
       VALUES ('u', '444455556666', 'eu-west-1', '{"type":"default-chain"}', '{}', '{}', '{}') RETURNING id`,
    )) as Array<{ id: string }>;
    otherTargetId = other!.id;
    spend = new AthenaSpendService(dataSource, clock);
    sweep = new AthenaSpendSweep(spend, clock, flowSource, { settleAfterMs: SETTLE_AFTER_MS, batch: 100 });
  });

  beforeEach(() => {
    athenaMock.reset();
    targetsAsked.length = 0;
  });

  afterAll(async () => {
    athenaMock.restore();
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('a started query is a row at once (QUEUED, nothing scanned); recording its start again changes nothing', async () => {
    const analysisId = await analysis('failed');
    const run = { targetId, analysisId, attempt: 0 };
    await spend.started(run, 'q-started');
    expect(await row('q-started')).toMatchObject({ state: 'QUEUED', bytes: '0', cost: 0, timed_out: false, check_failures: 0 });
    await spend.record(run, {
      queryExecutionId: 'q-started',
      state: 'RUNNING',
      dataScannedBytes: GIB,
      billedCostUsd: cost(GIB),
      timedOut: true,
    });
    await spend.started(run, 'q-started');
    expect(await row('q-started')).toMatchObject({ state: 'RUNNING', bytes: String(GIB), cost: cost(GIB), timed_out: true });
  });

  it('the cost of a row is always what Athena bills for its state and the bytes it keeps, whatever order the figures arrive in', async () => {
    const analysisId = await analysis('failed');
    const run = { targetId, analysisId, attempt: 0 };
    const states = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
    const figure = fc.record({
      state: fc.constantFrom(...states),
      bytes: fc.constantFrom(0, 1, 5 * 1024 ** 2, 64 * 1024 ** 2, GIB, 3 * GIB + 17),
      timedOut: fc.boolean(),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(figure, { minLength: 1, maxLength: 5 }), async (startedFirst, figures) => {
        const id = `q-prop-${(n += 1)}`;
        if (startedFirst) await spend.started(run, id);
        for (const f of figures) {
          const spent: AthenaQuerySpend = {
            queryExecutionId: id,
            state: f.state,
            dataScannedBytes: f.bytes,
            billedCostUsd: athenaBilledCostUsd(f.state, f.bytes, 5),
            timedOut: f.timedOut,
          };
          await spend.record(run, spent);
        }
        const stored = (await row(id))!;
        const bytes = Number(stored.bytes);
        expect(stored.cost as number).toBeCloseTo(athenaBilledCostUsd(stored.state as never, bytes, 5), 12);
        // The first finished figure is final; before it, the most bytes seen.
        const finishedAt = figures.findIndex((f) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(f.state));
        const upTo = finishedAt === -1 ? figures : figures.slice(0, finishedAt + 1);
        expect(bytes).toBe(Math.max(...upTo.map((f) => f.bytes)));
        if (finishedAt !== -1) expect(stored.state).toBe(figures[finishedAt]!.state);
      }),
      { numRuns: 60 },
    );
  });

  it('settles the unfinished rows old enough, stops the queries no analysis will read, and keeps every failure on its row', async () => {
    await dataSource.query(`DELETE FROM athena_query_costs`);
    clock.set('2026-11-20T09:00:00Z');
    const failed = await analysis('failed');
    const running = await analysis('running');
    const retried = await analysis('queued', 1, otherTargetId);
    const runOf = (analysisId: string, attempt = 0) => ({
      targetId: analysisId === retried ? otherTargetId : targetId,
      analysisId,
      attempt,
    });
    // Recorded at 09:00, when their jobs ended without finishing them.
    await spend.started(runOf(failed), 'q-worker-killed'); // the last attempt's worker was killed: never polled
    await spend.record(runOf(failed), {
      queryExecutionId: 'q-given-up',
      state: 'RUNNING',
      dataScannedBytes: 2 * GIB,
      billedCostUsd: cost(2 * GIB),
      timedOut: true,
    }); // stopped on the timeout, the stop unconfirmed, no retry followed
    await spend.started(runOf(running), 'q-poll-failed'); // GetQueryExecution failed; the retry has not come yet
    await spend.started(runOf(running), 'q-still-running'); // a worker is waiting for it
    await spend.started(runOf(retried), 'q-superseded'); // the analysis was retried through the API: attempt 1 reads another query
    await spend.started(runOf(running), 'q-unreadable'); // the role can no longer describe it
    clock.set('2026-11-20T09:04:00Z');
    await spend.started(runOf(running), 'q-young');

    const stopped = new Set<string>();
    const scans: Record<string, () => ReturnType<typeof described>> = {
      'q-worker-killed': () =>
        stopped.has('q-worker-killed')
          ? described('q-worker-killed', 'CANCELLED', 6 * GIB)
          : described('q-worker-killed', 'RUNNING', 5 * GIB),
      'q-given-up': () => described('q-given-up', 'CANCELLED', 3 * GIB),
      'q-poll-failed': () => described('q-poll-failed', 'SUCCEEDED', 4 * GIB),
      'q-still-running': () => described('q-still-running', 'RUNNING', GIB),
      // Its stop has not taken yet when described again: recorded as seen, and the next sweep looks again.
      'q-superseded': () => described('q-superseded', 'RUNNING', 7 * GIB),
      'q-young': () => described('q-young', 'SUCCEEDED', GIB),
    };
    athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      if (input.QueryExecutionId === 'q-unreadable') {
        throw Object.assign(
          new Error('User: arn:aws:sts::111122223333:assumed-role/sgdoctor-read/s is not authorized to perform: athena:GetQueryExecution'),
          {
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          },
        );
      }
      return scans[input.QueryExecutionId]!();
    });
    athenaMock.on(StopQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      stopped.add(input.QueryExecutionId);
      return { $metadata: { httpStatusCode: 200 } };
    });

    clock.set('2026-11-20T09:06:00Z');
    expect(await sweep.sweep()).toEqual({ checked: 6, settled: 3, stopped: 2, failed: 1 });

    const described_ = athenaMock.commandCalls(GetQueryExecutionCommand).map((call) => call.args[0].input.QueryExecutionId);
    expect(described_).not.toContain('q-young');
    expect(
      athenaMock
        .commandCalls(StopQueryExecutionCommand)
        .map((call) => call.args[0].input.QueryExecutionId)
        .sort(),
    ).toEqual(['q-superseded', 'q-worker-killed']);
    // Through the target's own role.
    expect(targetsAsked[0]).toEqual({
      accountId: '111122223333',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read',
      externalId: 'ext-1',
    });
    const checkedAt = new Date('2026-11-20T09:06:00Z');
    expect(await row('q-worker-killed')).toMatchObject({
      state: 'CANCELLED',
      bytes: String(6 * GIB),
      cost: cost(6 * GIB),
      last_checked_at: checkedAt,
      check_error: null,
    });
    expect(await row('q-given-up')).toMatchObject({ state: 'CANCELLED', bytes: String(3 * GIB), cost: cost(3 * GIB), timed_out: true });
    expect(await row('q-poll-failed')).toMatchObject({ state: 'SUCCEEDED', bytes: String(4 * GIB), cost: cost(4 * GIB) });
    expect(await row('q-still-running')).toMatchObject({
      state: 'RUNNING',
      bytes: String(GIB),
      cost: cost(GIB),
      last_checked_at: checkedAt,
    });
    expect(await row('q-superseded')).toMatchObject({ state: 'RUNNING', bytes: String(7 * GIB), cost: cost(7 * GIB) });
    expect(await row('q-unreadable')).toMatchObject({ state: 'QUEUED', bytes: '0', last_checked_at: checkedAt, check_failures: 1 });
    expect((await row('q-unreadable'))!.check_error).toMatch(
      /^athena:GetQueryExecution \(account 111122223333, eu-west-1\): .*not authorized/,
    );
    expect(await row('q-young')).toMatchObject({ state: 'QUEUED', last_checked_at: null });

    // What the month says: the unsettled queries are counted, their figures what was last seen.
    expect(await new TargetCostsService(dataSource).month(targetId, NOVEMBER)).toMatchObject({ queriesUnsettled: 3 });

    // Checked rows wait their turn again; the young one is old enough by now.
    athenaMock.resetHistory();
    clock.set('2026-11-20T09:10:00Z');
    expect(await sweep.sweep()).toEqual({ checked: 1, settled: 1, stopped: 0, failed: 0 });
    clock.set('2026-11-20T09:12:00Z');
    expect(await sweep.sweep()).toMatchObject({ checked: 3, failed: 1 });
    expect(await row('q-unreadable')).toMatchObject({ check_failures: 2, last_checked_at: new Date('2026-11-20T09:12:00Z') });
  });
});
