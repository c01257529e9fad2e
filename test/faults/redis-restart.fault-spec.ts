import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEventType } from '../../src/events/domain-event';
import { QueueName } from '../../src/queues/queue-names';
import { redisOptionsFromUrl } from '../../src/queues/redis-connection-options';
import { EVENTS_SWEEP_SCHEDULER } from '../../src/webhooks/jobs/webhook-jobs';
import { sampleFinding } from '../support/factories/sample-finding';
import { ADMIN_KEY as ANALYSIS_ADMIN_KEY, api, waitForAnalysis } from '../support/app/analysis-api';
import { emitEvent, findingEventData, insertTargetAndFinding } from '../support/factories/domain-events';
import { dropResources, startApi, startWorker, type RunningApi, type RunningWorker } from '../support/app/integration-app';
import { ThrowawayRedis } from '../support/app/throwaway-services';
import { WebhookReceiver } from '../support/http/webhook-receiver';
import { createSampleAnalysis, expectSameAsUninterrupted, poll, SAMPLES, withDatabase } from '../support/app/fault-support';

/**
 * Redis restarted without persistence (`--save ''`): every job, scheduler and delayed retry is
 * gone. PostgreSQL still records the queued analysis, the pending deliveries and the report
 * schedule, and the reconciler rebuilds the queues from it: the analysis runs, every event is
 * delivered once, and the job schedulers are back.
 */
describe('work survives a Redis restart that lost every key', () => {
  let redis: ThrowawayRedis;
  let running: RunningApi;
  let worker: RunningWorker | undefined;
  let receiver: WebhookReceiver;
  const env = () => ({
    REDIS_URL: redis.url,
    SGDOCTOR_ADMIN_API_KEY: ANALYSIS_ADMIN_KEY,
    SGDOCTOR_DATA_ROOT: SAMPLES,
    RECONCILE_INTERVAL_MS: '2000',
    // Retries far enough apart that the restart strands them, as it did the real schedule's.
    WEBHOOK_RETRY_SCHEDULE_MS: '0,20000,20000',
  });

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    let failures = 0;
    // The first three requests fail, so their deliveries wait for a retry when Redis goes.
    receiver = await WebhookReceiver.start(() => (failures++ < 3 ? { status: 503 } : { status: 204 }));
    running = await startApi({ env: { ...env(), SGDOCTOR_WITH_WORKER: 'false' } });
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await running?.close();
    await receiver?.close();
    await redis?.stop();
    if (running) await dropResources(running.resources);
  });

  it('re-runs the queued analysis, delivers each stranded event once and re-creates the schedulers', async () => {
    const server = running.app.getHttpServer();
    const { targetId, findingId } = await insertTargetAndFinding(running.config.database.url, sampleFinding());
    const hook = await api(server).post('/v1/webhooks', {
      url: receiver.url('/hook'),
      events: ['finding.opened'],
      filters: { targetIds: [targetId] },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const schedule = await api(server).post('/v1/report-schedules', {
      name: 'nightly',
      targetIds: [targetId],
      cron: '0 6 * * *',
      timeZone: 'Europe/Paris',
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);

    worker = await startWorker(running.resources, env());
    const { subject, data } = findingEventData(targetId, findingId, sampleFinding());
    const eventIds = [
      await emitEvent(running.app, DomainEventType.FindingOpened, subject, data),
      await emitEvent(running.app, DomainEventType.FindingOpened, subject, data),
      await emitEvent(running.app, DomainEventType.FindingOpened, subject, data),
    ];
    const pendingRetries = () =>
      withDatabase(
        running.config.database.url,
        async (db) =>
          (
            await db.query(
              `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending' AND attempts = 1 AND next_attempt_at > now()`,
            )
          ).rows[0].n as number,
      );
    await poll(pendingRetries, (n) => n === 3, 30_000, 100);
    await worker.close();
    worker = undefined;
    const analysis = await createSampleAnalysis(server, 'queued-at-restart');

    await redis.stop();
    await redis.start();
    const restarted = performance.now();
    const probe = new Queue(QueueName.Report, { connection: redisOptionsFromUrl(redis.url), prefix: running.resources.prefix });
    const sweep = new Queue(QueueName.WebhookDelivery, { connection: redisOptionsFromUrl(redis.url), prefix: running.resources.prefix });
    try {
      expect(await probe.getJobScheduler(schedule.body.id)).toBeUndefined();

      worker = await startWorker(running.resources, env());
      const delivered = await poll(
        () => Promise.resolve(receiver.requests.filter((r) => r.path === '/hook').length),
        (n) => n >= 6,
        60_000,
        250,
      );
      await waitForAnalysis(server, analysis.analysisId, 120_000);
      console.info(
        `fault: Redis restarted empty; queued analysis, stranded retries and schedulers recovered within ${Math.round(performance.now() - restarted)} ms`,
      );
      await expectSameAsUninterrupted(server, running.config.database.url, analysis);
      expect(delivered).toBe(6);
      // Each event: one failed attempt before the restart, one delivery after.
      const ids = receiver.requests.map((r) => String(r.headers['webhook-id']));
      for (const id of eventIds) expect(ids.filter((seen) => seen === id)).toHaveLength(2);
      expect(await probe.getJobScheduler(schedule.body.id)).toMatchObject({ pattern: '0 6 * * *', tz: 'Europe/Paris' });
      expect(await sweep.getJobScheduler(EVENTS_SWEEP_SCHEDULER)).toBeDefined();
      await withDatabase(running.config.database.url, async (db) => {
        const left = await db.query(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status`,
          [hook.body.id],
        );
        expect(left.rows).toEqual([{ status: 'succeeded', n: 3 }]);
      });
    } finally {
      await probe.close();
      await sweep.close();
    }
  });
});

/** The same restart on a Redis that persists (append-only file): nothing is lost to begin with. */
describe('work survives a Redis restart that kept its keys', () => {
  let redis: ThrowawayRedis;
  let running: RunningApi;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create({ persist: true });
    running = await startApi({
      env: { REDIS_URL: redis.url, SGDOCTOR_ADMIN_API_KEY: ANALYSIS_ADMIN_KEY, SGDOCTOR_DATA_ROOT: SAMPLES, SGDOCTOR_WITH_WORKER: 'false' },
    });
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await running?.close();
    await redis?.destroy();
    if (running) await dropResources(running.resources);
  });

  it('runs the analysis queued before the restart from its own job', async () => {
    const server = running.app.getHttpServer();
    const analysis = await createSampleAnalysis(server, 'queued-at-persistent-restart');
    await redis.stop();
    await redis.start();
    const probe = new Queue(QueueName.Analysis, { connection: redisOptionsFromUrl(redis.url), prefix: running.resources.prefix });
    try {
      expect(await probe.getJobState(analysis.analysisId)).toBe('waiting');
    } finally {
      await probe.close();
    }
    // A long reconciler period: the job that survived runs it, not a repair.
    worker = await startWorker(running.resources, { REDIS_URL: redis.url, SGDOCTOR_DATA_ROOT: SAMPLES, RECONCILE_INTERVAL_MS: '3600000' });
    await expectSameAsUninterrupted(server, running.config.database.url, analysis);
  });
});
