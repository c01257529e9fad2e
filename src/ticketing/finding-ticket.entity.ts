import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';

export type TicketSystem = 'jira' | 'servicenow';

/** The one ticket a finding has in one ticketing subscription (unique per finding and subscription). */
@Entity({ name: 'finding_tickets' })
// As migration 1795800000000 made them (test/integration/entity-schema.spec.ts).
@Unique('uq_finding_tickets_finding_subscription', ['findingId', 'subscriptionId'])
@Check('ck_finding_tickets_system', `"system" IN ('jira','servicenow')`)
export class FindingTicketEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_finding_tickets' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('findings', { name: 'fk_finding_tickets_finding', onDelete: 'CASCADE' })
  findingId!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('webhook_subscriptions', { name: 'fk_finding_tickets_subscription', onDelete: 'CASCADE' })
  subscriptionId!: string;

  @Column({ type: 'varchar', length: 16 })
  system!: TicketSystem;

  /** Jira issue id or ServiceNow sys_id: what the APIs address. */
  @Column({ type: 'varchar', length: 100 })
  externalId!: string;

  /** Jira issue key (`NET-42`) or incident number (`INC0010001`): what people read. */
  @Column({ type: 'varchar', length: 100 })
  externalKey!: string;

  @Column({ type: 'text' })
  url!: string;

  /** open | resolved, as sgdoctor last set it. */
  @Column({ type: 'varchar', length: 16, default: 'open' })
  state!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  lastSyncedAt!: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
