import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DomainEventSubject, DomainEventType } from './domain-event';

/** A domain event, stored in the transaction of the change it describes (the outbox). */
@Entity({ name: 'events' })
// As migrations 1795700000000 and 1796100000000 made them (test/integration/entity-schema.spec.ts).
@Index('ix_events_occurred', ['occurredAt', 'id'])
@Index('ix_events_unpublished', ['occurredAt'], { where: `"published_at" IS NULL` })
@Index('ix_events_not_fanned_out', ['publishedAt'], { where: `"published_at" IS NOT NULL AND "fanned_out_at" IS NULL` })
export class EventEntity {
  @PrimaryColumn({ type: 'varchar', length: 40, primaryKeyConstraintName: 'pk_events' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  type!: DomainEventType;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb' })
  subject!: DomainEventSubject;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  /** When the fan-out job was enqueued; null until then (a sweep re-publishes what a crash left). */
  @Column({ type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** When its deliveries were created; null until then (the reconciler fans out again what Redis lost). */
  @Column({ type: 'timestamptz', nullable: true })
  fannedOutAt!: Date | null;
}
