import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainEventType } from '../events/domain-event';
import { EventsService } from '../events/events.service';
import { priorCampaignKey, type PriorCampaigns } from '../engine/findings/campaign-group';
import type { CampaignEvidence, CampaignScope, Finding } from '../engine/findings/finding';
import type { Direction } from '../engine/flow-log/flow-record';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { protocolName } from '../engine/network/protocol';
import { AUTO_RESOLVABLE, changeOnRecurrence } from './finding-lifecycle';
import { FindingEventEntity } from './finding-event.entity';
import type { FindingStatus } from './finding-status';
import { findingRank, PRIORITY_RANK_SCALE, SEVERITY_RANK } from './finding-status';
import { FindingEntity } from './finding.entity';
import type { ObservedFinding } from './observed-finding';

export interface PersistContext {
  targetId: string;
  analysisId: string;
  now: Date;
}

interface ExistingRow {
  id: string;
  fingerprint: string;
  status: FindingStatus;
  suppressed_until: Date | null;
}

/**
 * Writes what an analysis found, inside the caller's transaction: upsert by (target,
 * fingerprint), lifecycle changes with their audit entries and domain events. Every statement
 * is idempotent for a given analysis, so a redelivered job writes the same rows again.
 */
/** The stored and the new per-hour counts of a finding, merged by hour with the larger count winning. */
const MERGED_COUNTS = `(SELECT COALESCE(jsonb_object_agg(k.key, GREATEST(
    COALESCE(("findings"."counts" ->> k.key)::bigint, 0), COALESCE((EXCLUDED."counts" ->> k.key)::bigint, 0))), '{}'::jsonb)
  FROM jsonb_object_keys("findings"."counts" || EXCLUDED."counts") AS k(key))`;

@Injectable()
export class FindingsPersister {
  constructor(private readonly events: EventsService) {}

  /** Upserts a batch; returns the ids of the domain events recorded. */
  async upsertBatch(manager: EntityManager, ctx: PersistContext, batch: readonly ObservedFinding[]): Promise<string[]> {
    if (batch.length === 0) return [];
    const existing = await this.lockExisting(manager, ctx.targetId, batch.map((item) => item.finding.fingerprint));
    const eventIds: string[] = [];
    for (const item of batch) {
      const before = existing.get(item.finding.fingerprint);
      const change = before ? changeOnRecurrence(before.status, before.suppressed_until, ctx.now) : null;
      const status: FindingStatus = before ? (change?.to ?? before.status) : 'open';
      const id = await this.upsert(manager, ctx, item, status, change !== null);
      if (!before) {
        await this.audit(manager, id, null, 'open', 'first seen', ctx);
        eventIds.push(await this.emit(manager, DomainEventType.FindingOpened, id, ctx, item.finding));
      } else if (change) {
        await this.audit(manager, id, before.status, change.to, change.reason, ctx);
        if (change.event) eventIds.push(await this.emit(manager, change.event, id, ctx, item.finding));
      }
    }
    return eventIds;
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
      for (const source of campaign.sources) prior.set(priorCampaignKey(direction, source.address), { scope: campaign.scope, key: campaign.key });
    }
    return prior;
  }

  /**
   * Open and acknowledged findings of the target that this analysis did not see, with their
   * stored flows, for the caller to re-explain against the analysis's snapshot.
   */
  async unseenResolvable(manager: EntityManager, ctx: PersistContext): Promise<Array<{ id: string; status: FindingStatus; finding: Finding; flows: FlowAggregate[] }>> {
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
    manager: EntityManager, ctx: PersistContext, id: string, from: FindingStatus, finding: Finding, reason: string,
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
    const rows = await manager
      .createQueryBuilder(FindingEntity, 'f')
      .select(['f.id', 'f.fingerprint', 'f.status', 'f.suppressedUntil'])
      .where('f.target_id = :targetId', { targetId })
      .andWhere('f.fingerprint IN (:...fingerprints)', { fingerprints })
      .setLock('pessimistic_write')
      .getMany();
    return new Map(rows.map((row) => [row.fingerprint, { id: row.id, fingerprint: row.fingerprint, status: row.status, suppressed_until: row.suppressedUntil }]));
  }

  private async upsert(manager: EntityManager, ctx: PersistContext, item: ObservedFinding, status: FindingStatus, reopened: boolean): Promise<string> {
    const f = item.finding;
    const columns = indexedColumns(f);
    // Counts merge by bucket, keeping the larger count of a bucket seen again (never adding): a re-run
    // writes the same value, and an analysis that saw only part of an hour cannot shrink it.
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO "findings" (
         "target_id", "fingerprint", "status", "classification", "severity", "severity_rank", "control", "direction",
         "protocol", "port", "return_traffic", "security_group_ids", "network_acl_id", "vpc_ids", "interface_ids",
         "records", "packets", "bytes", "first_seen", "last_seen", "finding", "flows", "counts", "search_text",
         "first_analysis_id", "last_analysis_id", "kind", "priority", "created_at", "updated_at", "account_ids")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
         (SELECT COALESCE(SUM(value::bigint), 0) FROM jsonb_each_text($20::jsonb)),
         $16, $17, $18, $19, $21::jsonb, $22::jsonb, $20::jsonb, $23, $24, $24, $26,
         $27::bigint * ${PRIORITY_RANK_SCALE} + FLOOR(EXTRACT(EPOCH FROM $19::timestamptz))::bigint, $28, $28, $29)
       ON CONFLICT ("target_id", "fingerprint") DO UPDATE SET
         "status" = $3,
         "status_reason" = CASE WHEN $25::boolean THEN NULL ELSE "findings"."status_reason" END,
         "suppressed_until" = CASE WHEN $25::boolean THEN NULL ELSE "findings"."suppressed_until" END,
         "resolved_at" = CASE WHEN $25::boolean THEN NULL ELSE "findings"."resolved_at" END,
         "kind" = EXCLUDED."kind",
         "priority" = $27::bigint * ${PRIORITY_RANK_SCALE} + FLOOR(EXTRACT(EPOCH FROM GREATEST("findings"."last_seen", EXCLUDED."last_seen")))::bigint,
         "classification" = EXCLUDED."classification",
         "severity" = EXCLUDED."severity",
         "severity_rank" = EXCLUDED."severity_rank",
         "security_group_ids" = EXCLUDED."security_group_ids",
         "network_acl_id" = EXCLUDED."network_acl_id",
         "vpc_ids" = EXCLUDED."vpc_ids",
         "account_ids" = EXCLUDED."account_ids",
         "interface_ids" = EXCLUDED."interface_ids",
         "counts" = ${MERGED_COUNTS},
         "records" = (SELECT COALESCE(SUM(value::bigint), 0) FROM jsonb_each_text(${MERGED_COUNTS})),
         "packets" = EXCLUDED."packets",
         "bytes" = EXCLUDED."bytes",
         "first_seen" = LEAST("findings"."first_seen", EXCLUDED."first_seen"),
         "last_seen" = GREATEST("findings"."last_seen", EXCLUDED."last_seen"),
         "finding" = EXCLUDED."finding",
         "flows" = EXCLUDED."flows",
         "search_text" = EXCLUDED."search_text",
         "last_analysis_id" = EXCLUDED."last_analysis_id",
         "updated_at" = $28
       RETURNING "id"`,
      [
        ctx.targetId, f.fingerprint, status, f.classification, f.severity, SEVERITY_RANK[f.severity] ?? 0, f.blockedBy.control,
        f.traffic.direction, f.traffic.protocol, f.traffic.port, f.traffic.returnTraffic, columns.securityGroupIds, columns.networkAclId,
        item.vpcIds, columns.interfaceIds, f.traffic.packets, f.traffic.bytes, new Date(f.traffic.firstSeen), new Date(f.traffic.lastSeen),
        JSON.stringify(item.counts), JSON.stringify(f), JSON.stringify(item.flows), searchTextOf(f, item.vpcIds), ctx.analysisId, reopened,
        f.kind, findingRank(f.classification, f.severity), ctx.now, item.accountIds,
      ],
    );
    return rows[0].id;
  }

  private async audit(
    manager: EntityManager, findingId: string, from: FindingStatus | null, to: FindingStatus, reason: string, ctx: PersistContext,
  ): Promise<void> {
    await manager.insert(FindingEventEntity, {
      findingId, actorType: 'system', actorId: null, fromStatus: from, toStatus: to, reason, analysisId: ctx.analysisId, at: ctx.now,
    });
  }

  private async emit(manager: EntityManager, type: DomainEventType, findingId: string, ctx: PersistContext, finding: Finding): Promise<string> {
    const event = await this.events.record(manager, {
      type,
      subject: { targetId: ctx.targetId, findingId, analysisId: ctx.analysisId, severity: finding.severity, classification: finding.classification },
      data: { findingId, targetId: ctx.targetId, analysisId: ctx.analysisId, finding },
    });
    return event.id;
  }
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
export function searchTextOf(f: Finding, vpcIds: string[]): string {
  const columns = indexedColumns(f);
  const words = [
    f.fingerprint, f.kind, f.campaign?.key ?? '', f.classification, f.severity, f.blockedBy.control, f.traffic.direction,
    `${protocolName(f.traffic.protocol)}/${f.traffic.port ?? '*'}`, ...columns.securityGroupIds, columns.networkAclId ?? '',
    ...vpcIds, ...f.traffic.interfaces.flatMap((i) => [i.id, i.owner ?? '']), ...f.traffic.peers.flatMap((p) => [p.address, p.owner ?? '']),
    ...f.signals,
  ];
  return words.filter(Boolean).join(' ').toLowerCase();
}
