import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { DomainEventType } from '../events/domain-event';
import type { WebhookFormat } from './webhook-format';
import type { WebhookFilters } from './webhook-filters';
import type { IntegrationSettings } from './integration-settings';

/**
 * A subscription: where events go, which ones, and in what shape. The Standard Webhooks secret
 * and integration credentials are stored encrypted (AES-256-GCM, bound to the row id) and never
 * leave the service.
 */
@Entity({ name: 'webhook_subscriptions' })
// As migration 1795800000000 made them (test/integration/entity-schema.spec.ts).
@Check('ck_webhook_subscriptions_format', `"format" IN ('standard','jira','servicenow','slack')`)
@Index('ix_webhook_subscriptions_events', ['events'], { type: 'gin' })
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_webhook_subscriptions' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The endpoint (standard), the Jira or ServiceNow base URL, or the Slack host (the full Slack URL is a credential). */
  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true })
  events!: DomainEventType[];

  // PostgreSQL reports a jsonb default as `'{}'::jsonb`, which TypeORM compares without the cast.
  @Column({ type: 'jsonb', default: () => "'{}'" })
  filters!: WebhookFilters;

  @Column({ type: 'varchar', length: 16 })
  format!: WebhookFormat;

  @Column({ type: 'text', nullable: true, select: false })
  secretEncrypted!: string | null;

  /** Non-secret integration settings (project key, issue type, user names …). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings!: IntegrationSettings;

  @Column({ type: 'text', nullable: true, select: false })
  credentialsEncrypted!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  disabledReason!: string | null;

  /** Dead-lettered deliveries in a row; reset by any success. */
  @Column({ type: 'integer', default: 0 })
  consecutiveDead!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
