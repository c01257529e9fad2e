import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, In, type Repository } from 'typeorm';
import type { IntegrationsConfig } from '../config/app-config';
import { DomainEventType, type DomainEvent } from '../events/domain-event';
import { newEventId } from '../events/event-id.util';
import { QueueName } from '../queues/queue-names';
import { DeliverySchedule } from './delivery-schedule';
import { DELIVERY_BACKOFF_TYPE, deliverJobId, WEBHOOK_DELIVER_JOB } from './jobs/webhook-jobs';
import { matchesFilters } from './webhook-filters';
import { PING_EVENT_TYPE, serializeEvent } from './webhook-envelope';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** Formats that can carry report.ready (a report is not a ticket). */
const REPORT_FORMATS = ['standard', 'slack'];

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
    config: ConfigService,
  ) {
    this.schedule = new DeliverySchedule(config.get<IntegrationsConfig>('integrations', { infer: true })!.retryScheduleMs);
  }

  /**
   * Which enabled subscriptions receive an event. report.ready also goes to the webhooks its
   * schedule names, whatever events they listed.
   */
  async recipients(event: DomainEvent): Promise<WebhookSubscriptionEntity[]> {
    const subscribed = await this.subscriptions
      .createQueryBuilder('s')
      .where('s.enabled = true')
      .andWhere(':type = ANY(s.events)', { type: event.type })
      .getMany();
    const matching = subscribed.filter((s) => matchesFilters(s.filters, event));
    if (event.type !== DomainEventType.ReportReady) return matching;
    const named = Array.isArray(event.data.webhookIds) ? (event.data.webhookIds as string[]) : [];
    const extra = named.length > 0 ? await this.subscriptions.findBy({ id: In(named), enabled: true }) : [];
    const byId = new Map([...matching, ...extra].map((s) => [s.id, s]));
    return [...byId.values()].filter((s) => REPORT_FORMATS.includes(s.format));
  }

  /** Idempotent: a re-run inserts nothing new and re-queues only deliveries never attempted. */
  async fanOut(event: DomainEvent): Promise<number> {
    const recipients = await this.recipients(event);
    if (recipients.length > 0) {
      const payload = serializeEvent(event);
      await this.dataSource
        .createQueryBuilder()
        .insert()
        .into(WebhookDeliveryEntity)
        .values(recipients.map((s) => ({ subscriptionId: s.id, eventId: event.id, messageId: event.id, eventType: event.type, payload })))
        .orIgnore()
        .execute();
    }
    const fresh = await this.deliveries.findBy({ eventId: event.id, status: 'pending', attempts: 0 });
    await Promise.all(fresh.map((delivery) => this.enqueue(delivery)));
    return fresh.length;
  }

  /** A `webhook.test` delivery with a fresh id, sent like any other. */
  async ping(subscription: WebhookSubscriptionEntity): Promise<WebhookDeliveryEntity> {
    const event: DomainEvent = {
      id: newEventId(),
      type: PING_EVENT_TYPE as DomainEvent['type'],
      occurredAt: new Date().toISOString(),
      subject: { targetId: null, subscriptionId: subscription.id },
      data: { message: 'Test event from sgdoctor', subscriptionId: subscription.id },
    };
    const delivery = await this.deliveries.save(
      this.deliveries.create({ subscriptionId: subscription.id, eventId: null, messageId: event.id, eventType: PING_EVENT_TYPE, payload: serializeEvent(event) }),
    );
    await this.enqueue(delivery);
    return delivery;
  }

  /** Sends a finished delivery again from the first step of the schedule: same id, same body. */
  async redeliver(delivery: WebhookDeliveryEntity): Promise<WebhookDeliveryEntity> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: 'pending', redeliveries: () => 'redeliveries + 1', nextAttemptAt: () => 'now()', deadAt: null })
      .where('id = :id AND status <> :pending', { id: delivery.id, pending: 'pending' })
      .returning('*')
      .execute();
    const updated = (result.raw as Array<{ redeliveries: number }>)[0];
    if (!updated) return delivery;
    await this.enqueue({ ...delivery, redeliveries: updated.redeliveries });
    return (await this.deliveries.findOneByOrFail({ id: delivery.id }));
  }

  private async enqueue(delivery: Pick<WebhookDeliveryEntity, 'id' | 'redeliveries'>): Promise<void> {
    await this.queue.add(
      WEBHOOK_DELIVER_JOB,
      { deliveryId: delivery.id },
      {
        jobId: deliverJobId(delivery.id, delivery.redeliveries),
        attempts: this.schedule.attempts,
        backoff: { type: DELIVERY_BACKOFF_TYPE },
        delay: this.schedule.delayBefore(1) ?? 0,
      },
    );
  }
}
