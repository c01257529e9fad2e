import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConfigSourceSettings, FlowSourceSettings, Target, TargetAccess, TargetScope } from './target-sources';

/** One AWS account and region to analyse, how to reach it, and where its flows and configuration come from. */
@Entity({ name: 'targets' })
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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
