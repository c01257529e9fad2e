import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { JOB_CATALOGUE, type JobName, type JobPayload } from './job-catalogue';
import { QueueName } from './queue-names';

/**
 * The one way jobs are queued: the queue comes from the catalogue, and the payload is checked
 * against the job's schema before it reaches Redis, so a consumer never sees a payload its
 * producer could not have meant. A payload that does not parse is a programming error: it throws.
 */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Analysis) analysis: Queue,
    @InjectQueue(QueueName.WebhookDelivery) webhookDelivery: Queue,
    @InjectQueue(QueueName.Report) report: Queue,
    @InjectQueue(QueueName.Reachability) reachability: Queue,
  ) {
    this.queues = {
      [QueueName.Analysis]: analysis,
      [QueueName.WebhookDelivery]: webhookDelivery,
      [QueueName.Report]: report,
      [QueueName.Reachability]: reachability,
    };
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts?: JobsOptions): Promise<Job> {
    return this.queueOf(name).add(name, validPayload(name, payload), opts);
  }

  async enqueueBulk<N extends JobName>(name: N, jobs: ReadonlyArray<{ payload: JobPayload<N>; opts?: JobsOptions }>): Promise<Job[]> {
    return this.queueOf(name).addBulk(jobs.map((job) => ({ name, data: validPayload(name, job.payload), opts: job.opts })));
  }

  /** The queue that carries a job (for reachability checks around an enqueue). */
  queueOf(name: JobName): Queue {
    return this.queues[JOB_CATALOGUE[name].queue];
  }
}

function validPayload<N extends JobName>(name: N, payload: JobPayload<N>): JobPayload<N> {
  const parsed = JOB_CATALOGUE[name].payload.safeParse(payload);
  if (!parsed.success) {
    throw new Error(`refusing to queue ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as JobPayload<N>;
}
