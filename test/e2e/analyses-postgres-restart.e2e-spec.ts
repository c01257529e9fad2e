import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnalysisRunner } from '../../src/analyses/pipeline/analysis-runner.service';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, allFindings, analyse, api, sampleTargetBody } from '../support/app/analysis-api';

/**
 * Persist's batches commit without waiting for their WAL, so a PostgreSQL that restarts during the
 * stage may lose the last of them. The runner reads the server's start time before the stage and
 * again where it records the outcome: a different one fails the attempt, retryably, and the retry
 * writes every finding again. A restart cannot be made here (the server is shared), so the second
 * reading of the first attempt is answered as a restarted server would answer it.
 */
describe('an analysis whose PostgreSQL restarted while its findings were written', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true', QUEUE_BACKOFF_MS: '50' } });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await testApp?.close();
  });

  it('is not recorded succeeded by that attempt: it runs again and ends with every finding stored once', async () => {
    const control = await analyse(server(), (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'control' }))).body.id);

    const runner = testApp.app.get(AnalysisRunner, { strict: false });
    const startedAt = vi.spyOn(runner as unknown as { serverStartedAt(manager: unknown): Promise<string> }, 'serverStartedAt');
    startedAt.mockResolvedValueOnce('2026-12-06 09:00:00.000000+00').mockResolvedValueOnce('2026-12-06 09:07:31.000000+00');

    const targetId = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'restarted' }))).body.id;
    const done = await analyse(server(), targetId);
    // Two readings per attempt: the first attempt's differed, the second's agreed.
    expect(startedAt).toHaveBeenCalledTimes(4);
    expect(done.statistics.findings.total).toBe(control.statistics.findings.total);
    expect(done.statistics.findings.new).toBe(control.statistics.findings.total);
    const findings = await allFindings(server(), targetId);
    expect(findings).toHaveLength(control.statistics.findings.total);
    const history = await api(server()).get(`/v1/findings/${findings[0]!.id}/events`);
    expect(history.body.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([[null, 'open']]);
  }, 120_000);
});
