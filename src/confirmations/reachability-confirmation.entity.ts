import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AnalyzerRun } from '../aws/reachability-analyzer';
import type { AnalyzerAnalysis, AnalyzerComparison, AnalyzerPathInput } from '../engine/path/analyzer-comparison';
import type { PathQuery } from '../engine/path/path-query';
import type { PathVerdict } from '../engine/path/path-result';
import type { ConfirmationFailure, ConfirmationStatus, ConfirmationSubject } from './confirmation-status';

/**
 * One Reachability Analyzer confirmation of a path: the question, sgdoctor's answer when it was
 * asked, what was sent to AWS, and (once done) AWS's analysis and the hop-by-hop comparison.
 */
@Entity({ name: 'reachability_confirmations' })
// Constraints and indexes as migration 1796200000000 made them, so that `migration:generate`
// proposes nothing for them (test/integration/entity-schema.spec.ts).
@Check('ck_reachability_confirmations_subject', `"subject" IN ('finding','path')`)
@Check('ck_reachability_confirmations_status', `"status" IN ('queued','running','succeeded','failed')`)
@Check('ck_reachability_confirmations_analyses_started', `"analyses_started" >= 0`)
@Index('ix_reachability_confirmations_target_requested', ['targetId', 'requestedAt'])
@Index('ix_reachability_confirmations_finding', ['findingId'], { where: `"finding_id" IS NOT NULL` })
// Migration 1796416000000: one pending confirmation per finding and question sent to AWS, so a
// finding confirmed twice is one billed analysis however the requests interleave.
@Index('uq_reachability_confirmations_pending_question', ['findingId', 'analyzerPath'], {
  unique: true,
  where: `"finding_id" IS NOT NULL AND "status" IN ('queued','running')`,
})
// Migration 1796418000000: the same for path questions, per target.
@Index('uq_reachability_confirmations_pending_path_question', ['targetId', 'analyzerPath'], {
  unique: true,
  where: `"subject" = 'path' AND "status" IN ('queued','running')`,
})
export class ReachabilityConfirmationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_reachability_confirmations' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('targets', { name: 'fk_reachability_confirmations_target', onDelete: 'CASCADE' })
  targetId!: string;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('findings', { name: 'fk_reachability_confirmations_finding', onDelete: 'SET NULL' })
  findingId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  subject!: ConfirmationSubject;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status!: ConfirmationStatus;

  @Column({ type: 'jsonb' })
  query!: PathQuery;

  /** CreateNetworkInsightsPath's members, as sent. */
  @Column({ type: 'jsonb' })
  analyzerPath!: AnalyzerPathInput;

  /** sgdoctor's answer over the snapshot of the moment the confirmation was asked. */
  @Column({ type: 'jsonb' })
  sgdoctor!: PathVerdict;

  @Column({ type: 'varchar', length: 64, nullable: true })
  networkInsightsPathId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  networkInsightsAnalysisId!: string | null;

  /** Analyses AWS started (and billed) for this confirmation. */
  @Column({ type: 'integer', default: 0 })
  analysesStarted!: number;

  /** The NetworkInsightsAnalysis as DescribeNetworkInsightsAnalyses returned it once finished. */
  @Column({ type: 'jsonb', nullable: true })
  analysis!: AnalyzerAnalysis | null;

  @Column({ type: 'jsonb', nullable: true })
  comparison!: AnalyzerComparison | null;

  @Column({ type: 'jsonb', nullable: true })
  failure!: ConfirmationFailure | null;

  /** Whether the path and analysis were deleted from the account afterwards. */
  @Column({ type: 'jsonb', nullable: true })
  cleanup!: AnalyzerRun['cleanup'] | null;

  /** The service clock when asked: the month the analysis counts against. */
  @Column({ type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
