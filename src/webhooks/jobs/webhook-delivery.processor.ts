import { queueTimeMs } from '../../queues/queue-time.util';
import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { EventsService, WEBHOOK_FANOUT_JOB } from '../../events/events.service';
import type { QueueHandlers } from '../../queues/job-catalogue';
import { dispatchJob, parseJobPayload } from '../../queues/job-dispatch.util';
import { JobHandlerRegistry } from '../../queues/job-handler-registry';
import { drainWorker, listenToWorkerErrors } from '../../queues/drain-worker.util';
import { QueueName } from '../../queues/queue-names';
import { RESUME_SPACING_MS, WebhookDeliveriesService } from '../webhook-deliveries.service';
import { DeliveryAttemptService } from './delivery-attempt.service';
import {
  deliverPayloadSchema,
  EVENTS_SWEEP_EVERY_MS,
  EVENTS_SWEEP_JOB,
  EVENTS_SWEEP_SCHEDULER,
  fanoutPayloadSchema,
  WEBHOOK_DELIVER_JOB,
} from './webhook-jobs';

/** How long a delivery waits when its subscription is at its in-flight limit (plus jitter). */
const BUSY_DELAY_MS = 500;
/** Failed fan-out and delivery jobs younger than this are put back in the queue by the sweep. */
const SWEEP_RETRY_WINDOW_MS = 24 * 3_600_000;

/**
 * The `webhook-delivery` queue: fan-out of domain events into deliveries, and the deliveries
 * themselves. Many deliveries run at once (WEBHOOK_CONCURRENCY) and each request is bounded by
 * WEBHOOK_TIMEOUT_MS, so one slow receiver holds one slot for a few seconds, not the queue.
 */
@Injectable()
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);
  private readonly handlers: QueueHandlers<typeof QueueName.WebhookDelivery, unknown> = {
    [WEBHOOK_FANOUT_JOB]: (job) => this.fanOut(job),
    [WEBHOOK_DELIVER_JOB]: (job, token) => this.deliver(job, token),
    [EVENTS_SWEEP_JOB]: () => this.sweep(),
  };

  constructor(
    private readonly events: EventsService,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly attempts: DeliveryAttemptService,
    @InjectQueue(QueueName.WebhookDelivery) private readonly queue: Queue,
    registry: JobHandlerRegistry,
  ) {
    super();
    registry.register(QueueName.WebhookDelivery, this.handlers, WebhookDeliveryProcessor.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    listenToWorkerErrors(this, QueueName.WebhookDelivery);
    await this.queue.upsertJobScheduler(EVENTS_SWEEP_SCHEDULER, { every: EVENTS_SWEEP_EVERY_MS }, { name: EVENTS_SWEEP_JOB });
  }

  /** Finishes the jobs in hand before the connections they need close (see drainWorker). */
  beforeApplicationShutdown(): Promise<void> {
    return drainWorker(this);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return dispatchJob(QueueName.WebhookDelivery, this.handlers, job, token);
  }

  private async fanOut(job: Job): Promise<{ deliveries: number }> {
    const { eventId } = parseJobPayload(job, fanoutPayloadSchema);
    const [event] = await this.events.findByIds([eventId]);
    // Published after commit, so the row exists; if not yet visible, the job's retries cover it.
    if (!event) throw new Error(`event ${eventId} not found`);
    const deliveries = await this.deliveries.fanOut(event);
    if (deliveries > 0) this.logger.debug(`event ${event.id} (${event.type}) fanned out to ${deliveries} deliveries`);
    return { deliveries };
  }

  /**
   * Heals what retries alone cannot: events committed but never enqueued, and fan-out or
   * delivery jobs that used up their attempts on an outage (database down) rather than on a
   * receiver — a delivery's own failures end as dead letters, never as a failed job.
   */
  private async sweep(): Promise<{ published: number; retried: number }> {
    const published = await this.events.publishPending();
    const failed = await this.queue.getFailed(0, 499);
    const cutoff = queueTimeMs() - SWEEP_RETRY_WINDOW_MS;
    let retried = 0;
    for (const job of failed) {
      if ((job.name === WEBHOOK_FANOUT_JOB || job.name === WEBHOOK_DELIVER_JOB) && (job.finishedOn ?? 0) >= cutoff) {
        await job.retry('failed');
        retried += 1;
      }
    }
    if (published + retried > 0) this.logger.log(`sweep: ${published} events published, ${retried} failed jobs retried`);
    return { published, retried };
  }

  private async deliver(job: Job, token?: string): Promise<void> {
    const { deliveryId, priorAttempts = 0 } = parseJobPayload(job, deliverPayloadSchema);
    const state = await this.attempts.run(deliveryId, {
      attempt: priorAttempts + job.attemptsMade + 1,
      maxAttempts: priorAttempts + (job.opts.attempts ?? this.deliveries.schedule.attempts),
    });
    if (state !== 'done') {
      // Not an attempt: back to the delayed set without using one of the schedule's retries.
      const wait = state === 'busy' ? BUSY_DELAY_MS : RESUME_SPACING_MS;
      await job.moveToDelayed(queueTimeMs() + wait + Math.floor(Math.random() * wait), token);
      throw new DelayedError();
    }
  }
}
