import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { copyIn, copyRow, copyRowValues, type CopyType, type CopyValue } from '../database/copy-in';
import { DomainEventType } from '../events/domain-event';
import { EventsService, type NewDomainEvent } from '../events/events.service';
import { priorCampaignKey, type PriorCampaigns } from '../engine/findings/campaign-group';
import type { CampaignEvidence, CampaignScope, Finding } from '../engine/findings/finding';
import type { Direction } from '../engine/flow-log/flow-record';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { protocolName } from '../engine/network/protocol';
import { AUTO_RESOLVABLE, changeOnRecurrence, type LifecycleChange } from './finding-lifecycle';
import { FindingEventEntity } from './finding-event.entity';
import type { FindingStatus } from './finding-status';
import { findingRank, PRIORITY_RANK_SCALE, SEVERITY_RANK } from './finding-status';
import { FindingEntity } from './finding.entity';
import type { ObservedFinding } from './observed-finding';
import { storedFlowRows } from './stored-flows';

export interface PersistContext {
  targetId: string;
  analysisId: string;
  now: Date;
}

/**
 * A finding's row serialised for the statement expected to write it (FindingsPersister.prepareRow):
 *
 * - `copy`: a new finding's row in binary COPY format, every column of the row it inserts (its
 *   `id` chosen here). COPY reads each column by its type's binary input function, with none of
 *   the executor's per-row work of an INSERT … SELECT, and the batch arrives in small messages.
 *   The row's bytes are held outside the JavaScript heap, its strings let go of once written.
 * - `line`: a stored finding's row as one line of JSON with the columns seeing it again sets
 *   (all but the status): the UPDATE reads the lines of its batch, bound as one text, each parsed
 *   on its own, which costs less than one document of the whole batch (JSON text never holds a
 *   raw line feed, so the lines joined by line feeds split cleanly).
 *
 * Should the finding turn out stored, or not, once the batch holds its locks, the row is written
 * from the form it has: a line by INSERT … ON CONFLICT, a COPY row turned into its line
 * (`lineOfCopyRow`) by the UPDATE. The form only saves work when it was expected right.
 */
export type PreparedRow = { readonly copy: Buffer; readonly id: string } | { readonly line: string };

/** The size of what a prepared row sends: the bytes of a COPY row, the characters of a line. */
export function preparedSize(row: PreparedRow): number {
  return 'copy' in row ? row.copy.length : row.line.length;
}

/**
 * What the upsert reads of a finding besides its prepared row: the fingerprint it locks and
 * matches by, and what its events' subject names. A prepared batch keeps only this of each
 * finding, so the finding's flows, fix and peers are let go of once serialised, while the batch
 * waits for its turn and while it is written.
 */
export interface PreparedItem {
  readonly finding: Pick<Finding, 'fingerprint' | 'severity' | 'classification'>;
}

/** What a prepared batch keeps of a finding (see PreparedItem). */
export function preparedItem(item: ObservedFinding): PreparedItem {
  const { fingerprint, severity, classification } = item.finding;
  return { finding: { fingerprint, severity, classification } };
}

/**
 * A batch's rows as its statements send them, serialised before its transaction (each finding's
 * JSON once), so the next batch can be made ready while one is being written.
 */
export interface PreparedBatch {
  readonly items: readonly PreparedItem[];
  /** One row per item, in order. */
  readonly rows: readonly PreparedRow[];
}

/** A row written by the INSERT of the findings not stored when locked. */
interface InsertedRow {
  id: string;
  /** Inserted by the statement, rather than updated (stored by a concurrent writer since the lock). */
  inserted: boolean;
}

interface ExistingRow {
  id: string;
  fingerprint: string;
  status: FindingStatus;
  suppressed_until: Date | null;
}

/** The stored (`stored`) and the new (`seen`) per-hour counts of a finding, merged by hour with the larger count winning. */
function mergedCounts(stored: string, seen: string): string {
  return `(SELECT COALESCE(jsonb_object_agg(k.key, GREATEST(
    COALESCE((${stored} ->> k.key)::bigint, 0), COALESCE((${seen} ->> k.key)::bigint, 0))), '{}'::jsonb)
  FROM jsonb_object_keys(${stored} || ${seen}) AS k(key))`;
}

/**
 * The counts and records of a stored finding seen again: the merged counts, computed once, and
 * their sum.
 */
function mergedCountsAndRecords(stored: string, seen: string): string {
  return `("counts", "records") = (SELECT m.counts, (SELECT COALESCE(SUM(value::bigint), 0) FROM jsonb_each_text(m.counts))
    FROM (SELECT ${mergedCounts(stored, seen)} AS counts) AS m)`;
}

/** A batch's lines of JSON, bound as $4, as the row type each statement reads them with (`rowJson` writes them). */
const BATCH_ROWS = `string_to_table($4::text, chr(10)) AS line, jsonb_to_record(line::jsonb) AS r(
         fingerprint text, classification text, severity text, severity_rank int, control text, direction text,
         protocol int, port int, return_traffic boolean, security_group_ids text[], network_acl_id text, vpc_ids text[], account_ids text[],
         interface_ids text[], records bigint, packets bigint, bytes bigint, first_seen timestamptz, last_seen timestamptz,
         counts jsonb, finding jsonb, flows jsonb, search_text text, kind text, rank bigint)`;

/**
 * What seeing a stored finding ("findings") again sets, `row` naming the new row's columns. Counts
 * merge by bucket, keeping the larger count of a bucket seen again (never adding): a re-run writes
 * the same value, and an analysis that saw only part of an hour cannot shrink it. The priority's
 * rank is the new row's (its priority divided by the scale), its time the later last_seen.
 */
function seenAgainSet(row: (column: string) => string): string {
  return `"kind" = ${row('kind')},
         "priority" = ((${row('priority')}) / ${PRIORITY_RANK_SCALE}) * ${PRIORITY_RANK_SCALE}
           + FLOOR(EXTRACT(EPOCH FROM GREATEST("findings"."last_seen", ${row('last_seen')})))::bigint,
         "classification" = ${row('classification')},
         "severity" = ${row('severity')},
         "severity_rank" = ${row('severity_rank')},
         "security_group_ids" = ${row('security_group_ids')},
         "network_acl_id" = ${row('network_acl_id')},
         "vpc_ids" = ${row('vpc_ids')},
         "account_ids" = ${row('account_ids')},
         "interface_ids" = ${row('interface_ids')},
         ${mergedCountsAndRecords('"findings"."counts"', row('counts'))},
         "packets" = ${row('packets')},
         "bytes" = ${row('bytes')},
         "first_seen" = LEAST("findings"."first_seen", ${row('first_seen')}),
         "last_seen" = GREATEST("findings"."last_seen", ${row('last_seen')}),
         "finding" = ${row('finding')},
         "flows" = ${row('flows')},
         "search_text" = ${row('search_text')},
         "last_analysis_id" = $2,
         "updated_at" = $3`;
}

/** A new row's priority: its rank, then the time it was last seen (as `priorityOf` computes it). */
const NEW_PRIORITY = `r.rank * ${PRIORITY_RANK_SCALE} + FLOOR(EXTRACT(EPOCH FROM r.last_seen))::bigint`;

/** A finding's priority from its rank and the time it was last seen (ISO), as NEW_PRIORITY computes it in SQL. */
function priorityOf(rank: number, lastSeen: string): number {
  return rank * PRIORITY_RANK_SCALE + Math.floor(Date.parse(lastSeen) / 1000);
}

/** The columns of a new finding's row with their types, in the order `copyRowOf` writes them. */
const COPY_COLUMNS = {
  id: 'uuid',
  target_id: 'uuid',
  fingerprint: 'text',
  status: 'text',
  classification: 'text',
  severity: 'text',
  severity_rank: 'int2',
  control: 'text',
  direction: 'text',
  protocol: 'int4',
  port: 'int4',
  return_traffic: 'bool',
  security_group_ids: 'text[]',
  network_acl_id: 'text',
  vpc_ids: 'text[]',
  account_ids: 'text[]',
  interface_ids: 'text[]',
  records: 'int8',
  packets: 'int8',
  bytes: 'int8',
  first_seen: 'timestamptz',
  last_seen: 'timestamptz',
  counts: 'jsonb',
  finding: 'jsonb',
  flows: 'jsonb',
  search_text: 'text',
  first_analysis_id: 'uuid',
  last_analysis_id: 'uuid',
  kind: 'text',
  priority: 'int8',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
} as const satisfies Record<string, CopyType>;

type CopyColumn = keyof typeof COPY_COLUMNS;

const COPY_COLUMN_NAMES = Object.keys(COPY_COLUMNS) as CopyColumn[];
const COPY_COLUMN_TYPES: CopyType[] = Object.values(COPY_COLUMNS);

const COPY_NEW_FINDINGS = `COPY "findings" (${COPY_COLUMN_NAMES.map((c) => `"${c}"`).join(', ')}) FROM STDIN (FORMAT binary)`;

/** The PostgreSQL error of a row that a unique index already holds. */
const UNIQUE_VIOLATION = '23505';

/** The constraint of one finding per target and fingerprint. */
const FINDINGS_UNIQUE = 'uq_findings_target_fingerprint';

/** Whether `error` is PostgreSQL's refusal of a finding that its target already holds (see writeBatch). */
function isFindingsUniqueViolation(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && constraint === FINDINGS_UNIQUE;
}

/**
 * Writes what an analysis found, inside the caller's transaction: upsert by (target,
 * fingerprint), lifecycle changes with their audit entries and domain events. Every statement
 * is idempotent for a given analysis, so a redelivered job writes the same rows again.
 */
@Injectable()
export class FindingsPersister {
  constructor(private readonly events: EventsService) {}

  /**
   * Writes a batch in a transaction that `transaction` opens; returns the ids of the domain events
   * recorded that are still to publish (see upsertBatch). The new findings are copied into the
   * table with nothing in between to undo: should another writer of the same analysis (a job run
   * twice at once) have inserted one of them since the batch locked the stored ones, the copy
   * fails on the unique index and takes the transaction with it, and the batch is written again in
   * a new transaction, its new findings then by INSERT … ON CONFLICT.
   */
  async writeBatch(
    transaction: <T>(work: (manager: EntityManager) => Promise<T>) => Promise<T>,
    ctx: PersistContext,
    batch: readonly ObservedFinding[] | PreparedBatch,
  ): Promise<string[]> {
    try {
      return await transaction((manager) => this.upsertBatch(manager, ctx, batch));
    } catch (error) {
      if (!isFindingsUniqueViolation(error)) throw error;
      return transaction((manager) => this.upsertBatch(manager, ctx, batch, { copy: false }));
    }
  }

  /**
   * Upserts a batch; returns the ids of the domain events recorded that are still to publish
   * (those a webhook subscription listens to: the others are recorded settled). A fixed number of
   * statements per batch, whatever its size: the existing rows locked, the stored findings updated
   * by one UPDATE (their lifecycle changes included), the others inserted by one COPY (by one
   * INSERT … ON CONFLICT when `copy` is false), the audit entries and the events each written by
   * one INSERT. A batch of findings not prepared is serialised once its locks tell which findings
   * are stored. The events reference the finding (its row holds the JSON, once) instead of
   * carrying a copy.
   *
   * The copy fails, and the transaction with it, should a concurrent writer of the same analysis
   * have inserted one of the new findings since they were locked: `writeBatch` then writes the
   * batch again with `copy` false.
   */
  async upsertBatch(
    manager: EntityManager,
    ctx: PersistContext,
    batch: readonly ObservedFinding[] | PreparedBatch,
    { copy = true }: { copy?: boolean } = {},
  ): Promise<string[]> {
    const prepared = 'rows' in batch ? batch : null;
    const items: readonly PreparedItem[] = prepared ? prepared.items : (batch as readonly ObservedFinding[]);
    if (items.length === 0) return [];
    const existing = await this.lockExisting(
      manager,
      ctx.targetId,
      items.map((item) => item.finding.fingerprint),
    );
    const plans = items.map((item, i) => {
      const before = existing.get(item.finding.fingerprint);
      const change = before ? changeOnRecurrence(before.status, before.suppressed_until, ctx.now) : null;
      // A batch not prepared is serialised now, each finding in the form its statement reads.
      const row = prepared
        ? prepared.rows[i]!
        : this.prepareRow(ctx, (batch as readonly ObservedFinding[])[i]!, before !== undefined || !copy);
      return { item, row, before, change };
    });
    const stored = plans.filter((p) => p.before !== undefined);
    const fresh = plans.filter((p) => p.before === undefined);
    if (stored.length) await this.updateStored(manager, ctx, stored);
    const inserted = fresh.length ? await this.insertFresh(manager, ctx, fresh, copy) : new Map<string, InsertedRow>();
    const audits: Array<{ findingId: string; from: FindingStatus | null; to: FindingStatus; reason: string }> = [];
    const events: NewDomainEvent[] = [];
    for (const { item, before, change } of plans) {
      if (!before) {
        // Not stored when locked, yet updated rather than inserted: a concurrent writer of the same
        // analysis (a job run twice at once) inserted it first and recorded its opening.
        const row = inserted.get(item.finding.fingerprint)!;
        if (!row.inserted) continue;
        audits.push({ findingId: row.id, from: null, to: 'open', reason: 'first seen' });
        events.push(this.findingEvent(DomainEventType.FindingOpened, row.id, ctx, item.finding));
      } else if (change) {
        audits.push({ findingId: before.id, from: before.status, to: change.to, reason: change.reason });
        if (change.event) events.push(this.findingEvent(change.event, before.id, ctx, item.finding));
      }
    }
    await this.auditMany(manager, audits, ctx);
    return this.events.recordManySettled(manager, events);
  }

  /**
   * The fingerprints of the target's stored findings: what the persist stage expects to update
   * rather than insert, to serialise each finding in the form its statement reads (see PreparedRow).
   */
  async storedFingerprints(manager: EntityManager, targetId: string): Promise<Set<string>> {
    const rows: Array<{ fingerprint: string }> = await manager.query(`SELECT "fingerprint" FROM "findings" WHERE "target_id" = $1`, [
      targetId,
    ]);
    return new Set(rows.map((row) => row.fingerprint));
  }

  /**
   * The target's stored campaigns by source (`${direction}|${address}` → scope and key), so an
   * analysis keeps each source it has seen before in the same campaign. Sources are those the
   * campaigns list (the busiest hundred of each).
   */
  async priorCampaigns(manager: EntityManager, targetId: string): Promise<PriorCampaigns> {
    const rows: Array<{ direction: Direction; campaign: CampaignEvidence | null }> = await manager.query(
      `SELECT "direction", "finding" -> 'campaign' AS "campaign" FROM "findings" WHERE "target_id" = $1 AND "kind" = 'campaign'`,
      [targetId],
    );
    const prior = new Map<string, { scope: CampaignScope; key: string }>();
    for (const { direction, campaign } of rows) {
      if (!campaign) continue;
      for (const source of campaign.sources)
        prior.set(priorCampaignKey(direction, source.address), { scope: campaign.scope, key: campaign.key });
    }
    return prior;
  }

  /**
   * Open and acknowledged findings of the target that this analysis did not see, with their
   * stored flows, for the caller to re-explain against the analysis's snapshot.
   */
  async unseenResolvable(
    manager: EntityManager,
    ctx: PersistContext,
  ): Promise<Array<{ id: string; status: FindingStatus; finding: Finding; flows: FlowAggregate[] }>> {
    const rows = await manager
      .createQueryBuilder(FindingEntity, 'f')
      .select(['f.id', 'f.status', 'f.finding'])
      .addSelect('f.flows')
      .where('f.target_id = :targetId', { targetId: ctx.targetId })
      .andWhere('f.status IN (:...statuses)', { statuses: AUTO_RESOLVABLE })
      .andWhere('f.last_analysis_id IS DISTINCT FROM CAST(:analysisId AS uuid)', { analysisId: ctx.analysisId })
      .setLock('pessimistic_write')
      .getMany();
    return rows.map((row) => ({ id: row.id, status: row.status, finding: row.finding, flows: row.flows }));
  }

  /** Resolves one finding on behalf of the system; returns the event id. */
  async resolveBySystem(
    manager: EntityManager,
    ctx: PersistContext,
    id: string,
    from: FindingStatus,
    finding: Finding,
    reason: string,
  ): Promise<string | null> {
    const result = await manager
      .createQueryBuilder()
      .update(FindingEntity)
      .set({ status: 'resolved', statusReason: reason, resolvedAt: ctx.now, suppressedUntil: null })
      .where('id = :id AND status IN (:...statuses)', { id, statuses: AUTO_RESOLVABLE })
      .execute();
    if (!result.affected) return null;
    await this.audit(manager, id, from, 'resolved', reason, ctx);
    return this.emit(manager, DomainEventType.FindingResolved, id, ctx, finding);
  }

  private async lockExisting(manager: EntityManager, targetId: string, fingerprints: string[]): Promise<Map<string, ExistingRow>> {
    const rows: ExistingRow[] = await manager.query(
      `SELECT "id", "fingerprint", "status", "suppressed_until" FROM "findings"
       WHERE "target_id" = $1 AND "fingerprint" = ANY($2::varchar[]) FOR UPDATE`,
      [targetId, fingerprints],
    );
    return new Map(rows.map((row) => [row.fingerprint, row]));
  }

  /**
   * A finding's row for `upsertBatch`, serialised for the statement expected to write it: the
   * INSERT of new findings unless `stored` (see PreparedRow).
   */
  prepareRow(ctx: PersistContext, item: ObservedFinding, stored: boolean): PreparedRow {
    return stored ? { line: rowJson(item) } : newRow(ctx, item);
  }

  /**
   * One UPDATE of the stored findings seen again, each row locked by `lockExisting` since: the
   * new row's columns, the counts merged, and the status changed where its lifecycle changes
   * (bound as fingerprint → status), with no reason, snooze or resolution left over.
   */
  private async updateStored(
    manager: EntityManager,
    ctx: PersistContext,
    plans: ReadonlyArray<{ item: PreparedItem; row: PreparedRow; change: LifecycleChange | null }>,
  ): Promise<void> {
    const changed = plans.filter((p) => p.change !== null);
    const row = (column: string): string => (column === 'priority' ? NEW_PRIORITY : `r.${column}`);
    await manager.query(
      `UPDATE "findings" SET ${seenAgainSet(row)},
         "status" = COALESCE(c.status, "findings"."status"),
         "status_reason" = CASE WHEN c.status IS NULL THEN "findings"."status_reason" END,
         "suppressed_until" = CASE WHEN c.status IS NULL THEN "findings"."suppressed_until" END,
         "resolved_at" = CASE WHEN c.status IS NULL THEN "findings"."resolved_at" END
       FROM ${BATCH_ROWS}
         LEFT JOIN unnest($5::varchar[], $6::text[]) AS c(fingerprint, status) ON c.fingerprint = r.fingerprint
       WHERE "findings"."target_id" = $1 AND "findings"."fingerprint" = r.fingerprint`,
      [
        ctx.targetId,
        ctx.analysisId,
        ctx.now,
        linesText(plans.map((p) => lineOf(p.row))),
        changed.map((p) => p.item.finding.fingerprint),
        changed.map((p) => p.change!.to),
      ],
    );
  }

  /**
   * The findings not stored when locked: those prepared as COPY rows copied into the table (unless
   * `copy` is false), the others (expected stored when prepared) written by `upsertFresh`; returns
   * id by fingerprint, with whether each was inserted.
   */
  private async insertFresh(
    manager: EntityManager,
    ctx: PersistContext,
    plans: ReadonlyArray<{ item: PreparedItem; row: PreparedRow }>,
    copy: boolean,
  ): Promise<Map<string, InsertedRow>> {
    const copied: Array<{ fingerprint: string; copy: Buffer; id: string }> = [];
    const lines: string[] = [];
    for (const { item, row } of plans) {
      if ('copy' in row && copy) copied.push({ fingerprint: item.finding.fingerprint, ...row });
      else lines.push(lineOf(row));
    }
    const written = new Map<string, InsertedRow>();
    if (copied.length) {
      await copyIn(
        manager,
        COPY_NEW_FINDINGS,
        copied.map((row) => row.copy),
      );
      for (const row of copied) written.set(row.fingerprint, { id: row.id, inserted: true });
    }
    if (lines.length) for (const [fingerprint, row] of await this.upsertFresh(manager, ctx, lines)) written.set(fingerprint, row);
    return written;
  }

  /**
   * One INSERT … ON CONFLICT of new findings, their rows as bound lines of JSON; returns id by
   * fingerprint, and whether each row was inserted by this statement (its xmax 0) or updated: a
   * concurrent writer of the same analysis stored it since, and it is updated as a stored finding
   * seen again (its status left as it is).
   */
  private async upsertFresh(manager: EntityManager, ctx: PersistContext, lines: readonly string[]): Promise<Map<string, InsertedRow>> {
    const row = (column: string): string => `EXCLUDED."${column}"`;
    const returned: Array<{ id: string; fingerprint: string; inserted: boolean }> = await manager.query(
      `INSERT INTO "findings" (
         "target_id", "fingerprint", "status", "classification", "severity", "severity_rank", "control", "direction",
         "protocol", "port", "return_traffic", "security_group_ids", "network_acl_id", "vpc_ids", "interface_ids",
         "records", "packets", "bytes", "first_seen", "last_seen", "finding", "flows", "counts", "search_text",
         "first_analysis_id", "last_analysis_id", "kind", "priority", "created_at", "updated_at", "account_ids")
       SELECT $1, r.fingerprint, 'open', r.classification, r.severity, r.severity_rank, r.control, r.direction,
         r.protocol, r.port, r.return_traffic, r.security_group_ids, r.network_acl_id, r.vpc_ids, r.interface_ids,
         r.records, r.packets, r.bytes, r.first_seen, r.last_seen, r.finding, r.flows, r.counts, r.search_text, $2, $2, r.kind,
         ${NEW_PRIORITY}, $3, $3, r.account_ids
       FROM ${BATCH_ROWS}
       ON CONFLICT ("target_id", "fingerprint") DO UPDATE SET ${seenAgainSet(row)}
       RETURNING "id", "fingerprint", ("xmax" = 0) AS "inserted"`,
      [ctx.targetId, ctx.analysisId, ctx.now, linesText(lines)],
    );
    return new Map(returned.map((r) => [r.fingerprint, { id: r.id, inserted: r.inserted }]));
  }

  private async auditMany(
    manager: EntityManager,
    entries: ReadonlyArray<{ findingId: string; from: FindingStatus | null; to: FindingStatus; reason: string }>,
    ctx: PersistContext,
  ): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO "finding_events" ("finding_id", "actor_type", "actor_id", "from_status", "to_status", "reason", "analysis_id", "at")
       SELECT e.finding_id, 'system', NULL, e.from_status, e.to_status, e.reason, $1, $2
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) AS e(finding_id, from_status, to_status, reason)`,
      [
        ctx.analysisId,
        ctx.now,
        entries.map((e) => e.findingId),
        entries.map((e) => e.from),
        entries.map((e) => e.to),
        entries.map((e) => e.reason),
      ],
    );
  }

  /** A finding's event; its data names the finding, whose stored JSON the fan-out adds (`EventsService.findByIds`). */
  private findingEvent(type: DomainEventType, findingId: string, ctx: PersistContext, finding: PreparedItem['finding']): NewDomainEvent {
    return {
      type,
      subject: {
        targetId: ctx.targetId,
        findingId,
        analysisId: ctx.analysisId,
        severity: finding.severity,
        classification: finding.classification,
      },
      data: { findingId, targetId: ctx.targetId, analysisId: ctx.analysisId },
    };
  }

  private async audit(
    manager: EntityManager,
    findingId: string,
    from: FindingStatus | null,
    to: FindingStatus,
    reason: string,
    ctx: PersistContext,
  ): Promise<void> {
    await manager.insert(FindingEventEntity, {
      findingId,
      actorType: 'system',
      actorId: null,
      fromStatus: from,
      toStatus: to,
      reason,
      analysisId: ctx.analysisId,
      at: ctx.now,
    });
  }

  private async emit(
    manager: EntityManager,
    type: DomainEventType,
    findingId: string,
    ctx: PersistContext,
    finding: Finding,
  ): Promise<string> {
    const event = await this.events.record(manager, this.findingEvent(type, findingId, ctx, finding));
    return event.id;
  }
}

/** The largest double below 2^63: the most a bigint column holds of a sum of 64-bit counts. */
const MAX_STORED_COUNT = 2 ** 63 - 1024;

/**
 * A finding's packets or bytes as its bigint column holds them: flow-log counts are read up to
 * 2^63 - 1 (as the nearest double), so their sum may pass what the column holds, and is held at
 * the most it does rather than failing the write.
 */
function storedCount(value: number): number {
  return Math.min(value, MAX_STORED_COUNT);
}

/** A finding's row: the finding, its flows and counts, and the columns copied out of them (all but the status). */
function rowColumns(item: ObservedFinding) {
  const f = item.finding;
  const columns = indexedColumns(f);
  return {
    fingerprint: f.fingerprint,
    classification: f.classification,
    severity: f.severity,
    severity_rank: SEVERITY_RANK[f.severity] ?? 0,
    control: f.blockedBy.control,
    direction: f.traffic.direction,
    protocol: f.traffic.protocol,
    port: f.traffic.port,
    return_traffic: f.traffic.returnTraffic,
    security_group_ids: columns.securityGroupIds,
    network_acl_id: columns.networkAclId,
    vpc_ids: item.vpcIds,
    account_ids: item.accountIds,
    interface_ids: columns.interfaceIds,
    records: recordsOf(item.counts),
    packets: storedCount(f.traffic.packets),
    bytes: storedCount(f.traffic.bytes),
    first_seen: new Date(f.traffic.firstSeen).toISOString(),
    last_seen: new Date(f.traffic.lastSeen).toISOString(),
    counts: item.counts,
    finding: f,
    // Each flow as an array of its values (see storedFlowRows).
    flows: storedFlowRows(item.flows),
    search_text: searchTextOf(f, item.vpcIds, columns),
    kind: f.kind,
    rank: findingRank(f.classification, f.severity),
  };
}

/** A finding's row as a line of JSON (rowColumns), as BATCH_ROWS reads it. */
function rowJson(item: ObservedFinding): string {
  return JSON.stringify(rowColumns(item));
}

/** A new finding's row for the COPY of new findings, under an id of its own. */
function newRow(ctx: PersistContext, item: ObservedFinding): { copy: Buffer; id: string } {
  const id = randomUUID();
  return { copy: copyRowOf(ctx, id, item), id };
}

/** A prepared row as the line of JSON the UPDATE and the INSERT … ON CONFLICT read. */
function lineOf(row: PreparedRow): string {
  return 'line' in row ? row.line : lineOfCopyRow(row.copy);
}

/**
 * The line of JSON (`rowJson`'s columns) of a new finding's COPY row (`copyRowOf`), for a finding
 * found stored once its batch held its locks: the row's values by column, the documents parsed
 * back from their text. The columns BATCH_ROWS does not read (the id, the times, …) are left in:
 * jsonb_to_record reads only the columns it names.
 */
function lineOfCopyRow(copy: Buffer): string {
  const fields = copyRowValues(COPY_COLUMN_TYPES, copy);
  const value = Object.fromEntries(COPY_COLUMN_NAMES.map((name, i) => [name, fields[i]])) as Record<CopyColumn, CopyValue>;
  const json = (text: CopyValue): unknown => JSON.parse(text as string);
  return JSON.stringify({
    ...value,
    counts: json(value.counts),
    finding: json(value.finding),
    flows: json(value.flows),
    rank: findingRank(value.classification as string, value.severity as string),
  });
}

/** A new finding's row in binary COPY format, its columns (rowColumns's values) in COPY_COLUMNS's order. */
function copyRowOf(ctx: PersistContext, id: string, item: ObservedFinding): Buffer {
  const row = rowColumns(item);
  const now = ctx.now.toISOString();
  const values: Record<CopyColumn, CopyValue> = {
    id,
    target_id: ctx.targetId,
    fingerprint: row.fingerprint,
    status: 'open',
    classification: row.classification,
    severity: row.severity,
    severity_rank: row.severity_rank,
    control: row.control,
    direction: row.direction,
    protocol: row.protocol,
    port: row.port,
    return_traffic: row.return_traffic,
    security_group_ids: row.security_group_ids,
    network_acl_id: row.network_acl_id,
    vpc_ids: row.vpc_ids,
    account_ids: row.account_ids,
    interface_ids: row.interface_ids,
    records: row.records,
    packets: row.packets,
    bytes: row.bytes,
    first_seen: row.first_seen,
    last_seen: row.last_seen,
    counts: JSON.stringify(row.counts),
    finding: JSON.stringify(row.finding),
    flows: JSON.stringify(row.flows),
    search_text: row.search_text,
    first_analysis_id: ctx.analysisId,
    last_analysis_id: ctx.analysisId,
    kind: row.kind,
    priority: priorityOf(row.rank, row.last_seen),
    created_at: now,
    updated_at: now,
  };
  return copyRow(
    COPY_COLUMN_TYPES,
    COPY_COLUMN_NAMES.map((name) => values[name]),
  );
}

/**
 * The lines joined by line feeds, as UTF-8 bytes (bound as text in binary form): written straight
 * into one buffer, without first joining megabytes of JSON into one string and encoding it.
 */
function linesText(lines: readonly string[]): Buffer {
  let length = Math.max(0, lines.length - 1);
  for (const line of lines) length += Buffer.byteLength(line);
  const text = Buffer.allocUnsafe(length);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) text[offset++] = 0x0a;
    offset += text.write(lines[i]!, offset);
  }
  return text;
}

/** A finding's records: the sum of its per-hour counts. */
function recordsOf(counts: Record<string, number>): number {
  let records = 0;
  for (const bucket in counts) records += counts[bucket]!;
  return records;
}

/** Columns copied out of the Finding for filters: every SG and NACL involved (a campaign's every control), every interface. */
export function indexedColumns(f: Finding): { securityGroupIds: string[]; networkAclId: string | null; interfaceIds: string[] } {
  const controls = [f.blockedBy, ...(f.alsoBlockedBy ?? []), ...(f.campaign?.controls ?? [])];
  const securityGroupIds = [...new Set(controls.flatMap((c) => (c.control === 'security-group' ? c.groupIds : [])))].sort();
  const acl = controls.find((c) => c.control === 'network-acl');
  return {
    securityGroupIds,
    networkAclId: acl && acl.control === 'network-acl' ? acl.networkAclId : null,
    interfaceIds: f.traffic.interfaces.map((i) => i.id),
  };
}

/** Lower-case words the `q` filter matches against (ids, owners, peers, protocol/port, signals). */
export function searchTextOf(f: Finding, vpcIds: string[], columns = indexedColumns(f)): string {
  const words = [
    f.fingerprint,
    f.kind,
    f.campaign?.key ?? '',
    f.classification,
    f.severity,
    f.blockedBy.control,
    f.traffic.direction,
    `${protocolName(f.traffic.protocol)}/${f.traffic.port ?? '*'}`,
    ...columns.securityGroupIds,
    columns.networkAclId ?? '',
    ...vpcIds,
    ...f.traffic.interfaces.flatMap((i) => [i.id, i.owner ?? '']),
    ...f.traffic.peers.flatMap((p) => [p.address, p.owner ?? '']),
    ...f.signals,
  ];
  return words.filter(Boolean).join(' ').toLowerCase();
}
