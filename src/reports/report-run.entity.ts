import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ReportRunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A "run now" of a report schedule: recorded before its job is queued, settled by the run. */
@Entity({ name: 'report_runs' })
// As migration 1796100000001 made them (test/integration/entity-schema.spec.ts).
@Check('ck_report_runs_status', `"status" IN ('queued','running','succeeded','failed')`)
@Index('ix_report_runs_active', ['createdAt'], { where: `"status" IN ('queued','running')` })
export class ReportRunEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_report_runs' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('report_schedules', { name: 'fk_report_runs_schedule', onDelete: 'CASCADE' })
  scheduleId!: string;

  @Column({ type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status!: ReportRunStatus;

  @Column({ type: 'uuid', nullable: true })
  reportId!: string | null;

  @Column({ type: 'text', nullable: true })
  failure!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
