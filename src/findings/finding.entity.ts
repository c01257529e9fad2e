import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { Finding, FindingKind } from '../engine/findings/finding';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import type { FindingStatus } from './finding-status';
import { storedFlowsOf } from './stored-flows';

/** Keeps bigint columns as numbers: counts of flow-log records stay far below 2^53. */
const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => (value === null ? 0 : Number(value)) };

/**
 * `{ "key": <value>, … }`, a missing or null field as JSON null, written with jsonb_set (immutable,
 * so allowed in a generated column): as migration 1796400000000 builds it.
 */
function jsonObjectOf(entries: ReadonlyArray<[key: string, value: string]>): string {
  return entries.reduce((object, [key, value]) => `jsonb_set(${object}, '{${key}}', COALESCE(${value}, 'null'::jsonb))`, `'{}'::jsonb`);
}

/**
 * The generated columns' expressions, exactly as migration 1796400000000 wrote them: TypeORM
 * compares these strings with the ones it recorded (typeorm_metadata), so any difference would
 * make `migration:generate` propose dropping and re-adding the column
 * (test/integration/finding-summary-columns.spec.ts checks that it proposes nothing).
 */
const SUMMARY_EXPRESSION = jsonObjectOf([
  ['blockedBy', `"finding" -> 'blockedBy'`],
  [
    'peerCount',
    `COALESCE(NULLIF("finding" #> '{traffic,peerCount}', 'null'::jsonb), jsonb_path_query_first("finding", '$.traffic.peers.size()'))`,
  ],
  [
    'campaign',
    `CASE WHEN jsonb_typeof("finding" -> 'campaign') = 'object' THEN ${jsonObjectOf(
      ['scope', 'key', 'sourceCount', 'portCount', 'hostCount'].map((key) => [key, `"finding" #> '{campaign,${key}}'`]),
    )} END`,
  ],
  [
    'fixActions',
    `CASE WHEN jsonb_typeof("finding" -> 'suggestedFix') = 'object' THEN jsonb_path_query_array("finding", '$.suggestedFix.changes[*].action') END`,
  ],
  ['fixVerified', `"finding" #> '{suggestedFix,verified}'`],
]);
const SAMPLE_FLOWS_EXPRESSION = `CASE WHEN jsonb_typeof("flows") = 'array' THEN jsonb_array_length("flows") ELSE 0 END`;
/** As migration 1796410000000 wrote it: the function it created, given the columns a listed finding is made of. */
const LIST_ITEM_EXPRESSION = `finding_list_item("id", "target_id", "fingerprint", "status", "kind", "classification", "severity", "direction", "protocol", "port", "return_traffic", "records", "first_seen", "last_seen", "finding")`;

/**
 * One finding of one target, upserted by fingerprint. `finding` is the engine's Finding as of
 * the last analysis that saw it; the other columns are copies of its fields for filtering and
 * sorting, plus the lifecycle.
 */
@Entity({ name: 'findings' })
// Constraints and indexes as migrations 1795700000000, 1796031000000 and 1796350000000 made them,
// so that `migration:generate` proposes nothing for them (test/integration/entity-schema.spec.ts).
@Unique('uq_findings_target_fingerprint', ['targetId', 'fingerprint'])
@Check('ck_findings_status', `"status" IN ('open','acknowledged','resolved','suppressed')`)
@Check('ck_findings_kind', `"kind" IN ('rule','campaign')`)
@Index('ix_findings_target_status', ['targetId', 'status'])
@Index('ix_findings_security_group_ids', ['securityGroupIds'], { type: 'gin' })
@Index('ix_findings_vpc_ids', ['vpcIds'], { type: 'gin' })
@Index('ix_findings_account_ids', ['accountIds'], { type: 'gin' })
@Index('ix_findings_network_acl_id', ['networkAclId'])
@Index('ix_findings_port', ['port'])
@Index('ix_findings_last_analysis', ['lastAnalysisId'])
@Index('ix_findings_kind', ['kind'])
// The list orders, each (<column> DESC, "id" DESC): TypeORM cannot declare a descending key, so the
// schema builder leaves them alone. last_seen, severity_rank and records: migration 1795700000000's;
// priority: migration 1796031000000's.
@Index('ix_findings_last_seen', { synchronize: false })
@Index('ix_findings_severity', { synchronize: false })
@Index('ix_findings_records', { synchronize: false })
@Index('ix_findings_priority', { synchronize: false })
export class FindingEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_findings' })
  id!: string;

  @Column({ type: 'uuid' })
  @ForeignKey('targets', { name: 'fk_findings_target', onDelete: 'CASCADE' })
  targetId!: string;

  @Column({ type: 'varchar', length: 32 })
  fingerprint!: string;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status!: FindingStatus;

  @Column({ type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  suppressedUntil!: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'rule' })
  kind!: FindingKind;

  @Column({ type: 'varchar', length: 32 })
  classification!: string;

  @Column({ type: 'varchar', length: 16 })
  severity!: string;

  @Column({ type: 'smallint' })
  severityRank!: number;

  /** The default list order: classification and severity rank (`findingRank`) × 10^10 + last seen in epoch seconds. */
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  priority!: number;

  @Column({ type: 'varchar', length: 32 })
  control!: string;

  @Column({ type: 'varchar', length: 8 })
  direction!: string;

  @Column({ type: 'integer' })
  protocol!: number;

  @Column({ type: 'integer', nullable: true })
  port!: number | null;

  @Column({ type: 'boolean' })
  returnTraffic!: boolean;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  securityGroupIds!: string[];

  @Column({ type: 'varchar', length: 64, nullable: true })
  networkAclId!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  vpcIds!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  accountIds!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  interfaceIds!: string[];

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  records!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  packets!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  bytes!: number;

  @Column({ type: 'timestamptz' })
  firstSeen!: Date;

  @Column({ type: 'timestamptz' })
  lastSeen!: Date;

  @Column({ type: 'jsonb' })
  finding!: Finding;

  /** The busiest rejected flows of the finding (capped): re-explained to decide resolution, and simulated. */
  // PostgreSQL reports a jsonb default as `'[]'::jsonb`, which TypeORM compares without the cast.
  // Stored as an array of arrays (see storedFlowRows); read as flows whichever form a row holds.
  @Column({ type: 'jsonb', default: () => "'[]'", select: false, transformer: { to: (flows: unknown) => flows, from: storedFlowsOf } })
  flows!: FlowAggregate[];

  /** Rejected records per time bucket (bucket start ISO → records): hourly for files, per window for Athena. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  counts!: Record<string, number>;

  @Column({ type: 'text', default: '', select: false })
  searchText!: string;

  /**
   * Generated by PostgreSQL from `finding`: what a listed finding shows of it, so the list never
   * reads the full JSON. Read only by the list and detail statements, never written.
   */
  @Column({
    type: 'jsonb',
    generatedType: 'STORED',
    asExpression: SUMMARY_EXPRESSION,
    nullable: true,
    insert: false,
    update: false,
    select: false,
  })
  summary!: Record<string, unknown>;

  /**
   * Generated by PostgreSQL from `flows`: how many sample flows are stored (the detail shows the
   * number). Nullable as the migration made it, though the expression never gives null.
   */
  @Column({
    type: 'integer',
    generatedType: 'STORED',
    asExpression: SAMPLE_FLOWS_EXPRESSION,
    nullable: true,
    insert: false,
    update: false,
    select: false,
  })
  sampleFlows!: number;

  /**
   * Generated by PostgreSQL from the columns a summary shows (the status among them): the finding
   * as the list sends it, a FindingSummaryDto's JSON text, so a page is its items' texts joined.
   * Nullable as the migration made it, though the expression never gives null.
   */
  @Column({
    type: 'text',
    generatedType: 'STORED',
    asExpression: LIST_ITEM_EXPRESSION,
    nullable: true,
    insert: false,
    update: false,
    select: false,
  })
  listItem!: string;

  @Column({ type: 'uuid', nullable: true })
  firstAnalysisId!: string | null;

  @Column({ type: 'uuid', nullable: true })
  lastAnalysisId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
