import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'held', 'succeeded', 'failed', 'dead', 'skipped'] as const;
/**
 * pending: queued or waiting for a retry; held: not sent because the subscription is disabled,
 * resumed in event order when it is re-enabled; succeeded; failed: refused for good (SSRF, 3xx,
 * 410, 413, a 4xx from a ticketing API) without retry; dead: the retry schedule ran out;
 * skipped: nothing to do for this format (e.g. a finding with no ticket to resolve).
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one subscription. `payload` is fixed at creation: every attempt sends these bytes. */
@Entity({ name: 'webhook_deliveries' })
// Constraints and indexes as migrations 1795800000000 and 1795900000000 made them, so that
// `migration:generate` proposes nothing for them (test/integration/entity-schema.spec.ts).
@Unique('uq_webhook_deliveries_event_subscription', ['eventId', 'subscriptionId'])
@Check('ck_webhook_deliveries_status', `"status" IN ('pending','held','succeeded','failed','dead','skipped')`)
@Index('ix_webhook_deliveries_held', ['subscriptionId'], { where: `"status" = 'held'` })
// ("subscription_id", "created_at" DESC, "id" DESC) and ("dead_at" DESC) WHERE "status" = 'dead',
// migration 1795800000000's: TypeORM cannot declare a descending key, so the schema builder leaves them alone.
@Index('ix_webhook_deliveries_subscription', { synchronize: false })
@Index('ix_webhook_deliveries_dead', { synchronize: false })
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_deliveries' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('webhook_subscriptions', { name: 'fk_webhook_deliveries_subscription', onDelete: 'CASCADE' })
  subscriptionId!: string;

  /** The domain event; null for test pings. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  eventId!: string | null;

  /** `webhook-id`: the event id, the same on every attempt so receivers can deduplicate. */
  @Column({ type: 'varchar', length: 40 })
  messageId!: string;

  @Column({ type: 'varchar', length: 40 })
  eventType!: string;

  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ type: 'integer', nullable: true })
  lastDurationMs!: number | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deadAt!: Date | null;

  /** Manual redeliveries so far; each runs as a job of its own. */
  @Column({ type: 'integer', default: 0 })
  redeliveries!: number;

  /** Times a held delivery was resumed by re-enabling its subscription; each runs as a job of its own. */
  @Column({ type: 'integer', default: 0 })
  resumes!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
