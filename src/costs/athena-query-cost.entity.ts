import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { QueryExecutionState } from '@aws-sdk/client-athena';

/**
 * One Athena query an analysis started, with what Athena reported it scanned and what that is
 * billed, however it ended (succeeded, failed, cancelled, stopped on a timeout). One row per
 * QueryExecutionId: recording the same query again (a redelivered job, a retry that finds it)
 * updates it. `recorded_at` (the service clock when it was first recorded) is the month it counts in.
 */
@Entity({ name: 'athena_query_costs' })
// Constraints and indexes as migration 1796420000000 made them (test/integration/entity-schema.spec.ts).
@Check('ck_athena_query_costs_state', `"state" IN ('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')`)
@Check('ck_athena_query_costs_bytes_scanned', `"bytes_scanned" >= 0`)
@Check('ck_athena_query_costs_cost_usd', `"cost_usd" >= 0`)
@Check('ck_athena_query_costs_check_failures', `"check_failures" >= 0`)
@Index('ix_athena_query_costs_target_recorded', ['targetId', 'recordedAt'])
@Index('ix_athena_query_costs_analysis', ['analysisId'], { where: `"analysis_id" IS NOT NULL` })
@Index('ix_athena_query_costs_unsettled', ['updatedAt'], { where: `"state" IN ('QUEUED','RUNNING')` })
export class AthenaQueryCostEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_athena_query_costs' })
  queryExecutionId!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('targets', { name: 'fk_athena_query_costs_target', onDelete: 'CASCADE' })
  targetId!: string;

  /** The analysis that started it; null once that analysis is deleted (what it cost stays in its month). */
  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('analyses', { name: 'fk_athena_query_costs_analysis', onDelete: 'SET NULL' })
  analysisId!: string | null;

  /** The analysis's attempt that first recorded it. */
  @Column({ type: 'integer' })
  attempt!: number;

  /**
   * Its state when last described: SUCCEEDED, FAILED or CANCELLED once ended; QUEUED from the moment
   * Athena gave its id; RUNNING when its job ended without seeing it end (until the sweep does).
   */
  @Column({ type: 'varchar', length: 16 })
  state!: QueryExecutionState;

  /** `Statistics.DataScannedInBytes`. */
  @Column({ type: 'bigint' })
  bytesScanned!: string;

  /** What Athena bills for it (USD): nothing for a FAILED query. */
  @Column({ type: 'numeric' })
  costUsd!: string;

  /** sgdoctor gave up waiting for it (the query timeout); a retry stops it rather than waiting again. */
  @Column({ type: 'boolean', default: false })
  timedOut!: boolean;

  @Column({ type: 'timestamptz' })
  recordedAt!: Date;

  /** When a flow source last recorded it. */
  @Column({ type: 'timestamptz' })
  updatedAt!: Date;

  /** When the sweep last asked Athena about it (an unfinished row only); null: never. */
  @Column({ type: 'timestamptz', nullable: true })
  lastCheckedAt!: Date | null;

  /** Why the sweep's last look failed (the call, the account, the region, AWS's message); null once a look succeeds. */
  @Column({ type: 'text', nullable: true })
  checkError!: string | null;

  /** Looks of the sweep that failed, in all. */
  @Column({ type: 'integer', default: 0 })
  checkFailures!: number;
}
