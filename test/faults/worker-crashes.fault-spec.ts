import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, waitForAnalysis } from '../support/app/analysis-api';
import { builtDistDir } from '../support/app/built-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { createSampleAnalysis, expectSameAsUninterrupted, poll, SAMPLES, WorkerFleet, withDatabase } from '../support/app/fault-support';

/** Seconds-scale locks, stalled checks and reconciliation, so recovery fits in a test. */
const FAST_RECOVERY = {
  ANALYSIS_LOCK_DURATION_MS: '2000',
  ANALYSIS_STALLED_INTERVAL_MS: '1000',
  RECONCILE_INTERVAL_MS: '2000',
  SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '400',
};

/**
 * Worker processes of the built app killed (SIGKILL) or stopped (SIGTERM) in the middle of an
 * analysis; each case ends in the state of an uninterrupted run of the same data.
 */
describe('analyses survive their workers dying', () => {
  let testApp: TestApp;
  let fleet: WorkerFleet;
  const server = () => testApp.app.getHttpServer();

  const stageOf = (analysisId: string) =>
    withDatabase(testApp.config.database.url, async (db) => {
      const row = await db.query(`SELECT status, stage, updated_at, now() AS db_now FROM analyses WHERE id = $1`, [analysisId]);
      return row.rows[0] as { status: string; stage: string | null; updated_at: Date; db_now: Date };
    });

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_DATA_ROOT: SAMPLES } });
    fleet = new WorkerFleet(builtDistDir(), testApp, FAST_RECOVERY);
  }, 300_000);

  afterEach(async () => {
    await fleet.stopAll();
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it.each(['snapshot', 'query', 'correlate', 'persist'])(
    'a worker killed at the %s stage: the next one completes the analysis as an uninterrupted run',
    async (stage) => {
      // Each stage starts with a 2 s pause, long enough to be seen there and killed.
      const first = await fleet.start({ SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '2000' });
      const analysis = await createSampleAnalysis(server(), `killed-at-${stage}`);
      await poll(
        () => stageOf(analysis.analysisId),
        (row) => row.stage === stage,
        60_000,
      );
      await fleet.kill(first);
      expect(await stageOf(analysis.analysisId)).toMatchObject({ status: 'running', stage });

      const started = performance.now();
      await fleet.start();
      await waitForAnalysis(server(), analysis.analysisId, 120_000);
      console.info(
        `fault: analysis whose worker was killed at ${stage} completed ${Math.round(performance.now() - started)} ms after the next worker started`,
      );
      await expectSameAsUninterrupted(server(), testApp.config.database.url, analysis);
    },
  );

  it('two workers killed in a row (the job fails "stalled more than allowable limit"): a third completes it once', async () => {
    const first = await fleet.start();
    const analysis = await createSampleAnalysis(server(), 'killed-twice');
    await poll(
      () => stageOf(analysis.analysisId),
      (row) => row.stage === 'correlate',
      60_000,
    );
    const { db_now: killedAt } = await stageOf(analysis.analysisId);
    await fleet.kill(first);

    const second = await fleet.start();
    // The second worker takes the stalled job over and writes its first stage: kill it too.
    await poll(
      () => stageOf(analysis.analysisId),
      (row) => row.updated_at > killedAt && row.stage !== null,
      60_000,
    );
    await fleet.kill(second);
    expect((await stageOf(analysis.analysisId)).status).toBe('running');

    const started = performance.now();
    const third = await fleet.start();
    // BullMQ gave up on the job; the reconciler queued it again under the same id.
    await third.waitForLine(new RegExp(`analysis ${analysis.analysisId} was running with its job failed: queued again`), 60_000);
    await waitForAnalysis(server(), analysis.analysisId, 120_000);
    console.info(
      `fault: analysis whose second worker was killed too completed ${Math.round(performance.now() - started)} ms after a third worker was started`,
    );
    await expectSameAsUninterrupted(server(), testApp.config.database.url, analysis);
  });

  it('two workers on the queue, the one running the analysis killed: the other finishes it', async () => {
    // A pause between stages and persist batches keeps the analysis in persist long enough to be
    // seen there: the samples make a handful of findings, persisted in a few milliseconds.
    const running = await fleet.start({ SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '2000' });
    const analysis = await createSampleAnalysis(server(), 'two-workers');
    // The first worker has taken the job before the second exists.
    await poll(
      () => stageOf(analysis.analysisId),
      (row) => row.stage === 'query' || row.stage === 'correlate',
      60_000,
    );
    await fleet.start();
    await poll(
      () => stageOf(analysis.analysisId),
      (row) => row.stage === 'persist',
      60_000,
    );
    const killed = performance.now();
    await fleet.kill(running);
    await waitForAnalysis(server(), analysis.analysisId, 120_000);
    console.info(
      `fault: analysis whose worker was killed mid-persist completed on the other worker ${Math.round(performance.now() - killed)} ms later`,
    );
    await expectSameAsUninterrupted(server(), testApp.config.database.url, analysis);
  });

  it('SIGTERM with a shutdown timeout shorter than the job exits 0 and leaves the analysis to another worker', async () => {
    const stopping = await fleet.start({ SHUTDOWN_TIMEOUT_MS: '1000', SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '3000' });
    const analysis = await createSampleAnalysis(server(), 'sigterm-timeout');
    await poll(
      () => stageOf(analysis.analysisId),
      (row) => row.stage === 'correlate',
      60_000,
    );
    const signalled = performance.now();
    stopping.child.kill('SIGTERM');
    const exit = await stopping.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeLessThan(5_000);
    expect(stopping.stderrText()).not.toMatch(/EPIPE|Connection is closed/);
    expect((await stageOf(analysis.analysisId)).status).toBe('running');

    const started = performance.now();
    await fleet.start();
    await waitForAnalysis(server(), analysis.analysisId, 120_000);
    console.info(
      `fault: analysis left by a SIGTERM timeout completed ${Math.round(performance.now() - started)} ms after another worker was started`,
    );
    await expectSameAsUninterrupted(server(), testApp.config.database.url, analysis);
  });
});
