import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENI } from '../../samples/scenario';
import { tempDataRoot } from '../support/app/temp-data-root';
import { builtDistDir, startProcess, type RunningProcess } from '../support/app/built-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, allFindings, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';

/**
 * The samples give eleven findings, one persist batch; persisting is killed midway only with more
 * batches (of 50 findings here: ANALYSIS_PERSIST_BATCH). app-1 refused by the bastion's group on 120 ports, each retried over the day, adds 120
 * rule findings (an internal client is never a scanner, so none of them becomes a campaign).
 */
function addManyRefusedPorts(root: string): void {
  const start = Date.UTC(2026, 10, 24, 1) / 1000;
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  for (let port = 10000; port < 10120; port++) {
    for (let i = 0; i < 3; i++) {
      const at = start + i * 1200 + (port - 10000) * 7;
      lines.push(
        `2 111122223333 ${ENI.bastion.id} ${ENI.app1.ip} ${ENI.bastion.ip} ${40000 + i} ${port} 6 3 180 ${at} ${at + 60} REJECT OK`,
      );
    }
  }
  writeFileSync(join(root, 'flows', 'many-refused-ports.log'), `${lines.join('\n')}\n`);
}

/**
 * A real worker process (the built code) is killed with SIGKILL in the middle of persisting an
 * analysis; another one picks the job up through BullMQ's stalled-job check. The findings must
 * equal those of an uninterrupted run of the same data.
 */
describe('an analysis survives its worker being killed', () => {
  let testApp: TestApp;
  let dist: string;
  const data = tempDataRoot();
  addManyRefusedPorts(data.root);
  const workers: RunningProcess[] = [];
  const server = () => testApp.app.getHttpServer();

  const startWorker = async (): Promise<RunningProcess> => {
    const worker = startProcess(join(dist, 'worker.js'), [], {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: testApp.config.database.url,
      REDIS_URL: testApp.config.redis.url,
      REDIS_PREFIX: testApp.config.redis.prefix,
      SGDOCTOR_DATA_ROOT: data.root,
      SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '400',
      // Small batches, each followed by the pause: the worker is killed with some, not all, committed.
      ANALYSIS_PERSIST_BATCH: '50',
      ANALYSIS_LOCK_DURATION_MS: '2000',
      ANALYSIS_STALLED_INTERVAL_MS: '1000',
    });
    workers.push(worker);
    await worker.waitForLine(/sgdoctor worker started/, 60_000);
    return worker;
  };

  beforeAll(async () => {
    dist = builtDistDir();
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_DATA_ROOT: data.root } });
  }, 300_000);

  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
  });

  afterAll(async () => {
    await testApp?.close();
    data.remove();
  });

  it('ends with the same findings as an uninterrupted run', async () => {
    const db = new Client({ connectionString: testApp.config.database.url });
    await db.connect();
    try {
      const first = await startWorker();
      const killedTarget = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'killed' }))).body.id;
      const killedAnalysis = (await api(server()).post('/v1/analyses', { targetId: killedTarget, ...SAMPLE_WINDOW })).body.id;

      // Wait until some, not all, findings are committed, then kill the worker without warning.
      const deadline = Date.now() + 60_000;
      let written = 0;
      while (Date.now() < deadline) {
        written = (await db.query('SELECT count(*)::int AS n FROM findings WHERE target_id = $1', [killedTarget])).rows[0].n;
        if (written >= 50) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(written).toBeGreaterThanOrEqual(50);
      first.child.kill('SIGKILL');
      await first.exited;
      const midway = (await api(server()).get(`/v1/analyses/${killedAnalysis}`)).body;
      expect(midway).toMatchObject({ status: 'running', stage: 'persist' });

      await startWorker();
      const recovered = await waitForAnalysis(server(), killedAnalysis, 120_000);
      expect(recovered.status, JSON.stringify(recovered.failure)).toBe('succeeded');

      const cleanTarget = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'clean' }))).body.id;
      const cleanAnalysis = (await api(server()).post('/v1/analyses', { targetId: cleanTarget, ...SAMPLE_WINDOW })).body.id;
      const clean = await waitForAnalysis(server(), cleanAnalysis, 120_000);
      expect(clean.status).toBe('succeeded');

      const shape = (findings: Array<Record<string, any>>) =>
        findings
          .map((f) => ({
            fingerprint: f.fingerprint,
            status: f.status,
            records: f.records,
            severity: f.severity,
            classification: f.classification,
            fix: f.fixSummary,
          }))
          .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
      const afterKill = await allFindings(server(), killedTarget);
      const uninterrupted = await allFindings(server(), cleanTarget);
      expect(afterKill.length).toBeGreaterThan(written);
      expect(shape(afterKill)).toEqual(shape(uninterrupted));
      expect(recovered.statistics.findings).toEqual(clean.statistics.findings);

      // Exactly one finding.opened event per finding, though part of the batches ran twice.
      const opened = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'finding.opened' AND target_id = $1`, [
        killedTarget,
      ]);
      expect(opened.rows[0].n).toBe(afterKill.length);
      const audit = await db.query(
        'SELECT count(*)::int AS n FROM finding_events e JOIN findings f ON f.id = e.finding_id WHERE f.target_id = $1',
        [killedTarget],
      );
      expect(audit.rows[0].n).toBe(afterKill.length);
    } finally {
      await db.end();
    }
  }, 300_000);
});
