import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ReportFormat } from './render/report-data';

/** A recurring report: which targets, when (cron in a time zone), over how many hours, and whom to tell. */
@Entity({ name: 'report_schedules' })
// As migration 1795800000000 made it (test/integration/entity-schema.spec.ts).
@Check('ck_report_schedules_lookback', `"lookback_hours" BETWEEN 1 AND 744`)
export class ReportScheduleEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_report_schedules' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'uuid', array: true })
  targetIds!: string[];

  @Column({ type: 'varchar', length: 120 })
  cron!: string;

  @Column({ type: 'varchar', length: 64 })
  timeZone!: string;

  @Column({ type: 'integer', default: 24 })
  lookbackHours!: number;

  @Column({ type: 'text', array: true })
  formats!: ReportFormat[];

  /** Webhooks told with report.ready when a report of this schedule is stored. */
  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  webhookIds!: string[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  lastRunAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
