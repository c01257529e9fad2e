import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { estimateAthenaCostUsd } from '../../../src/aws/athena-flow-query';
import { FixedClock } from '../../../src/common/clock/clock';
import { loadAppConfig } from '../../../src/config/app-config';
import { parseMonth, TargetCostsService } from '../../../src/costs/target-costs.service';
import { AthenaSpendService } from '../../../src/costs/athena-spend.service';
import { buildDataSourceOptions } from '../../../src/database/database-options';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../../support/app/test-database';
import { loadMigrationClasses } from '../../support/app/test-migrations';

const GIB = 1024 ** 3;
const cost = (bytes: number) => estimateAthenaCostUsd(bytes, 5);
const NOVEMBER = parseMonth('2026-11')!;

/**
 * Migration RecordAthenaQueryCosts: the month's spending moves from the analyses' statistics to
 * one row per Athena query. What a target had spent in a month before the migration is what it
 * has spent after it; what its queries cost from then on is added once per query.
 */
describe('athena_query_costs: the spending of every Athena query, the stored one carried over', () => {
  const name = uniqueTestName('athena_costs');
  let dataSource: DataSource;
  let targetId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const config = loadAppConfig({ DATABASE_URL: await createTestDatabase(name) });
    const migrations = await loadMigrationClasses();
    const index = migrations.findIndex((migration) => migration.name === 'RecordAthenaQueryCosts1796420000000');
    expect(index).toBeGreaterThan(0);
    const before = await new DataSource(buildDataSourceOptions(config.database, { migrations: migrations.slice(0, index) })).initialize();
    await before.runMigrations({ transaction: 'each' });
    const [target] = (await before.query(
      `INSERT INTO targets (name, account_id, region, access, scope, flow_source, config_source)
       VALUES ('t', '111122223333', 'eu-west-1', '{}', '{}', '{}', '{}') RETURNING id`,
    )) as Array<{ id: string }>;
    targetId = target!.id;
    const analysis = async (key: string, status: string, statistics: object, finishedAt: string | null) => {
      const [row] = (await before.query(
        `INSERT INTO analyses (target_id, status, window_from, window_to, statistics, finished_at)
         VALUES ($1, $2, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', $3, $4) RETURNING id`,
        [targetId, status, JSON.stringify(statistics), finishedAt],
      )) as Array<{ id: string }>;
      ids[key] = row!.id;
    };
    const athena = (id: string, bytes: number) => ({ queryExecutionIds: [id], bytesScanned: bytes, estimatedCostUsd: cost(bytes) });
    await analysis('athena', 'succeeded', { ...athena('q-succeeded', 300 * GIB), records: 12 }, '2026-11-03T10:00:00Z');
    await analysis('athenaFailedLater', 'failed', athena('q-read-then-failed', 2 * GIB), '2026-11-04T10:00:00Z');
    await analysis('athenaOctober', 'succeeded', athena('q-october', 50 * GIB), '2026-10-31T23:59:59Z');
    await analysis('insights', 'succeeded', { bytesScanned: 4 * GIB, estimatedCostUsd: 0.02 }, '2026-11-05T10:00:00Z');
    await analysis('s3', 'succeeded', { estimatedCostUsd: 0.003 }, '2026-11-06T10:00:00Z');
    await analysis('failedBeforeQuery', 'failed', {}, '2026-11-07T10:00:00Z');
    await analysis('running', 'running', {}, null);
    // Statistics the copy cannot take as they are (written by hand, or by a bug): the migration goes on without them.
    await analysis(
      'nullId',
      'succeeded',
      { queryExecutionIds: [null], bytesScanned: GIB, estimatedCostUsd: cost(GIB) },
      '2026-09-10T10:00:00Z',
    );
    await analysis('longId', 'succeeded', { queryExecutionIds: ['q'.repeat(129)], bytesScanned: GIB }, '2026-09-11T10:00:00Z');
    await analysis(
      'costText',
      'succeeded',
      { queryExecutionIds: ['q-cost-text'], bytesScanned: GIB, estimatedCostUsd: 'n/a' },
      '2026-09-12T10:00:00Z',
    );
    await before.destroy();
    dataSource = await new DataSource(buildDataSourceOptions(config.database, { migrations })).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('copies the one query of each finished Athena analysis, dated when it finished', async () => {
    const rows = await dataSource.query(
      `SELECT query_execution_id, analysis_id, state, bytes_scanned::text AS bytes, cost_usd::float8 AS cost, timed_out, recorded_at
         FROM athena_query_costs WHERE recorded_at >= '2026-10-01' ORDER BY recorded_at`,
    );
    expect(rows).toEqual([
      {
        query_execution_id: 'q-october',
        analysis_id: ids.athenaOctober,
        state: 'SUCCEEDED',
        bytes: String(50 * GIB),
        cost: cost(50 * GIB),
        timed_out: false,
        recorded_at: new Date('2026-10-31T23:59:59Z'),
      },
      expect.objectContaining({ query_execution_id: 'q-succeeded', analysis_id: ids.athena, bytes: String(300 * GIB) }),
      expect.objectContaining({ query_execution_id: 'q-read-then-failed', analysis_id: ids.athenaFailedLater, bytes: String(2 * GIB) }),
    ]);
  });

  it('leaves out a stored query id that is not a string of at most 128 characters, and takes a cost that is not a number as none', async () => {
    const rows = await dataSource.query(
      `SELECT query_execution_id, analysis_id, bytes_scanned::text AS bytes, cost_usd::float8 AS cost
         FROM athena_query_costs WHERE recorded_at < '2026-10-01' ORDER BY recorded_at`,
    );
    expect(rows).toEqual([{ query_execution_id: 'q-cost-text', analysis_id: ids.costText, bytes: String(GIB), cost: 0 }]);
  });

  it('the month sums the same as before the migration: Athena from its queries, the other sources from their analyses', async () => {
    const costs = new TargetCostsService(dataSource);
    expect(await costs.month(targetId, NOVEMBER)).toEqual({
      ...NOVEMBER,
      analyses: 3,
      queries: 2,
      queriesWithoutResult: 0,
      queriesUnsettled: 0,
      bytesScanned: 302 * GIB + 4 * GIB,
      costUsd: cost(300 * GIB) + cost(2 * GIB) + 0.02 + 0.003,
    });
  });

  it('queries recorded later count once each, stopped ones included, in the month they were recorded in; a finished figure stays final', async () => {
    const spend = new AthenaSpendService(dataSource, new FixedClock('2026-11-20T08:00:00Z'));
    const run = { targetId, analysisId: ids.running!, attempt: 0 };
    // Given up on at the timeout, its stop unconfirmed; then found CANCELLED with its final scan, by the retry and by a redelivered job.
    await spend.record(run, {
      queryExecutionId: 'q-stopped',
      state: 'RUNNING',
      dataScannedBytes: 6 * GIB,
      billedCostUsd: cost(6 * GIB),
      timedOut: true,
    });
    await spend.record(run, {
      queryExecutionId: 'q-stopped',
      state: 'CANCELLED',
      dataScannedBytes: 9 * GIB,
      billedCostUsd: cost(9 * GIB),
      timedOut: false,
    });
    await spend.record(run, {
      queryExecutionId: 'q-stopped',
      state: 'CANCELLED',
      dataScannedBytes: 9 * GIB,
      billedCostUsd: cost(9 * GIB),
      timedOut: false,
    });
    await spend.record(run, {
      queryExecutionId: 'q-fresh',
      state: 'SUCCEEDED',
      dataScannedBytes: GIB,
      billedCostUsd: cost(GIB),
      timedOut: false,
    });
    await spend.record(run, { queryExecutionId: 'q-fresh', state: 'RUNNING', dataScannedBytes: 0, billedCostUsd: 0, timedOut: false });

    expect(await spend.ofAnalysis(ids.running!)).toEqual({
      bytesScanned: 10 * GIB,
      estimatedCostUsd: cost(9 * GIB) + cost(GIB),
      athenaQueries: expect.arrayContaining([
        { queryExecutionId: 'q-stopped', attempt: 0, state: 'CANCELLED', bytesScanned: 9 * GIB, costUsd: cost(9 * GIB), timedOut: true },
        { queryExecutionId: 'q-fresh', attempt: 0, state: 'SUCCEEDED', bytesScanned: GIB, costUsd: cost(GIB), timedOut: false },
      ]),
    });
    expect([...(await spend.ledgerFor(run)).timedOut]).toEqual(['q-stopped']);
    expect(await spend.ofAnalysis(ids.failedBeforeQuery!)).toBeNull();

    const month = await new TargetCostsService(dataSource).month(targetId, NOVEMBER);
    expect(month).toMatchObject({
      analyses: 4,
      queries: 4,
      queriesWithoutResult: 1,
      bytesScanned: 312 * GIB + 4 * GIB,
    });
    expect(month.costUsd).toBeCloseTo(cost(300 * GIB) + cost(2 * GIB) + cost(9 * GIB) + cost(GIB) + 0.023, 12);
    expect((await new TargetCostsService(dataSource).month(targetId, parseMonth('2026-10')!)).queries).toBe(1);
  });
  it('an Athena analysis a worker of the previous version finishes after the migration still counts in its month', async () => {
    // Processes are replaced one by one: the first to start runs the migration while an older
    // worker may still be reading, and that worker records its query on the analysis only.
    await dataSource.query(
      `INSERT INTO analyses (target_id, status, window_from, window_to, statistics, finished_at)
       VALUES ($1, 'succeeded', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', $2, '2026-12-03T10:00:00Z')`,
      [targetId, JSON.stringify({ queryExecutionIds: ['q-previous-worker'], bytesScanned: 7 * GIB, estimatedCostUsd: cost(7 * GIB) })],
    );
    expect(await new TargetCostsService(dataSource).month(targetId, parseMonth('2026-12')!)).toMatchObject({
      analyses: 1,
      bytesScanned: 7 * GIB,
      costUsd: cost(7 * GIB),
    });
  });
});
