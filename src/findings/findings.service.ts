import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ValidationError } from '../common/errors/validation.error';
import { keysetPage, type KeysetSort } from '../common/http/keyset-page.util';
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
import { Clock } from '../common/clock/clock';

/** Sort key column, how its cursor value is cast back in SQL, and how it is read off an entity. */
const SORTS: Record<FindingSort, Omit<KeysetSort<FindingEntity>, 'direction'>> = {
  priority: { column: 'f.priority', cast: 'bigint', key: (f) => String(f.priority) },
  lastSeen: { column: 'f.last_seen', cast: 'timestamptz', key: (f) => f.lastSeen.toISOString() },
  severity: { column: 'f.severity_rank', cast: 'integer', key: (f) => String(f.severityRank) },
  records: { column: 'f.records', cast: 'bigint', key: (f) => String(f.records) },
};

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
    const qb = this.findings.createQueryBuilder('f');
    if (query.targetId) qb.andWhere('f.target_id = :targetId', { targetId: query.targetId });
    if (query.status?.length) qb.andWhere('f.status IN (:...status)', { status: query.status });
    if (query.classification?.length) qb.andWhere('f.classification IN (:...classification)', { classification: query.classification });
    if (query.kind) qb.andWhere('f.kind = :kind', { kind: query.kind });
    if (query.severity?.length) qb.andWhere('f.severity IN (:...severity)', { severity: query.severity });
    if (query.securityGroupId) qb.andWhere('f.security_group_ids @> ARRAY[:securityGroupId]::text[]', { securityGroupId: query.securityGroupId });
    if (query.networkAclId) qb.andWhere('f.network_acl_id = :networkAclId', { networkAclId: query.networkAclId });
    if (query.vpcId) qb.andWhere('f.vpc_ids @> ARRAY[:vpcId]::text[]', { vpcId: query.vpcId });
    if (query.accountId) qb.andWhere('f.account_ids @> ARRAY[:accountId]::text[]', { accountId: query.accountId });
    if (query.port !== undefined) qb.andWhere('f.port = :port', { port: query.port });
    if (query.q) qb.andWhere(`f.search_text LIKE :q ESCAPE '\\'`, { q: `%${escapeLike(query.q.toLowerCase())}%` });
    const sort = SORTS[query.sort ?? 'priority'];
    const page = await keysetPage(qb, query, { ...sort, direction: query.order === 'asc' ? 'ASC' : 'DESC' });
    return Object.assign(new FindingPageDto(), {
      items: page.items.map((entity) => FindingSummaryDto.fromEntity(entity)),
      nextCursor: page.nextCursor,
    });
  }

  async get(id: string): Promise<FindingDetailDto> {
    const entity = await this.findings.findOneBy({ id });
    if (!entity) throw new FindingNotFoundError(id);
    const sample = await this.findings
      .createQueryBuilder('f')
      .select('jsonb_array_length(f.flows)', 'n')
      .where('f.id = :id', { id })
      .getRawOne<{ n: number }>();
    return FindingDetailDto.fromEntity(entity, Number(sample?.n ?? 0), await this.ticketRecords.list(id));
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
        data: { findingId: id, targetId: entity.targetId, by: principal?.keyId ?? null, reason: dto.reason ?? null, finding: entity.finding },
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
    if (expiresAt.getTime() <= this.clock.nowMs()) throw new ValidationError([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
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
    return { total, new: created, updated: total - created, resolved: Number(transitions?.resolved ?? 0), reopened: Number(transitions?.reopened ?? 0) };
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
