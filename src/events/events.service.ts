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
import { type DomainEvent, type DomainEventSubject, DomainEventType } from './domain-event';
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

  /**
   * `record` for many events in one INSERT, each settled at once when it has no recipient: an
   * event whose type no webhook subscription (enabled or not) lists, other than report.ready, is
   * written published and fanned out, as `publish` would mark it (an analysis's 100,000 finding
   * events with no subscription are neither jobs nor updated rows). Returns the ids of the others,
   * for `publish` after the commit. The types the subscriptions list are read once for the
   * statement (a hashed subquery), not once per event.
   */
  async recordManySettled(manager: EntityManager, events: readonly NewDomainEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const now = this.clock.now();
    const rows = events.map((event) => ({
      id: newEventId(this.clock.nowMs()),
      type: event.type,
      occurred_at: (event.occurredAt ?? now).toISOString(),
      target_id: event.subject.targetId ?? null,
      subject: event.subject,
      data: event.data,
    }));
    const inserted: Array<{ id: string; published_at: Date | null }> = await manager.query(
      `INSERT INTO "events" ("id", "type", "occurred_at", "target_id", "subject", "data", "published_at", "fanned_out_at")
       SELECT e.id, e.type, e.occurred_at, e.target_id, e.subject, e.data, h.settled_at, h.settled_at
       FROM jsonb_to_recordset($1::jsonb) AS e(id text, type text, occurred_at timestamptz, target_id uuid, subject jsonb, data jsonb)
       CROSS JOIN LATERAL (SELECT CASE WHEN e.type = $2 OR e.type IN (SELECT unnest(s."events") FROM "webhook_subscriptions" s)
         THEN NULL ELSE $3::timestamptz END AS settled_at) AS h
       RETURNING "id", "published_at"`,
      [JSON.stringify(rows), DomainEventType.ReportReady, now],
    );
    return inserted.filter((row) => row.published_at === null).map((row) => row.id);
  }

  /**
   * Enqueues the fan-out of each event that a webhook subscription (enabled or not) lists, or that
   * may name its webhooks (report.ready), idempotent per event id, and marks them published. The
   * others have no recipient: they are marked published and fanned out at once, without a job
   * (an analysis's 100,000 finding events with no subscription are not 100,000 jobs). A
   * subscription created later is not sent earlier events, as before.
   */
  async publish(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const ids = [...new Set(eventIds)];
    const rows: Array<{ id: string }> = await this.events.query(
      `SELECT e."id" FROM "events" e WHERE e."id" = ANY($1::varchar[])
         AND (e."type" = $2 OR EXISTS (SELECT 1 FROM "webhook_subscriptions" s WHERE e."type" = ANY(s."events")))`,
      [ids, DomainEventType.ReportReady],
    );
    const fanned = new Set(rows.map((row) => row.id));
    const toQueue = ids.filter((id) => fanned.has(id));
    const unheard = ids.filter((id) => !fanned.has(id));
    if (toQueue.length) {
      await whileQueueReachable(this.webhookQueue, 'publishing events', () =>
        this.jobs.enqueueBulk(
          WEBHOOK_FANOUT_JOB,
          toQueue.map((id) => ({ payload: { eventId: id }, opts: { jobId: id } })),
        ),
      );
    }
    const now = this.clock.now();
    if (toQueue.length) await this.events.update({ id: In(toQueue), publishedAt: IsNull() }, { publishedAt: now });
    if (unheard.length) {
      await this.events.query(
        `UPDATE "events" SET "published_at" = COALESCE("published_at", $2), "fanned_out_at" = COALESCE("fanned_out_at", $2)
         WHERE "id" = ANY($1::varchar[]) AND ("published_at" IS NULL OR "fanned_out_at" IS NULL)`,
        [unheard, now],
      );
    }
  }

  /**
   * Publishes events a crash left unpublished (committed, never enqueued). Safe to run anywhere,
   * any time: the job id deduplicates. Returns how many were published.
   */
  async publishPending(limit = 500): Promise<number> {
    const pending = await this.events.find({
      where: { publishedAt: IsNull() },
      order: { occurredAt: 'ASC', id: 'ASC' },
      take: limit,
      select: { id: true },
    });
    try {
      await this.publish(pending.map((event) => event.id));
    } catch (error) {
      this.logger.warn(`could not publish ${pending.length} pending events: ${String(error)}`);
      return 0;
    }
    return pending.length;
  }

  /**
   * The events, each finding event with its finding's stored JSON under `data.finding` (the event
   * row names the finding instead of keeping a second copy).
   */
  async findByIds(ids: readonly string[]): Promise<DomainEvent[]> {
    if (ids.length === 0) return [];
    const entities = await this.events.find({ where: { id: In([...ids]) }, order: { id: 'ASC' } });
    const referenced = [
      ...new Set(
        entities.filter((e) => !('finding' in e.data) && typeof e.data.findingId === 'string').map((e) => e.data.findingId as string),
      ),
    ];
    const findings = new Map<string, unknown>();
    if (referenced.length) {
      const rows: Array<{ id: string; finding: unknown }> = await this.events.query(
        `SELECT "id", "finding" FROM "findings" WHERE "id" = ANY($1::uuid[])`,
        [referenced],
      );
      for (const row of rows) findings.set(row.id, row.finding);
    }
    return entities.map((entity) => {
      const event = EventsService.toDomainEvent(entity);
      const finding =
        typeof entity.data.findingId === 'string' && !('finding' in entity.data) ? findings.get(entity.data.findingId) : undefined;
      return finding === undefined ? event : { ...event, data: { ...event.data, finding } };
    });
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
