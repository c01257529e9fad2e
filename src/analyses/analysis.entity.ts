import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import type { AnalysisStage, AnalysisStatus } from './analysis-status';
import type { AnalysisFailure, AnalysisStatistics } from './analysis-statistics';

@Entity({ name: 'analyses' })
export class AnalysisEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_analyses' })
  id!: string;

  @Column({ type: 'uuid' })
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

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  statistics!: AnalysisStatistics;

  @Column({ type: 'jsonb', nullable: true })
  failure!: AnalysisFailure | null;

  /** The configuration the analysis used: evidence, and what a re-run of the same job reuses. */
  @Column({ type: 'jsonb', nullable: true, select: false })
  snapshot!: NetworkSnapshot | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestedBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
