import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import type { AnalysisStage, AnalysisStatus } from './analysis-status';
import type { AnalysisFailure, AnalysisPreviousFailure, AnalysisStatistics } from './analysis-statistics';

@Entity({ name: 'analyses' })
// Constraints and indexes as migrations 1795700000000 and 1796300001600 made them, so that
// `migration:generate` proposes nothing for them (test/integration/entity-schema.spec.ts).
@Check('ck_analyses_status', `"status" IN ('queued','running','succeeded','failed','cancelled')`)
@Check('ck_analyses_window', `"window_from" < "window_to"`)
@Check('ck_analyses_progress', `"progress" BETWEEN 0 AND 100`)
// One queued or running analysis per target.
@Index('uq_analyses_active_target', ['targetId'], { unique: true, where: `"status" IN ('queued','running')` })
@Index('ix_analyses_target_finished', ['targetId', 'finishedAt'], { where: `"finished_at" IS NOT NULL` })
// ("target_id", "created_at" DESC, "id" DESC) and ("created_at" DESC, "id" DESC), migration 1795700000000's:
// TypeORM cannot declare a descending key, so the schema builder leaves them alone.
@Index('ix_analyses_target_created', { synchronize: false })
@Index('ix_analyses_created', { synchronize: false })
export class AnalysisEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_analyses' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('targets', { name: 'fk_analyses_target', onDelete: 'CASCADE' })
  targetId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: AnalysisStatus;

  @Column({ type: 'timestamptz' })
  windowFrom!: Date;

  @Column({ type: 'timestamptz' })
  windowTo!: Date;

  @Column({ type: 'varchar', length: 16, nullable: true })
  stage!: AnalysisStage | null;

  @Column({ type: 'smallint', default: 0 })
  progress!: number;

  /** Explicit retries so far; each retry runs as a new job. */
  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  statistics!: AnalysisStatistics;

  @Column({ type: 'jsonb', nullable: true })
  failure!: AnalysisFailure | null;

  /** The failures of earlier attempts, oldest first: a retry moves `failure` here. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  previousFailures!: AnalysisPreviousFailure[];

  /** The configuration the analysis used: evidence, and what a re-run of the same job reuses. */
  @Column({ type: 'jsonb', nullable: true, select: false })
  snapshot!: NetworkSnapshot | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestedBy!: string | null;

  /** Millisecond precision: list cursors carry the ISO timestamp of the last item. */
  @CreateDateColumn({ type: 'timestamptz', default: () => "date_trunc('milliseconds', now())" })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
