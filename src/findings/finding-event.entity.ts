import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { FindingStatus } from './finding-status';

/** One status change of a finding: who (an API key, or the system during an analysis), from → to, why. */
@Entity({ name: 'finding_events' })
// As migration 1795700000000 made them (test/integration/entity-schema.spec.ts).
@Check('ck_finding_events_actor_type', `"actor_type" IN ('api-key','system')`)
@Index('ix_finding_events_finding', ['findingId', 'id'])
@Index('ix_finding_events_analysis', ['analysisId'])
export class FindingEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_finding_events' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('findings', { name: 'fk_finding_events_finding', onDelete: 'CASCADE' })
  findingId!: string;

  @Column({ type: 'varchar', length: 16 })
  actorType!: 'api-key' | 'system';

  @Column({ type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  fromStatus!: FindingStatus | null;

  @Column({ type: 'varchar', length: 16 })
  toStatus!: FindingStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'uuid', nullable: true })
  analysisId!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
