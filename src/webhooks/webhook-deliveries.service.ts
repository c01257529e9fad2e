import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import type { IntegrationsConfig } from '../config/app-config';
import { DomainEventType, type DomainEvent } from '../events/domain-event';
import { newEventId } from '../events/event-id.util';
import { QueueName } from '../queues/queue-names';
import { whileQueueReachable } from '../queues/queue-reachability.util';
import { JobProducer } from '../queues/job-producer';
import { DeliverySchedule } from './delivery-schedule';
import { DELIVERY_BACKOFF_TYPE, deliverJobId, WEBHOOK_DELIVER_JOB } from './jobs/webhook-jobs';
import { matchesFilters } from './webhook-filters';
import { PING_EVENT_TYPE, serializeEvent } from './webhook-envelope';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDeliveryNotFoundError } from './webhook-delivery-not-found.error';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { Clock } from '../common/clock/clock';

/** Formats that can carry report.ready (a report is not a ticket). */
const REPORT_FORMATS = ['standard', 'slack'];
/**
 * Resumed deliveries come due this far apart, in event order, so a large backlog does not hit a
 * receiver that has only just recovered all at once. The order itself does not rest on this
 * spacing: a resumed delivery waits for its predecessors' first attempts (`isBehind`).
 */
export const RESUME_SPACING_MS = 100;

/** A delivery taken out of `held` by re-enabling its subscription, ready to be queued. */
export interface ResumedDelivery {
  id: string;
  redeliveries: number;
  resumes: number;
}

/**
 * Creates deliveries and queues their jobs: the fan-out of a domain event (one delivery per
 * matching subscription, unique per event and subscription), test pings, and redeliveries.
 */
@Injectable()
export class WebhookDeliveriesService {
  readonly schedule: DeliverySchedule;

  constructor(
    @InjectRepository(WebhookSubscriptionEntity) private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.WebhookDelivery) private readonly queue: Queue,
    private readonly clock: Clock,
    private readonly jobs: JobProducer,
    config: ConfigService,
  ) {
    this.schedule = new DeliverySchedule(config.get<IntegrationsConfig>('integrations', { infer: true })!.retryScheduleMs);
  }

  /**
   * Which subscriptions receive an event, enabled or not (a disabled one gets a held delivery).
   * report.ready also goes to the webhooks its schedule names, whatever events they listed.
   */
  async recipients(event: DomainEvent): Promise<WebhookSubscriptionEntity[]> {
    const subscribed = await this.subscriptions.createQueryBuilder('s').where(':type = ANY(s.events)', { type: event.type }).getMany();
    // A subscription is not told about its own disabling: it could not receive it, and a held
    // copy would greet it when it is enabled again.
    const matching = subscribed.filter(
      (s) => matchesFilters(s.filters, event) && !(event.type === DomainEventType.WebhookDisabled && event.subject.subscriptionId === s.id),
    );
    if (event.type !== DomainEventType.ReportReady) return matching;
    const named = Array.isArray(event.data.webhookIds) ? (event.data.webhookIds as string[]) : [];
    const extra = named.length > 0 ? await this.subscriptions.findBy({ id: In(named) }) : [];
    const byId = new Map([...matching, ...extra].map((s) => [s.id, s]));
    return [...byId.values()].filter((s) => REPORT_FORMATS.includes(s.format));
  }

  /**
   * Idempotent: a re-run inserts nothing new and re-queues only deliveries never attempted.
   * A disabled subscription's delivery is inserted `held`: its status is read from the
   * subscription row under a share lock, so it cannot interleave with enabling (which updates
   * that row, then resumes what is held) and end up held after the resumption.
   */
  async fanOut(event: DomainEvent): Promise<number> {
    const recipients = await this.recipients(event);
    if (recipients.length > 0) {
      await this.dataSource.query(
        `INSERT INTO webhook_deliveries (subscription_id, event_id, message_id, event_type, payload, status)
         SELECT s.id, $2, $2, $3, $4, CASE WHEN s.enabled THEN 'pending' ELSE 'held' END
         FROM webhook_subscriptions s WHERE s.id = ANY($1::uuid[])
         FOR SHARE OF s
         ON CONFLICT (event_id, subscription_id) DO NOTHING`,
        [recipients.map((s) => s.id), event.id, event.type, serializeEvent(event)],
      );
    }
    const fresh = await this.deliveries.findBy({ eventId: event.id, status: 'pending', attempts: 0 });
    await Promise.all(fresh.map((delivery) => this.enqueue(delivery)));
    // From here on the deliveries are the record: the reconciler re-queues them if Redis loses their jobs.
    await this.dataSource.query(`UPDATE events SET fanned_out_at = now() WHERE id = $1 AND fanned_out_at IS NULL`, [event.id]);
    return fresh.length;
  }

  /**
   * Queues a pending delivery whose job is gone (Redis lost it, or it failed on an outage), with
   * its usual job id, at its recorded next attempt, continuing its retry schedule. A delivery
   * that was redelivered or resumed starts that sequence's schedule again (the attempts of the
   * current sequence are not recorded apart).
   */
  async requeue(delivery: Pick<WebhookDeliveryEntity, 'id' | 'attempts' | 'redeliveries' | 'resumes'>, delayMs: number): Promise<void> {
    const sequenceStart = delivery.redeliveries === 0 && delivery.resumes === 0;
    const priorAttempts = sequenceStart ? Math.min(delivery.attempts, this.schedule.attempts - 1) : 0;
    const options = this.jobOptions(delivery);
    await this.jobs.enqueue(
      WEBHOOK_DELIVER_JOB,
      { deliveryId: delivery.id, ...(priorAttempts > 0 ? { priorAttempts } : {}) },
      { ...options, attempts: options.attempts - priorAttempts, delay: Math.max(0, delayMs) },
    );
  }

  /** A `webhook.test` delivery with a fresh id, sent like any other. */
  async ping(subscription: WebhookSubscriptionEntity): Promise<WebhookDeliveryEntity> {
    const now = this.clock.now();
    const event: DomainEvent = {
      id: newEventId(now.getTime()),
      type: PING_EVENT_TYPE as DomainEvent['type'],
      occurredAt: now.toISOString(),
      subject: { targetId: null, subscriptionId: subscription.id },
      data: { message: 'Test event from sgdoctor', subscriptionId: subscription.id },
    };
    const delivery = await this.deliveries.save(
      this.deliveries.create({
        subscriptionId: subscription.id,
        eventId: null,
        messageId: event.id,
        eventType: PING_EVENT_TYPE,
        payload: serializeEvent(event),
      }),
    );
    try {
      await this.enqueue(delivery);
    } catch (error) {
      // The caller is told to try again; a ping left behind would be sent after the outage too.
      await this.deliveries.delete({ id: delivery.id, status: 'pending', attempts: 0 });
      throw error;
    }
    return delivery;
  }

  /** Sends a finished delivery again from the first step of the schedule: same id, same body. */
  async redeliver(delivery: WebhookDeliveryEntity): Promise<WebhookDeliveryEntity> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: 'pending', redeliveries: () => 'redeliveries + 1', nextAttemptAt: this.clock.now(), deadAt: null })
      .where('id = :id AND status <> :pending', { id: delivery.id, pending: 'pending' })
      .returning('*')
      .execute();
    const updated = (result.raw as Array<{ redeliveries: number }>)[0];
    if (!updated) return delivery;
    await this.enqueue({ ...delivery, redeliveries: updated.redeliveries });
    // Its webhook, and with it the delivery, may have been deleted meanwhile.
    const redelivered = await this.deliveries.findOneBy({ id: delivery.id });
    if (!redelivered) throw new WebhookDeliveryNotFoundError(delivery.id);
    return redelivered;
  }

  /**
   * Moves a subscription's held deliveries back to pending, inside the caller's transaction
   * (the one that enables the subscription), oldest event first. The `held` → `pending`
   * transition is the guard: enabling again, or concurrently, finds nothing left to resume.
   */
  async takeHeld(manager: EntityManager, subscriptionId: string): Promise<ResumedDelivery[]> {
    const rows = (await manager.query(
      `WITH resumed AS (
         UPDATE webhook_deliveries
         SET status = 'pending', resumes = resumes + 1, next_attempt_at = $2, last_error = NULL, updated_at = now()
         WHERE subscription_id = $1 AND status = 'held'
         RETURNING id, event_id, message_id, redeliveries, resumes, created_at
       )
       SELECT r.id, r.redeliveries, r.resumes FROM resumed r
       LEFT JOIN events e ON e.id = r.event_id
       ORDER BY COALESCE(e.occurred_at, r.created_at), r.message_id`,
      [subscriptionId, this.clock.now()],
    )) as ResumedDelivery[];
    return rows;
  }

  /**
   * True while a resumed delivery, before its first attempt since it was resumed, has an older
   * delivery of the same resumption (same subscription, same resume time, earlier in event
   * order) that has not been attempted yet: it must wait, so a resumed backlog's first attempts
   * reach the receiver oldest first however the jobs are scheduled. Retries after a first
   * attempt are not ordered (they follow each delivery's own schedule).
   */
  async isBehind(delivery: Pick<WebhookDeliveryEntity, 'id' | 'resumes' | 'nextAttemptAt' | 'lastAttemptAt'>): Promise<boolean> {
    const resumedAt = delivery.nextAttemptAt;
    if (delivery.resumes === 0 || resumedAt === null) return false;
    if (delivery.lastAttemptAt !== null && delivery.lastAttemptAt >= resumedAt) return false;
    const rows = (await this.dataSource.query(
      `SELECT EXISTS (
         SELECT 1
         FROM webhook_deliveries d
         LEFT JOIN events de ON de.id = d.event_id
         JOIN webhook_deliveries p
           ON p.subscription_id = d.subscription_id AND p.id <> d.id
          AND p.status = 'pending' AND p.resumes > 0 AND p.next_attempt_at = d.next_attempt_at
          AND (p.last_attempt_at IS NULL OR p.last_attempt_at < p.next_attempt_at)
         LEFT JOIN events pe ON pe.id = p.event_id
         WHERE d.id = $1
           AND (COALESCE(pe.occurred_at, p.created_at), p.message_id) < (COALESCE(de.occurred_at, d.created_at), d.message_id)
       ) AS behind`,
      [delivery.id],
    )) as Array<{ behind: boolean }>;
    return rows[0]?.behind === true;
  }

  /**
   * Queues resumed deliveries as ordinary first runs (a fresh retry schedule), spaced in event
   * order. All or none: if the queue refuses them, they go back to held, so enabling again
   * resumes them instead of leaving them pending without a job.
   */
  async enqueueResumed(resumed: ResumedDelivery[]): Promise<void> {
    if (resumed.length === 0) return;
    const first = this.schedule.delayBefore(1) ?? 0;
    try {
      await whileQueueReachable(this.queue, 'resuming held deliveries', () =>
        this.jobs.enqueueBulk(
          WEBHOOK_DELIVER_JOB,
          resumed.map((delivery, index) => ({
            payload: { deliveryId: delivery.id },
            opts: { ...this.jobOptions(delivery), delay: first + index * RESUME_SPACING_MS },
          })),
        ),
      );
    } catch (error) {
      await this.deliveries.update({ id: In(resumed.map((d) => d.id)), status: 'pending' }, { status: 'held', nextAttemptAt: null });
      throw error;
    }
  }

  private async enqueue(
    delivery: Pick<WebhookDeliveryEntity, 'id' | 'redeliveries'> & Partial<Pick<WebhookDeliveryEntity, 'resumes'>>,
  ): Promise<void> {
    await whileQueueReachable(this.queue, 'queueing the delivery', () =>
      this.jobs.enqueue(
        WEBHOOK_DELIVER_JOB,
        { deliveryId: delivery.id },
        { ...this.jobOptions(delivery), delay: this.schedule.delayBefore(1) ?? 0 },
      ),
    );
  }

  private jobOptions(delivery: Pick<WebhookDeliveryEntity, 'id' | 'redeliveries'> & Partial<Pick<WebhookDeliveryEntity, 'resumes'>>) {
    return {
      jobId: deliverJobId(delivery.id, delivery.redeliveries, delivery.resumes ?? 0),
      attempts: this.schedule.attempts,
      backoff: { type: DELIVERY_BACKOFF_TYPE },
    };
  }
}
