import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ANALYSIS_RUN_JOB,
  ATHENA_SPEND_SWEEP_JOB,
  CONTINUOUS_TICK_JOB,
  JOB_CATALOGUE,
  jobsOf,
  REPORT_RUN_JOB,
  WEBHOOK_DELIVER_JOB,
  type JobName,
} from '../../../src/queues/job-catalogue';
import { JobHandlerRegistry } from '../../../src/queues/job-handler-registry';
import { JobProducer } from '../../../src/queues/job-producer';
import { ALL_QUEUE_NAMES, QueueName } from '../../../src/queues/queue-names';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { TEST_REDIS_URL } from '../../support/app/test-database';
import { deleteRedisPrefix } from '../../support/app/test-redis';

const handler = async () => undefined;

describe('job catalogue', () => {
  it('puts every job on exactly one of the registered queues', () => {
    const all = ALL_QUEUE_NAMES.flatMap((queue) => jobsOf(queue));
    expect(all.sort()).toEqual((Object.keys(JOB_CATALOGUE) as JobName[]).sort());
    expect(jobsOf(QueueName.WebhookDelivery).sort()).toEqual(['events.sweep', 'webhook.deliver', 'webhook.fanout']);
  });
});

describe('JobHandlerRegistry', () => {
  it("accepts a processor that handles exactly its queue's jobs", () => {
    const registry = new JobHandlerRegistry();
    registry.register(
      QueueName.Analysis,
      { [ANALYSIS_RUN_JOB]: handler, [CONTINUOUS_TICK_JOB]: handler, [ATHENA_SPEND_SWEEP_JOB]: handler },
      'AnalysisProcessor',
    );
    expect(registry.ownerOf(ANALYSIS_RUN_JOB)).toBe('AnalysisProcessor');
    expect(registry.ownerOf(CONTINUOUS_TICK_JOB)).toBe('AnalysisProcessor');
    expect(registry.ownerOf(ATHENA_SPEND_SWEEP_JOB)).toBe('AnalysisProcessor');
  });

  it('stops the start when a job of the queue has no handler, or a handler is for no job of it', () => {
    const registry = new JobHandlerRegistry();
    expect(() => registry.register(QueueName.WebhookDelivery, { [WEBHOOK_DELIVER_JOB]: handler }, 'Partial')).toThrow(
      /webhook\.fanout has no handler.*events\.sweep has no handler|events\.sweep has no handler.*webhook\.fanout has no handler/,
    );
    expect(() =>
      registry.register(
        QueueName.Analysis,
        { [ANALYSIS_RUN_JOB]: handler, [CONTINUOUS_TICK_JOB]: handler, [REPORT_RUN_JOB]: handler },
        'Greedy',
      ),
    ).toThrow('report.run is not a job of the analysis queue');
  });

  it('stops the start when a second processor handles a job that already has one', () => {
    const registry = new JobHandlerRegistry();
    registry.register(QueueName.Report, { [REPORT_RUN_JOB]: handler }, 'ReportProcessor');
    expect(() => registry.register(QueueName.Report, { [REPORT_RUN_JOB]: handler }, 'AnotherReportProcessor')).toThrow(
      'report.run is already handled by ReportProcessor',
    );
  });
});

describe('JobProducer', () => {
  const prefix = `test-producer-${randomUUID()}`;
  const connection = redisOptionsFromUrl(TEST_REDIS_URL);
  const queues = Object.fromEntries(ALL_QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })])) as Record<
    QueueName,
    Queue
  >;
  const producer = new JobProducer(
    queues[QueueName.Analysis],
    queues[QueueName.WebhookDelivery],
    queues[QueueName.Report],
    queues[QueueName.Reachability],
  );

  afterAll(async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    await deleteRedisPrefix(prefix);
  });

  it('queues a job on its catalogue queue with the payload as given', async () => {
    const analysisId = randomUUID();
    const job = await producer.enqueue(ANALYSIS_RUN_JOB, { analysisId, attempt: 0, recoveries: 2 }, { jobId: analysisId, delay: 60_000 });
    const stored = await queues[QueueName.Analysis].getJob(analysisId);
    expect(stored?.name).toBe(ANALYSIS_RUN_JOB);
    expect(stored?.data).toEqual({ analysisId, attempt: 0, recoveries: 2 });
    expect(job.queueName).toBe(QueueName.Analysis);
    expect(await queues[QueueName.Report].getJob(analysisId)).toBeUndefined();
  });

  it('refuses a payload its schema rejects, before anything reaches Redis', async () => {
    const bad = { deliveryId: 'not-a-uuid' };
    await expect(async () => producer.enqueue(WEBHOOK_DELIVER_JOB, bad, { jobId: 'bad-delivery' })).rejects.toThrow(
      /refusing to queue webhook\.deliver: deliveryId/,
    );
    expect(await queues[QueueName.WebhookDelivery].getJob('bad-delivery')).toBeUndefined();
  });
});
