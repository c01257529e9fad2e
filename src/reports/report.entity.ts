import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { ReportData, ReportFormat } from './render/report-data';

/**
 * A stored report: the computed model, rendered on request in any format. `runKey` names the
 * run that produced it (schedule id and tick, or a manual run), unique, so a tick processed
 * twice stores one report.
 */
@Entity({ name: 'reports' })
// Constraints and indexes as migration 1795800000000 made them, so that `migration:generate`
// proposes nothing for them (test/integration/entity-schema.spec.ts).
@Unique('uq_reports_run_key', ['runKey'])
@Check('ck_reports_trigger', `"trigger" IN ('schedule','manual')`)
// ("schedule_id", "created_at" DESC) and ("created_at" DESC, "id" DESC), migration 1795800000000's:
// TypeORM cannot declare a descending key, so the schema builder leaves them alone.
@Index('ix_reports_schedule_created', { synchronize: false })
@Index('ix_reports_created', { synchronize: false })
export class ReportEntity {
  /**
   * Made by the runner before it builds the report, which carries it; the column's default
   * (gen_random_uuid(), as the migration declared it) applies only to a row inserted without one.
   */
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_reports' })
  id!: string;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('report_schedules', { name: 'fk_reports_schedule', onDelete: 'SET NULL' })
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
