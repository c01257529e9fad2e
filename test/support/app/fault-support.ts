import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { expect } from 'vitest';
import { allFindings, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from './analysis-api';
import { startProcess, type RunningProcess } from './built-app';
import type { TestApp } from './test-app';

export const SAMPLES = resolve(__dirname, '..', '..', '..', 'samples');

type Server = Parameters<typeof api>[0];

/** Worker processes of the built app on a test app's database and Redis prefix; all killed at the end. */
export class WorkerFleet {
  private readonly running: RunningProcess[] = [];

  constructor(
    private readonly dist: string,
    private readonly testApp: TestApp,
    private readonly env: Record<string, string>,
  ) {}

  async start(extra: Record<string, string> = {}): Promise<RunningProcess> {
    const worker = startProcess(join(this.dist, 'worker.js'), [], {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.testApp.config.database.url,
      REDIS_URL: this.testApp.config.redis.url,
      REDIS_PREFIX: this.testApp.config.redis.prefix,
      SGDOCTOR_DATA_ROOT: SAMPLES,
      DB_MIGRATIONS_RUN: 'false',
      ...this.env,
      ...extra,
    });
    this.running.push(worker);
    await worker.waitForLine(/sgdoctor worker started/, 60_000);
    return worker;
  }

  async kill(worker: RunningProcess): Promise<void> {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  async stopAll(): Promise<void> {
    for (const worker of this.running.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }
}

export async function withDatabase<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

export async function createSampleAnalysis(server: Server, name: string): Promise<{ targetId: string; analysisId: string }> {
  const target = await api(server).post('/v1/targets', sampleTargetBody({ name }));
  expect(target.status, JSON.stringify(target.body)).toBe(201);
  const analysis = await api(server).post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW });
  expect(analysis.status, JSON.stringify(analysis.body)).toBe(202);
  return { targetId: target.body.id, analysisId: analysis.body.id };
}

/** Polls until `done`; for database state workers change. */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
  }
}

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

/**
 * The end state of an interrupted analysis against an uninterrupted run of the same data on a
 * fresh target: it succeeded, the same findings and counts, one finding.opened and one audit
 * entry per finding, and nothing left queued or running.
 */
export async function expectSameAsUninterrupted(
  server: Server,
  databaseUrl: string,
  interrupted: { targetId: string; analysisId: string },
): Promise<void> {
  const recovered = await waitForAnalysis(server, interrupted.analysisId, 180_000);
  expect(recovered.status, JSON.stringify(recovered.failure)).toBe('succeeded');
  const clean = await createSampleAnalysis(server, `uninterrupted-${interrupted.targetId.slice(0, 8)}`);
  const cleanRun = await waitForAnalysis(server, clean.analysisId, 180_000);
  expect(cleanRun.status).toBe('succeeded');
  const afterFault = await allFindings(server, interrupted.targetId);
  expect(afterFault.length).toBeGreaterThan(0);
  expect(shape(afterFault)).toEqual(shape(await allFindings(server, clean.targetId)));
  expect(recovered.statistics.findings).toEqual(cleanRun.statistics.findings);
  await withDatabase(databaseUrl, async (db) => {
    const opened = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'finding.opened' AND target_id = $1`, [
      interrupted.targetId,
    ]);
    expect(opened.rows[0].n).toBe(afterFault.length);
    const completed = await db.query(
      `SELECT count(*)::int AS n FROM events WHERE type = 'analysis.completed' AND data->>'analysisId' = $1`,
      [interrupted.analysisId],
    );
    expect(completed.rows[0].n).toBe(1);
    const audit = await db.query(
      'SELECT count(*)::int AS n FROM finding_events e JOIN findings f ON f.id = e.finding_id WHERE f.target_id = $1',
      [interrupted.targetId],
    );
    expect(audit.rows[0].n).toBe(afterFault.length);
    const active = await db.query(`SELECT count(*)::int AS n FROM analyses WHERE status IN ('queued', 'running')`);
    expect(active.rows[0].n).toBe(0);
  });
}
