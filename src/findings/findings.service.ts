import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ValidationError } from '../common/errors/validation.error';
import { cursorAfter, keysetPageOf, type KeysetSort } from '../common/http/keyset-page.util';
import { PreparedStatement } from '../database/prepared-statement';
import type { BlockingControl } from '../engine/evaluate/verdict';
import type { CampaignScope, Finding, FindingKind } from '../engine/findings/finding';
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

/** A listed finding as the list query selects it: the summary's columns, and the fields of its JSON the summary shows. */
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
  /** The generated column `summary`: computed by PostgreSQL from the finding JSON whenever it is written. */
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
 * The list's projection: only what a summary returns. The finding JSON (its peers, fix in every
 * format, campaign sources), the stored flows and the hourly counts stay in PostgreSQL: the few
 * fields of the JSON a summary shows are the generated column `summary`.
 */
const SUMMARY_SELECT = `SELECT f.id, f.target_id, f.fingerprint, f.status, f.kind, f.classification, f.severity, f.direction,
  f.protocol, f.port, f.return_traffic, f.records, f.priority, f.severity_rank,
  to_char(f.first_seen AT TIME ZONE 'UTC', ${ISO_MS}) AS first_seen, to_char(f.last_seen AT TIME ZONE 'UTC', ${ISO_MS}) AS last_seen,
  f.summary
FROM findings f`;

/** Sort key column, how its cursor value is cast back in SQL, and how it is read off a listed row. */
const SORTS: Record<FindingSort, Omit<KeysetSort<SummaryRow>, 'direction'>> = {
  priority: { column: 'f.priority', cast: 'bigint', key: (f) => f.priority },
  lastSeen: { column: 'f.last_seen', cast: 'timestamptz', key: (f) => f.last_seen },
  severity: { column: 'f.severity_rank', cast: 'integer', key: (f) => String(f.severity_rank) },
  records: { column: 'f.records', cast: 'bigint', key: (f) => f.records },
};

/**
 * Each filter: its condition on the parameter it is given, that parameter's value (undefined: not
 * filtered), and whether one value may match far fewer rows than another (an id, a tag, a text):
 * a list filtered so is planned for its values each time rather than prepared (see PreparedStatement).
 */
const FILTERS: ReadonlyArray<{ condition: (param: string) => string; value: (query: ListFindingsQuery) => unknown; selective: boolean }> = [
  { condition: (p) => `f.target_id = ${p}::uuid`, value: (q) => q.targetId, selective: true },
  { condition: (p) => `f.status = ANY(${p}::text[])`, value: (q) => (q.status?.length ? q.status : undefined), selective: false },
  {
    condition: (p) => `f.classification = ANY(${p}::text[])`,
    value: (q) => (q.classification?.length ? q.classification : undefined),
    selective: false,
  },
  { condition: (p) => `f.kind = ${p}`, value: (q) => q.kind, selective: false },
  { condition: (p) => `f.severity = ANY(${p}::text[])`, value: (q) => (q.severity?.length ? q.severity : undefined), selective: false },
  { condition: (p) => `f.security_group_ids @> ARRAY[${p}::text]`, value: (q) => q.securityGroupId, selective: true },
  { condition: (p) => `f.network_acl_id = ${p}`, value: (q) => q.networkAclId, selective: true },
  { condition: (p) => `f.vpc_ids @> ARRAY[${p}::text]`, value: (q) => q.vpcId, selective: true },
  { condition: (p) => `f.account_ids @> ARRAY[${p}::text]`, value: (q) => q.accountId, selective: true },
  { condition: (p) => `f.port = ${p}::integer`, value: (q) => q.port, selective: true },
  {
    condition: (p) => `f.search_text LIKE ${p} ESCAPE '\\'`,
    value: (q) => (q.q ? `%${escapeLike(q.q.toLowerCase())}%` : undefined),
    selective: true,
  },
];

/**
 * The list statement of one shape (which filters, which sort and order, whether after a cursor):
 * a fixed text with every value bound, prepared once per connection unless a filter is selective. At most 2^11 × 4 × 2 × 2
 * shapes exist; a client uses a handful.
 */
const listStatements = new Map<string, PreparedStatement<SummaryRow>>();

function listStatement(
  query: ListFindingsQuery,
  sort: KeysetSort<SummaryRow>,
  afterCursor: boolean,
): { statement: PreparedStatement<SummaryRow>; values: unknown[] } {
  const values: unknown[] = [];
  const conditions: string[] = [];
  let shape = '';
  let selective = false;
  for (const filter of FILTERS) {
    const value = filter.value(query);
    shape += value === undefined ? '0' : '1';
    if (value === undefined) continue;
    selective ||= filter.selective;
    values.push(value);
    conditions.push(filter.condition(`$${values.length}`));
  }
  if (afterCursor) {
    const op = sort.direction === 'ASC' ? '>' : '<';
    conditions.push(`(${sort.column}, f.id) ${op} ($${values.length + 1}::${sort.cast}, $${values.length + 2}::uuid)`);
  }
  const key = `${shape}|${sort.column}|${sort.direction}|${afterCursor}`;
  let statement = listStatements.get(key);
  if (!statement) {
    statement = new PreparedStatement<SummaryRow>(
      `${SUMMARY_SELECT}${conditions.length ? `\nWHERE ${conditions.join(' AND ')}` : ''}
ORDER BY ${sort.column} ${sort.direction}, f.id ${sort.direction}
LIMIT $${values.length + (afterCursor ? 3 : 1)}`,
      !selective,
    );
    listStatements.set(key, statement);
  }
  return { statement, values };
}

/** A finding's row as its detail reads it: every column the detail shows, and the generated count of its stored flows. */
interface DetailRow {
  id: string;
  target_id: string;
  fingerprint: string;
  status: FindingStatus;
  status_reason: string | null;
  suppressed_until: Date | null;
  kind: FindingKind;
  classification: string;
  severity: string;
  direction: string;
  protocol: number;
  port: number | null;
  return_traffic: boolean;
  /** bigint columns arrive as text. */
  records: string;
  packets: string;
  bytes: string;
  first_seen: Date;
  last_seen: Date;
  finding: Finding;
  counts: Record<string, number>;
  vpc_ids: string[];
  account_ids: string[];
  last_analysis_id: string | null;
  resolved_at: Date | null;
  sample_flows: number;
  /** The finding's tickets, read in the same statement. */
  tickets: FindingTicketDto[];
}

const DETAIL = new PreparedStatement<DetailRow>(
  `SELECT f.id, f.target_id, f.fingerprint, f.status, f.status_reason, f.suppressed_until, f.kind, f.classification, f.severity,
  f.direction, f.protocol, f.port, f.return_traffic, f.records, f.packets, f.bytes, f.first_seen, f.last_seen, f.finding, f.counts,
  f.vpc_ids, f.account_ids, f.last_analysis_id, f.resolved_at, f.sample_flows, ${FindingTicketsService.ticketsJsonOf('f.id')} AS tickets
FROM findings f WHERE f.id = $1::uuid`,
);

function summaryOf(row: SummaryRow): FindingSummaryDto {
  const { blockedBy, peerCount, campaign, fixActions, fixVerified } = row.summary;
  return {
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
  };
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
    const sort = { ...SORTS[query.sort ?? 'priority'], direction: query.order === 'asc' ? ('ASC' as const) : ('DESC' as const) };
    const limit = query.limit ?? 50;
    const cursor = query.cursor ? cursorAfter(query.cursor, sort.cast) : null;
    const { statement, values } = listStatement(query, sort, cursor !== null);
    if (cursor) values.push(cursor.k, cursor.id);
    values.push(limit + 1);
    const page = keysetPageOf(await statement.run(this.dataSource, values), limit, sort);
    return { items: page.items.map(summaryOf), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<FindingDetailDto> {
    // One row of one statement: what the detail shows, the number of its stored flows (the flows
    // stay in PostgreSQL) and its tickets.
    const [row] = await DETAIL.run(this.dataSource, [id]);
    if (!row) throw new FindingNotFoundError(id);
    return FindingDetailDto.fromEntity(
      {
        id: row.id,
        targetId: row.target_id,
        fingerprint: row.fingerprint,
        status: row.status,
        statusReason: row.status_reason,
        suppressedUntil: row.suppressed_until,
        kind: row.kind,
        classification: row.classification,
        severity: row.severity,
        direction: row.direction,
        protocol: row.protocol,
        port: row.port,
        returnTraffic: row.return_traffic,
        records: Number(row.records),
        packets: Number(row.packets),
        bytes: Number(row.bytes),
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
        finding: row.finding,
        counts: row.counts,
        vpcIds: row.vpc_ids,
        accountIds: row.account_ids,
        lastAnalysisId: row.last_analysis_id,
        resolvedAt: row.resolved_at,
      },
      row.sample_flows,
      FindingTicketsService.ticketsFromJson(row.tickets),
    );
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
