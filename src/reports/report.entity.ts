import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ReportData, ReportFormat } from './render/report-data';

/**
 * A stored report: the computed model, rendered on request in any format. `runKey` names the
 * run that produced it (schedule id and tick, or a manual run), unique, so a tick processed
 * twice stores one report.
 */
@Entity({ name: 'reports' })
export class ReportEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_reports' })
  id!: string;

  @Column({ type: 'uuid', nullable: true })
  scheduleId!: string | null;

  @Column({ type: 'varchar', length: 120 })
  runKey!: string;

  @Column({ type: 'varchar', length: 16 })
  trigger!: 'schedule' | 'manual';

  @Column({ type: 'timestamptz' })
  periodFrom!: Date;

  @Column({ type: 'timestamptz' })
  periodTo!: Date;

  @Column({ type: 'text', array: true })
  formats!: ReportFormat[];

  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  analysisIds!: string[];

  @Column({ type: 'jsonb', select: false })
  data!: ReportData;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
