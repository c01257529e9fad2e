import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { In, IsNull, type EntityManager, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { WEBHOOK_FANOUT_JOB } from '../queues/job-catalogue';
import { QueueName } from '../queues/queue-names';
import { whileQueueReachable } from '../queues/queue-reachability.util';
import { JobProducer } from '../queues/job-producer';
import type { DomainEvent, DomainEventSubject, DomainEventType } from './domain-event';
import { EventEntity } from './event.entity';
import { newEventId } from './event-id.util';
import { Clock } from '../common/clock/clock';

/** The job that fans one event out to the subscribed webhooks (processed by the webhooks module). */
export { WEBHOOK_FANOUT_JOB };

export interface NewDomainEvent {
  type: DomainEventType;
  subject: DomainEventSubject;
  data: Record<string, unknown>;
  occurredAt?: Date;
}

/**
 * The transactional outbox of domain events. `record` writes an event with the caller's
 * EntityManager, inside the transaction of the change it describes, so an event exists exactly
 * when its change committed. `publish` runs after the commit and enqueues one fan-out job per
 * event with the event id as job id, so publishing twice enqueues once.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectRepository(EventEntity) private readonly events: Repository<EventEntity>,
    @InjectQueue(QueueName.WebhookDelivery) private readonly webhookQueue: Queue,
    private readonly clock: Clock,
    private readonly jobs: JobProducer,
  ) {}

  async record(manager: EntityManager, event: NewDomainEvent): Promise<DomainEvent> {
    const entity = manager.create(EventEntity, {
      id: newEventId(this.clock.nowMs()),
      type: event.type,
      occurredAt: event.occurredAt ?? this.clock.now(),
      targetId: event.subject.targetId,
      subject: event.subject,
      data: event.data,
      publishedAt: null,
      fannedOutAt: null,
    });
    // TypeORM's deep-partial type does not fit free-form jsonb members; the entity is complete.
    await manager.insert(EventEntity, entity as QueryDeepPartialEntity<EventEntity>);
    return EventsService.toDomainEvent(entity);
  }

  /** Enqueues the fan-out of each event (idempotent per event id) and marks them published. */
  async publish(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const ids = [...new Set(eventIds)];
    await whileQueueReachable(this.webhookQueue, 'publishing events', () =>
      this.jobs.enqueueBulk(WEBHOOK_FANOUT_JOB, ids.map((id) => ({ payload: { eventId: id }, opts: { jobId: id } }))),
    );
    await this.events.update({ id: In(ids), publishedAt: IsNull() }, { publishedAt: this.clock.now() });
  }

  /**
   * Publishes events a crash left unpublished (committed, never enqueued). Safe to run anywhere,
   * any time: the job id deduplicates. Returns how many were published.
   */
  async publishPending(limit = 500): Promise<number> {
    const pending = await this.events.find({ where: { publishedAt: IsNull() }, order: { occurredAt: 'ASC', id: 'ASC' }, take: limit, select: { id: true } });
    try {
      await this.publish(pending.map((event) => event.id));
    } catch (error) {
      this.logger.warn(`could not publish ${pending.length} pending events: ${String(error)}`);
      return 0;
    }
    return pending.length;
  }

  async findByIds(ids: readonly string[]): Promise<DomainEvent[]> {
    if (ids.length === 0) return [];
    const entities = await this.events.find({ where: { id: In([...ids]) }, order: { id: 'ASC' } });
    return entities.map((entity) => EventsService.toDomainEvent(entity));
  }

  static toDomainEvent(entity: EventEntity): DomainEvent {
    return {
      id: entity.id,
      type: entity.type,
      occurredAt: entity.occurredAt.toISOString(),
      subject: entity.subject,
      data: entity.data,
    };
  }
}
