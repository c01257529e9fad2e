import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ReportRunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A "run now" of a report schedule: recorded before its job is queued, settled by the run. */
@Entity({ name: 'report_runs' })
export class ReportRunEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_report_runs' })
  id!: string;

  @Column({ type: 'uuid' })
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
