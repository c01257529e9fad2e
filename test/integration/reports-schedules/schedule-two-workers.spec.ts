import { Queue, QueueEvents } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../../src/queues/queue-names';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { ADMIN_KEY, dropResources, startApi, startWorker, type RunningApi, type RunningWorker } from '../../support/app/integration-app';

const TICK_MS = 2_000;

/**
 * A per-second cron with two worker processes on the same database and Redis prefix: the job
 * scheduler fires once per tick, one worker takes it, and each tick yields exactly one report.
 */
describe('report schedule with two workers', () => {
  let api: RunningApi;
  const workers: RunningWorker[] = [];
  let events: QueueEvents;
  const completed = new Map<string, number>();
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${ADMIN_KEY}`);

  beforeAll(async () => {
    // Ticks every 2 s: allowed here by a minimum interval far below the default 5 minutes.
    api = await startApi({ env: { SGDOCTOR_WITH_WORKER: 'false', REPORT_SCHEDULE_MIN_INTERVAL_SECONDS: '1' } });
    workers.push(await startWorker(api.resources), await startWorker(api.resources));
    events = new QueueEvents(QueueName.Report, { connection: redisOptionsFromUrl(api.config.redis.url), prefix: api.config.redis.prefix });
    events.on('completed', ({ jobId }) => completed.set(jobId, (completed.get(jobId) ?? 0) + 1));
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events?.close();
    for (const worker of workers) await worker.close();
    await api?.close();
    if (api) await dropResources(api.resources);
  });

  it('fires at each cron tick exactly once', async () => {
    const queue = new Queue(QueueName.Report, { connection: redisOptionsFromUrl(api.config.redis.url), prefix: api.config.redis.prefix });
    try {
      expect(await queue.getWorkersCount()).toBe(2);
    } finally {
      await queue.close();
    }
    const server = api.app.getHttpServer();
    const target = await auth(request(server).post('/v1/targets')).send({
      name: 'samples',
      accountId: '111122223333',
      region: 'eu-west-1',
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    });
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const schedule = await auth(request(server).post('/v1/report-schedules')).send({
      targetIds: [target.body.id],
      cron: '*/2 * * * * *',
      lookbackHours: 1,
      formats: ['json'],
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const id: string = schedule.body.id;

    await new Promise((resolve) => setTimeout(resolve, 5 * TICK_MS + 500));
    expect((await auth(request(server).patch(`/v1/report-schedules/${id}`)).send({ enabled: false })).status).toBe(200);
    // Let the runs already started finish.
    await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS));

    const db = new Client({ connectionString: api.config.database.url });
    await db.connect();
    let runKeys: string[];
    try {
      const rows = await db.query(`SELECT run_key FROM reports WHERE schedule_id = $1 ORDER BY run_key`, [id]);
      runKeys = rows.rows.map((row) => row.run_key as string);
    } finally {
      await db.end();
    }

    const ticks = runKeys.map((key) => Number(key.split(':').at(-1))).sort((a, b) => a - b);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.every((tick) => tick % TICK_MS === 0)).toBe(true);
    // Consecutive ticks, none twice and none skipped.
    expect(ticks.slice(1).map((tick, i) => tick - ticks[i]!)).toEqual(new Array(ticks.length - 1).fill(TICK_MS));

    const schedulerJobs = [...completed.entries()].filter(([jobId]) => jobId.startsWith(`repeat:${id}:`));
    expect(schedulerJobs.map(([, times]) => times).every((times) => times === 1)).toBe(true);
    expect(schedulerJobs.map(([jobId]) => Number(jobId.split(':').at(-1))).sort((a, b) => a - b)).toEqual(ticks);
  });
});
