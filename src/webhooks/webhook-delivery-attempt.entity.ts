import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One HTTP exchange (or ticketing call sequence) of a delivery: the log behind the delivery row. */
@Entity({ name: 'webhook_delivery_attempts' })
// As migration 1795800000000 made it (test/integration/entity-schema.spec.ts).
@Index('ix_webhook_delivery_attempts_delivery', ['deliveryId', 'id'])
export class WebhookDeliveryAttemptEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_webhook_delivery_attempts',
  })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('webhook_deliveries', { name: 'fk_webhook_delivery_attempts_delivery', onDelete: 'CASCADE' })
  deliveryId!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
