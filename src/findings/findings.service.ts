import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ValidationError } from '../common/errors/validation.error';
import { keysetRawPage, type KeysetSort } from '../common/http/keyset-page.util';
import type { BlockingControl } from '../engine/evaluate/verdict';
import type { CampaignScope, FindingKind } from '../engine/findings/finding';
import { EventsService } from '../events/events.service';
import { FindingTicketDto } from '../ticketing/dto/finding-ticket.dto';
import { FindingTicketsService } from '../ticketing/finding-tickets.service';
import { FindingDetailDto } from './dto/finding-detail.dto';
import { FindingEventDto } from './dto/finding-event.dto';
import { FindingPageDto } from './dto/finding-page.dto';
import { FindingSummaryDto } from './dto/finding-summary.dto';
import type { FindingSort, ListFindingsQuery } from './dto/list-findings.query';
import type { UpdateFindingDto } from './dto/update-finding.dto';
import { FindingEventEntity } from './finding-event.entity';
import { FindingInvalidTransitionError } from './finding-invalid-transition.error';
import { eventOfUserChange, userTransitionAllowed } from './finding-lifecycle';
import { FindingNotFoundError } from './finding-not-found.error';
import { FindingEntity } from './finding.entity';
import type { FindingStatus } from './finding-status';
import { Clock } from '../common/clock/clock';

/** A listed finding as the list query selects it: the summary's columns, and the few fields of its JSON the summary shows. */
interface SummaryRow {
  id: string;
  target_id: string;
  fingerprint: string;
  status: FindingStatus;
  kind: FindingKind;
  classification: string;
  severity: string;
  direction: string;
  protocol: number;
  port: number | null;
  return_traffic: boolean;
  /** bigint columns arrive as text. */
  records: string;
  priority: string;
  severity_rank: number;
  /** ISO instants in milliseconds, formatted by PostgreSQL as toISOString() would. */
  first_seen: string;
  last_seen: string;
  summary: {
    blockedBy: BlockingControl;
    peerCount: number;
    campaign: { scope: CampaignScope; key: string; sourceCount: number; portCount: number; hostCount: number } | null;
    fixActions: string[] | null;
    fixVerified: boolean | null;
  };
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * The fields of the finding JSON a summary shows, extracted in PostgreSQL. The JSON is read
 * (de-TOASTed) once per row: `|| '{}'` hands back the value read, and the subquery (kept apart
 * by OFFSET 0) passes it on to every extraction; each of them on the column itself would read
 * it again.
 */
const SUMMARY_OF_FINDING = `(SELECT jsonb_build_object(
    'blockedBy', s.j -> 'blockedBy',
    'peerCount', COALESCE(NULLIF(s.j #> '{traffic,peerCount}', 'null'::jsonb), to_jsonb(jsonb_array_length(s.j #> '{traffic,peers}'))),
    'campaign', CASE WHEN jsonb_typeof(s.j -> 'campaign') = 'object' THEN jsonb_build_object(
      'scope', s.j #> '{campaign,scope}', 'key', s.j #> '{campaign,key}', 'sourceCount', s.j #> '{campaign,sourceCount}',
      'portCount', s.j #> '{campaign,portCount}', 'hostCount', s.j #> '{campaign,hostCount}') END,
    'fixActions', CASE WHEN jsonb_typeof(s.j -> 'suggestedFix') = 'object' THEN jsonb_path_query_array(s.j, '$.suggestedFix.changes[*].action') END,
    'fixVerified', s.j #> '{suggestedFix,verified}')
  FROM (SELECT f.finding || '{}'::jsonb AS j OFFSET 0) s)`;

/**
 * The list's projection: only what a summary returns. The full finding JSON (its peers, fix in
 * every format, campaign sources) and the hourly counts stay in PostgreSQL.
 */
const SUMMARY_COLUMNS: Array<[expression: string, alias: keyof SummaryRow]> = [
  ['f.id', 'id'],
  ['f.target_id', 'target_id'],
  ['f.fingerprint', 'fingerprint'],
  ['f.status', 'status'],
  ['f.kind', 'kind'],
  ['f.classification', 'classification'],
  ['f.severity', 'severity'],
  ['f.direction', 'direction'],
  ['f.protocol', 'protocol'],
  ['f.port', 'port'],
  ['f.return_traffic', 'return_traffic'],
  ['f.records', 'records'],
  ['f.priority', 'priority'],
  ['f.severity_rank', 'severity_rank'],
  [`to_char(f.first_seen AT TIME ZONE 'UTC', ${ISO_MS})`, 'first_seen'],
  [`to_char(f.last_seen AT TIME ZONE 'UTC', ${ISO_MS})`, 'last_seen'],
  [SUMMARY_OF_FINDING, 'summary'],
];

/** Sort key column, how its cursor value is cast back in SQL, and how it is read off a listed row. */
const SORTS: Record<FindingSort, Omit<KeysetSort<SummaryRow>, 'direction'>> = {
  priority: { column: 'f.priority', cast: 'bigint', key: (f) => f.priority },
  lastSeen: { column: 'f.last_seen', cast: 'timestamptz', key: (f) => f.last_seen },
  severity: { column: 'f.severity_rank', cast: 'integer', key: (f) => String(f.severity_rank) },
  records: { column: 'f.records', cast: 'bigint', key: (f) => f.records },
};

function summaryOf(row: SummaryRow): FindingSummaryDto {
  const { blockedBy, peerCount, campaign, fixActions, fixVerified } = row.summary;
  return Object.assign(new FindingSummaryDto(), {
    id: row.id,
    targetId: row.target_id,
    fingerprint: row.fingerprint,
    status: row.status,
    kind: row.kind,
    classification: row.classification,
    severity: row.severity,
    blockedBy,
    direction: row.direction,
    protocol: row.protocol,
    port: row.port,
    traffic: FindingSummaryDto.traffic(row.protocol, row.port, campaign?.portCount ?? null),
    returnTraffic: row.return_traffic,
    records: Number(row.records),
    peerCount,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    campaign: campaign
      ? {
          scope: campaign.scope,
          key: campaign.key,
          sourceCount: campaign.sourceCount,
          portCount: campaign.portCount,
          hostCount: campaign.hostCount,
        }
      : null,
    fixSummary: fixActions ? FindingSummaryDto.fixSummary(fixActions, fixVerified === true) : null,
  });
}

@Injectable()
export class FindingsService {
  constructor(
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
    @InjectRepository(FindingEventEntity) private readonly findingEvents: Repository<FindingEventEntity>,
    private readonly ticketRecords: FindingTicketsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly clock: Clock,
  ) {}

  async list(query: ListFindingsQuery): Promise<FindingPageDto> {
    const qb = this.findings.createQueryBuilder('f').select(SUMMARY_COLUMNS.map(([expression, alias]) => `${expression} AS "${alias}"`));
    if (query.targetId) qb.andWhere('f.target_id = :targetId', { targetId: query.targetId });
    if (query.status?.length) qb.andWhere('f.status IN (:...status)', { status: query.status });
    if (query.classification?.length) qb.andWhere('f.classification IN (:...classification)', { classification: query.classification });
    if (query.kind) qb.andWhere('f.kind = :kind', { kind: query.kind });
    if (query.severity?.length) qb.andWhere('f.severity IN (:...severity)', { severity: query.severity });
    if (query.securityGroupId)
      qb.andWhere('f.security_group_ids @> ARRAY[:securityGroupId]::text[]', { securityGroupId: query.securityGroupId });
    if (query.networkAclId) qb.andWhere('f.network_acl_id = :networkAclId', { networkAclId: query.networkAclId });
    if (query.vpcId) qb.andWhere('f.vpc_ids @> ARRAY[:vpcId]::text[]', { vpcId: query.vpcId });
    if (query.accountId) qb.andWhere('f.account_ids @> ARRAY[:accountId]::text[]', { accountId: query.accountId });
    if (query.port !== undefined) qb.andWhere('f.port = :port', { port: query.port });
    if (query.q) qb.andWhere(`f.search_text LIKE :q ESCAPE '\\'`, { q: `%${escapeLike(query.q.toLowerCase())}%` });
    const sort = SORTS[query.sort ?? 'priority'];
    const page = await keysetRawPage<SummaryRow>(qb, query, { ...sort, direction: query.order === 'asc' ? 'ASC' : 'DESC' });
    return Object.assign(new FindingPageDto(), {
      items: page.items.map(summaryOf),
      nextCursor: page.nextCursor,
    });
  }

  async get(id: string): Promise<FindingDetailDto> {
    // One row: the finding with the number of its stored flows (the flows themselves stay in PostgreSQL).
    const [{ entities, raw }, tickets] = await Promise.all([
      this.findings
        .createQueryBuilder('f')
        .addSelect('jsonb_array_length(f.flows)', 'sample_flows')
        .where('f.id = :id', { id })
        .getRawAndEntities<{ sample_flows: number }>(),
      this.ticketRecords.list(id),
    ]);
    const entity = entities[0];
    if (!entity) throw new FindingNotFoundError(id);
    return FindingDetailDto.fromEntity(entity, Number(raw[0]?.sample_flows ?? 0), tickets);
  }

  /** The Jira issue or ServiceNow incident of the finding in each ticketing subscription. */
  async tickets(id: string): Promise<FindingTicketDto[]> {
    if (!(await this.findings.existsBy({ id }))) throw new FindingNotFoundError(id);
    return this.ticketRecords.list(id);
  }

  async history(id: string): Promise<FindingEventDto[]> {
    if (!(await this.findings.existsBy({ id }))) throw new FindingNotFoundError(id);
    const entries = await this.findingEvents.find({ where: { findingId: id }, order: { id: 'ASC' } });
    return entries.map((entry) => FindingEventDto.fromEntity(entry));
  }

  /** A user's status change, with its audit entry and (for resolve / reopen) a domain event. */
  async update(id: string, dto: UpdateFindingDto, principal: Principal | undefined): Promise<FindingDetailDto> {
    const expiresAt = this.validateUpdate(dto);
    const eventIds = await this.dataSource.transaction(async (manager) => {
      const entity = await manager.findOne(FindingEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!entity) throw new FindingNotFoundError(id);
      const from = entity.status;
      if (!userTransitionAllowed(from, dto.status)) throw new FindingInvalidTransitionError(id, from, dto.status);
      const now = this.clock.now();
      await manager.update(
        FindingEntity,
        { id },
        {
          status: dto.status,
          statusReason: dto.reason ?? null,
          suppressedUntil: dto.status === 'suppressed' ? expiresAt : null,
          resolvedAt: dto.status === 'resolved' ? now : null,
        },
      );
      await manager.insert(FindingEventEntity, {
        findingId: id,
        actorType: principal ? 'api-key' : 'system',
        actorId: principal?.keyId ?? null,
        fromStatus: from,
        toStatus: dto.status,
        reason: dto.reason ?? null,
        analysisId: null,
        at: now,
      });
      const type = eventOfUserChange(from, dto.status);
      if (!type) return [];
      const event = await this.events.record(manager, {
        type,
        subject: { targetId: entity.targetId, findingId: id, severity: entity.severity, classification: entity.classification },
        data: {
          findingId: id,
          targetId: entity.targetId,
          by: principal?.keyId ?? null,
          reason: dto.reason ?? null,
          finding: entity.finding,
        },
      });
      return [event.id];
    });
    await this.events.publish(eventIds).catch(() => undefined);
    return this.get(id);
  }

  private validateUpdate(dto: UpdateFindingDto): Date | null {
    if (dto.status === 'suppressed' && !dto.reason) {
      throw new ValidationError([{ field: 'reason', message: 'a reason is required to suppress a finding' }]);
    }
    if (dto.expiresAt === undefined) return null;
    if (dto.status !== 'suppressed') throw new ValidationError([{ field: 'expiresAt', message: 'expiresAt applies to suppressed only' }]);
    const expiresAt = new Date(dto.expiresAt);
    if (expiresAt.getTime() <= this.clock.nowMs())
      throw new ValidationError([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    return expiresAt;
  }

  // Queries other modules need; the finding tables are read only here and in the persister.

  /** One finding's record, or null. */
  findEntity(id: string): Promise<FindingEntity | null> {
    return this.findings.findOneBy({ id });
  }

  /** The target's unresolved findings with their sample flows (what a simulation replays), by id. */
  unresolvedWithFlows(targetId: string): Promise<FindingEntity[]> {
    return this.findings
      .createQueryBuilder('f')
      .select(['f.id', 'f.fingerprint'])
      .addSelect('f.flows')
      .where('f.target_id = :targetId AND f.status <> :resolved', { targetId, resolved: 'resolved' })
      .orderBy('f.id')
      .getMany();
  }

  /** The targets' findings a report of the period since `from` shows: unresolved, or changed in it. */
  forReport(targetIds: readonly string[], from: Date): Promise<FindingEntity[]> {
    return this.findings
      .createQueryBuilder('f')
      .where('f.target_id = ANY(:targets)', { targets: [...targetIds] })
      .andWhere("(f.status <> 'resolved' OR f.resolved_at >= :from OR f.created_at >= :from OR f.updated_at >= :from)", { from })
      .getMany();
  }

  /** When each finding last went back to open from resolved or suppressed. */
  async reopenedAt(findingIds: readonly string[]): Promise<Map<string, string>> {
    if (findingIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT finding_id, max("at") AS at FROM finding_events
        WHERE finding_id = ANY($1) AND to_status = 'open' AND from_status IN ('resolved', 'suppressed')
        GROUP BY finding_id`,
      [[...findingIds]],
    )) as Array<{ finding_id: string; at: Date }>;
    return new Map(rows.map((row) => [row.finding_id, new Date(row.at).toISOString()]));
  }

  /**
   * What one analysis did to its target's findings, counted from the database (in the caller's
   * transaction), so a re-run reports the same numbers as a clean run.
   */
  async countsOfAnalysis(manager: EntityManager, analysisId: string, targetId: string): Promise<AnalysisFindingCounts> {
    const seen = await manager
      .createQueryBuilder(FindingEntity, 'f')
      .select('COUNT(*)', 'total')
      .addSelect('COUNT(*) FILTER (WHERE f.first_analysis_id = :analysisId)', 'new')
      .where('f.target_id = :targetId AND f.last_analysis_id = :analysisId', { targetId, analysisId })
      .getRawOne<{ total: string; new: string }>();
    const transitions = await manager
      .createQueryBuilder(FindingEventEntity, 'e')
      .select(`COUNT(*) FILTER (WHERE e.to_status = 'resolved')`, 'resolved')
      .addSelect(`COUNT(*) FILTER (WHERE e.to_status = 'open' AND e.from_status IS NOT NULL)`, 'reopened')
      .where('e.analysis_id = :analysisId', { analysisId })
      .getRawOne<{ resolved: string; reopened: string }>();
    const total = Number(seen?.total ?? 0);
    const created = Number(seen?.new ?? 0);
    return {
      total,
      new: created,
      updated: total - created,
      resolved: Number(transitions?.resolved ?? 0),
      reopened: Number(transitions?.reopened ?? 0),
    };
  }
}

export interface AnalysisFindingCounts {
  total: number;
  new: number;
  updated: number;
  resolved: number;
  reopened: number;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
