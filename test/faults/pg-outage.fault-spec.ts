import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, waitForAnalysis } from '../support/app/analysis-api';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { testDatabaseUrl, uniqueTestName } from '../support/app/test-database';
import { ThrowawayPostgres } from '../support/app/throwaway-services';
import { createSampleAnalysis, expectSameAsUninterrupted, poll, SAMPLES, withDatabase } from '../support/app/fault-support';

/** The issue's outage lasted 90 s; compressed here to fit CI, past several job retries' worth. */
const OUTAGE_MS = Number(process.env.FAULT_PG_OUTAGE_MS ?? 30_000);

/**
 * PostgreSQL stopped while an analysis persists its findings, and started again later: the
 * failure is recorded once the database is back, the job runs again, and the analysis ends as
 * an uninterrupted run would — never left `running`.
 */
describe('an analysis survives PostgreSQL going away mid-persist', () => {
  let postgres: ThrowawayPostgres;
  let testApp: TestApp;

  beforeAll(async () => {
    postgres = await ThrowawayPostgres.create();
    testApp = await createTestApp({
      keepResources: true,
      env: {
        SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
        SGDOCTOR_DATA_ROOT: SAMPLES,
        DATABASE_URL: testDatabaseUrl(uniqueTestName('db'), postgres.url),
        DB_CONNECT_TIMEOUT_MS: '1000',
        SGDOCTOR_WITH_WORKER: 'true',
        SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '400',
        ANALYSIS_LOCK_DURATION_MS: '2000',
        ANALYSIS_STALLED_INTERVAL_MS: '1000',
        RECONCILE_INTERVAL_MS: '2000',
      },
    });
  }, 300_000);

  afterAll(async () => {
    await testApp?.close();
    postgres?.destroy();
  });

  it(`stopped for ${OUTAGE_MS / 1000} s at the persist stage: the analysis completes once it is back, as if uninterrupted`, async () => {
    const server = testApp.app.getHttpServer();
    const analysis = await createSampleAnalysis(server, 'pg-outage');
    await poll(
      () =>
        withDatabase(
          testApp.config.database.url,
          async (db) => (await db.query(`SELECT stage FROM analyses WHERE id = $1`, [analysis.analysisId])).rows[0].stage as string | null,
        ),
      (stage) => stage === 'persist',
      60_000,
    );
    postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    postgres.start();
    const back = performance.now();

    const done = await waitForAnalysis(server, analysis.analysisId, 180_000);
    console.info(
      `fault: PostgreSQL down ${OUTAGE_MS} ms mid-persist; the analysis ${done.status} ${Math.round(performance.now() - back)} ms after it was back`,
    );
    await expectSameAsUninterrupted(server, testApp.config.database.url, analysis);
    const detail = await withDatabase(
      testApp.config.database.url,
      async (db) => (await db.query(`SELECT failure FROM analyses WHERE id = $1`, [analysis.analysisId])).rows[0],
    );
    expect(detail.failure).toBeNull();
  });
});
