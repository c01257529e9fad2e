import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConfigSourceSettings, FlowSourceSettings, Target, TargetAccess, TargetScope } from './target-sources';
import type { ContinuousSettings, ContinuousState, TargetBudget } from './target-settings';

/** One AWS account and region to analyse, how to reach it, and where its flows and configuration come from. */
@Entity({ name: 'targets' })
@Check('ck_targets_account_id', `"account_id" ~ '^[0-9]{12}$'`)
export class TargetEntity implements Target {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_targets' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'char', length: 12 })
  accountId!: string;

  @Column({ type: 'varchar', length: 32 })
  region!: string;

  @Column({ type: 'jsonb' })
  access!: TargetAccess;

  @Column({ type: 'jsonb' })
  scope!: TargetScope;

  @Column({ type: 'jsonb' })
  flowSource!: FlowSourceSettings;

  @Column({ type: 'jsonb' })
  configSource!: ConfigSourceSettings;

  /** Spending limits of its scans; null: none. */
  @Column({ type: 'jsonb', nullable: true })
  budget!: TargetBudget | null;

  /** Rolling analyses every few minutes; null: analyses only on request. */
  @Column({ type: 'jsonb', nullable: true })
  continuous!: ContinuousSettings | null;

  /** The watermark and the last ticks of the rolling analyses. */
  @Column({ type: 'jsonb', nullable: true })
  continuousState!: ContinuousState | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
