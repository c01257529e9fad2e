import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analysisJobId } from '../../../src/analyses/analysis-job';
import { INITIAL_ADMIN_KEY_LOCK_ID } from '../../../src/api-keys/api-keys.service';
import { newEventId } from '../../../src/events/event-id.util';
import { QueueName } from '../../../src/queues/queue-names';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { ReconcileLoop } from '../../../src/recovery/reconcile-loop.service';
import { MAX_ANALYSIS_RECOVERIES } from '../../../src/recovery/work-reconciler.service';
import { EVENTS_SWEEP_SCHEDULER } from '../../../src/webhooks/jobs/webhook-jobs';
import { ATHENA_SPEND_SWEEP_SCHEDULER } from '../../../src/costs/athena-spend-sweep-job';
import { deleteRedisPrefix } from '../../support/app/test-redis';
import { TEST_REDIS_URL } from '../../support/app/test-database';
import { until } from '../../support/app/until';
import { WebhookReceiver } from '../../support/http/webhook-receiver';
import { ADMIN_KEY, allFindings, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from '../../support/app/analysis-api';
import { dropResources, startApi, startWorker, type RunningApi, type RunningWorker } from '../../support/app/integration-app';

/**
 * The reconciler on real PostgreSQL and Redis: work recorded in the database whose job Redis
 * lost, or whose job failed while the row still says running, is queued again and completes;
 * job schedulers deleted from Redis come back. The API runs without a worker, so each broken
 * state is set up before a worker (and its first reconciliation) starts.
 */
describe('the reconciler makes the queues agree with PostgreSQL', () => {
  let running: RunningApi;
  let worker: RunningWorker | undefined;
  let db: Client;
  const queues: Queue[] = [];
  const http = () => api(running.app.getHttpServer(), ADMIN_KEY);
  // Only the start pass reconciles; the tests call runOnce for the rest.
  const WORKER_ENV = { RECONCILE_INTERVAL_MS: '3600000' };

  const queue = (name: string): Queue => {
    const q = new Queue(name, { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: running.resources.prefix });
    queues.push(q);
    return q;
  };

  const queuedAnalysis = async (name: string): Promise<{ targetId: string; analysisId: string }> => {
    const target = await http().post('/v1/targets', sampleTargetBody({ name }));
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const analysis = await http().post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW });
    expect(analysis.status, JSON.stringify(analysis.body)).toBe(202);
    return { targetId: target.body.id, analysisId: analysis.body.id };
  };

  /** Fails the analysis job as BullMQ's stalled check does when a job's workers died twice. */
  const failAsStalledTwice = async (analysisId: string, recoveries: number): Promise<void> => {
    const analysisQueue = queue(QueueName.Analysis);
    const job = await analysisQueue.getJob(analysisJobId(analysisId, 0));
    await job!.updateData({ ...job!.data, recoveries });
    const taker = new Worker(QueueName.Analysis, null, {
      connection: redisOptionsFromUrl(TEST_REDIS_URL),
      prefix: running.resources.prefix,
    });
    try {
      const token = randomUUID();
      const taken = await taker.getNextJob(token);
      expect(taken?.id).toBe(analysisId);
      await db.query(`UPDATE analyses SET status = 'running', stage = 'correlate', started_at = now() WHERE id = $1`, [analysisId]);
      // The stalled check fails the job whatever attempts it has left; so does an UnrecoverableError.
      await taken!.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), token, false);
    } finally {
      await taker.close();
    }
    expect(await analysisQueue.getJobState(analysisId)).toBe('failed');
  };

  beforeAll(async () => {
    running = await startApi({ env: { SGDOCTOR_WITH_WORKER: 'false', SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY } });
    db = new Client({ connectionString: running.config.database.url });
    await db.connect();
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    for (const q of queues.splice(0)) await q.close();
  });

  afterAll(async () => {
    await db?.end();
    await running?.close();
    if (running) await dropResources(running.resources);
  });

  it('queues again an analysis whose job Redis lost, and it completes like an uninterrupted run', async () => {
    const lost = await queuedAnalysis('lost-job');
    expect(await queue(QueueName.Analysis).remove(lost.analysisId)).toBe(1);
    expect(await queue(QueueName.Analysis).getJobState(lost.analysisId)).toBe('unknown');

    worker = await startWorker(running.resources, WORKER_ENV);
    const done = await waitForAnalysis(running.app.getHttpServer(), lost.analysisId, 120_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify((await http().get(`/v1/analyses/${lost.analysisId}`)).body)}`);
    });
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');

    const clean = await queuedAnalysis('uninterrupted');
    expect((await waitForAnalysis(running.app.getHttpServer(), clean.analysisId, 120_000)).status).toBe('succeeded');
    const shape = (findings: Array<Record<string, any>>) => findings.map((f) => `${f.fingerprint} ${f.status} ${f.records}`).sort();
    const recovered = await allFindings(running.app.getHttpServer(), lost.targetId);
    expect(recovered.length).toBeGreaterThan(0);
    expect(shape(recovered)).toEqual(shape(await allFindings(running.app.getHttpServer(), clean.targetId)));
  });

  it('runs again a running analysis whose job failed "stalled more than allowable limit"', async () => {
    const { analysisId } = await queuedAnalysis('stalled-twice');
    await failAsStalledTwice(analysisId, 0);

    worker = await startWorker(running.resources, WORKER_ENV);
    const done = await waitForAnalysis(running.app.getHttpServer(), analysisId, 120_000);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
  });

  it('records as failed, with the reason, an analysis whose job failed again after its recoveries; the API retries it', async () => {
    const { targetId, analysisId } = await queuedAnalysis('stalled-too-often');
    await failAsStalledTwice(analysisId, MAX_ANALYSIS_RECOVERIES);

    worker = await startWorker(running.resources, WORKER_ENV);
    const failed = await waitForAnalysis(running.app.getHttpServer(), analysisId, 60_000);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'ANALYSIS.JOB_FAILED', stage: 'correlate', permanent: false } });
    expect(failed.failure.reason).toContain('stalled more than allowable limit');
    const events = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'analysis.failed' AND data->>'analysisId' = $1`, [
      analysisId,
    ]);
    expect(events.rows[0].n).toBe(1);

    // The target is not blocked, and the analysis can be retried.
    const retried = await http().post(`/v1/analyses/${analysisId}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect((await waitForAnalysis(running.app.getHttpServer(), analysisId, 120_000)).status).toBe('succeeded');
    expect((await allFindings(running.app.getHttpServer(), targetId)).length).toBeGreaterThan(0);
  });

  it('queues again a "run now" of a report whose job Redis lost, and the report is stored', async () => {
    const target = await http().post('/v1/targets', sampleTargetBody({ name: 'reported' }));
    const schedule = await http().post('/v1/report-schedules', {
      name: 'weekly',
      targetIds: [target.body.id],
      cron: '0 6 * * 1',
      lookbackHours: 1,
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const run = await http().post(`/v1/report-schedules/${schedule.body.id}/run`);
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    expect(await queue(QueueName.Report).remove(`manual-${run.body.runId}`)).toBe(1);

    worker = await startWorker(running.resources, WORKER_ENV);
    const reports = await until(
      () => http().get(`/v1/reports?scheduleId=${schedule.body.id}`),
      (response) => response.body.items?.length === 1,
      60_000,
      250,
    );
    expect(reports.body.items[0]).toMatchObject({ trigger: 'manual', runKey: `manual:${run.body.runId}` });
    const row = await db.query(`SELECT status, report_id FROM report_runs WHERE id = $1`, [run.body.runId]);
    expect(row.rows[0]).toEqual({ status: 'succeeded', report_id: reports.body.items[0].id });
  });

  it('reconciles while an API process creates its initial admin key (their advisory locks are distinct)', async () => {
    worker = await startWorker(running.resources, WORKER_ENV);
    // The start pass is over before the lock is taken, so the pass below is a fresh one.
    await worker.context.get(ReconcileLoop).runOnce();
    const apiProcess = new Client({ connectionString: running.config.database.url });
    await apiProcess.connect();
    try {
      await apiProcess.query('BEGIN');
      await apiProcess.query('SELECT pg_advisory_xact_lock($1)', [INITIAL_ADMIN_KEY_LOCK_ID]);
      // Another worker reconciling would make this pass skip its round (null); an API's key creation must not.
      expect(await worker.context.get(ReconcileLoop).runOnce()).not.toBeNull();
    } finally {
      await apiProcess.query('ROLLBACK');
      await apiProcess.end();
    }
  });

  it('re-creates the job schedulers, and re-queues deliveries and fan-outs, after Redis lost every key', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const target = await http().post('/v1/targets', sampleTargetBody({ name: 'scheduled' }));
      const schedule = await http().post('/v1/report-schedules', {
        name: 'nightly',
        targetIds: [target.body.id],
        cron: '0 6 * * *',
        timeZone: 'Europe/Paris',
      });
      expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
      const webhook = await http().post('/v1/webhooks', { url: receiver.url('/hook'), events: ['analysis.completed'] });
      expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
      const ping = await http().post(`/v1/webhooks/${webhook.body.id}/test`);
      expect(ping.status, JSON.stringify(ping.body)).toBeLessThan(300);
      // An event whose fan-out job was enqueued (published) and then lost with Redis.
      const eventId = newEventId(Date.now());
      await db.query(
        `INSERT INTO events (id, type, occurred_at, target_id, subject, data, published_at)
         VALUES ($1, 'analysis.completed', now(), $2, $3::jsonb, $4::jsonb, now())`,
        [
          eventId,
          target.body.id,
          JSON.stringify({ targetId: target.body.id, analysisId: randomUUID() }),
          JSON.stringify({ note: 'lost fan-out' }),
        ],
      );

      worker = await startWorker(running.resources, WORKER_ENV);
      await worker.context.get(ReconcileLoop).runOnce();
      const received = () => Promise.resolve(receiver.requests.map((r) => JSON.parse(r.body.toString()).type as string).sort());
      expect(await until(received, (types) => types.length >= 2, 30_000)).toEqual(['analysis.completed', 'webhook.test']);
      receiver.requests.length = 0;
      // The receiver has the request before the worker records the delivery and completes its job:
      // both are done before Redis is emptied and the delivery set pending again, or the worker's
      // own record of the success would undo that.
      const reportQueue = queue(QueueName.Report);
      const webhookQueue = queue(QueueName.WebhookDelivery);
      const analysisQueue = queue(QueueName.Analysis);
      await until(
        async () => ({
          statuses: (await db.query(`SELECT status FROM webhook_deliveries WHERE event_id = $1`, [eventId])).rows.map(
            (r) => r.status as string,
          ),
          active: await webhookQueue.getActiveCount(),
        }),
        ({ statuses, active }) => statuses.length === 1 && statuses[0] === 'succeeded' && active === 0,
        30_000,
      );

      // Everything under the prefix goes, as when a Redis without persistence restarts.
      await deleteRedisPrefix(running.resources.prefix);
      await db.query(`UPDATE webhook_deliveries SET status = 'pending', delivered_at = NULL WHERE event_id = $1`, [eventId]);
      expect(await reportQueue.getJobScheduler(schedule.body.id)).toBeUndefined();

      const report = await worker.context.get(ReconcileLoop).runOnce();
      // Every enabled report schedule's scheduler, the events sweep's and the Athena spending sweep's.
      const schedules = (await db.query(`SELECT count(*)::int AS n FROM report_schedules WHERE enabled`)).rows[0].n as number;
      expect(report).toMatchObject({ schedulersRecreated: schedules + 2, deliveriesRequeued: 1 });
      expect(await reportQueue.getJobScheduler(schedule.body.id)).toMatchObject({ pattern: '0 6 * * *', tz: 'Europe/Paris' });
      expect(await webhookQueue.getJobScheduler(EVENTS_SWEEP_SCHEDULER)).toBeDefined();
      expect(await analysisQueue.getJobScheduler(ATHENA_SPEND_SWEEP_SCHEDULER)).toMatchObject({ every: 60_000 });
      await until(
        () => Promise.resolve(receiver.requests.map((r) => JSON.parse(r.body.toString()).id as string)),
        (ids) => ids.includes(eventId),
        30_000,
      );

      // A second pass finds nothing left to repair.
      expect(await worker.context.get(ReconcileLoop).runOnce()).toEqual({
        analysesRequeued: 0,
        analysesFailed: 0,
        reportRunsRequeued: 0,
        reportRunsFailed: 0,
        deliveriesRequeued: 0,
        fanOutsRequeued: 0,
        eventsPublished: 0,
        schedulersRecreated: 0,
      });
    } finally {
      await receiver.close();
    }
  });
});
