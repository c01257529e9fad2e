import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ValidationError } from '../common/errors/validation.error';
import { codedAs, type CodedBody, type ContentCoding } from '../common/http/content-coding';
import { cursorAfter } from '../common/http/keyset-page.util';
import { encodeCursor, type CursorKeyType, type PageCursor } from '../common/http/page-cursor';
import { PreparedStatement } from '../database/prepared-statement';
import type { Finding, FindingKind } from '../engine/findings/finding';
import { EventsService } from '../events/events.service';
import { FindingTicketDto } from '../ticketing/dto/finding-ticket.dto';
import { FindingTicketsService } from '../ticketing/finding-tickets.service';
import { FindingDetailDto } from './dto/finding-detail.dto';
import { FindingEventDto } from './dto/finding-event.dto';
import type { FindingSort, ListFindingsQuery } from './dto/list-findings.query';
import type { UpdateFindingDto } from './dto/update-finding.dto';
import { FindingEventEntity } from './finding-event.entity';
import { FindingInvalidTransitionError } from './finding-invalid-transition.error';
import { eventOfUserChange, userTransitionAllowed } from './finding-lifecycle';
import { FindingNotFoundError } from './finding-not-found.error';
import { FindingEntity } from './finding.entity';
import type { FindingStatus } from './finding-status';
import { Clock } from '../common/clock/clock';
import { FindingsCache } from './findings-cache';

/** One row of the list statement: the item's sort key as the cursor stores it, its id, and its stored JSON. */
type PageRow = [key: string, id: string, item: string];

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Sort key column, how its cursor value is cast back in SQL, and the key as the cursor stores it (as text, in SQL). */
const SORTS: Record<FindingSort, { column: string; cast: CursorKeyType; key: string }> = {
  priority: { column: 'f.priority', cast: 'bigint', key: 'f.priority::text' },
  lastSeen: { column: 'f.last_seen', cast: 'timestamptz', key: `to_char(f.last_seen AT TIME ZONE 'UTC', ${ISO_MS})` },
  severity: { column: 'f.severity_rank', cast: 'integer', key: 'f.severity_rank::text' },
  records: { column: 'f.records', cast: 'bigint', key: 'f.records::text' },
};

/** `order`: the sort and order as the client asked for them, which a cursor of this list names. */
type ListSort = (typeof SORTS)[FindingSort] & { direction: 'ASC' | 'DESC'; order: string };

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
 * How many rows a list statement asks for, written into its text: the page's limit rounded up to
 * one of these, plus one (the sign of a next page). With the limit a parameter, PostgreSQL's plan
 * for any limit looked costlier than the plan for the one given (it assumes a tenth of the table),
 * so it planned every execution anew; with the count in the text it keeps one plan per statement.
 * A page fetches at most 2.5 times the rows it sends; the limit is at most 200 (PageQuery).
 */
const FETCH_STEPS = [1, 2, 5, 10, 20, 50, 100, 200] as const;

function fetchStepOf(limit: number): number {
  const step = FETCH_STEPS.find((candidate) => candidate >= limit);
  if (step === undefined) throw new Error(`a page of ${limit} findings is over the largest one a list fetches`);
  return step;
}

/**
 * The list statement of one shape (which filters, which sort and order, whether after a cursor, how
 * many rows): a fixed text with every value bound, prepared once per connection unless a filter is
 * selective. At most 2^11 × 4 × 2 × 2 × 8 shapes exist; a client uses a handful.
 *
 * It returns the page's rows and one more when another page follows, each the item's text stored
 * ready to send (the generated column `list_item`: PostgreSQL renders no summary per request, node
 * parses no JSON) with the sort key and id a cursor after it holds. Node joins the items: PostgreSQL
 * joining them into one text built and freed a value of a page's size per request, which cost it
 * more than reading the rows.
 */
const listStatements = new Map<string, PreparedStatement<PageRow>>();

function listStatement(
  query: ListFindingsQuery,
  sort: ListSort,
  afterCursor: boolean,
  step: number,
): { statement: PreparedStatement<PageRow>; values: unknown[] } {
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
    const key = `$${values.length + 1}::${sort.cast}`;
    const id = `$${values.length + 2}::uuid`;
    // Prepared, the cursor's values are read by subqueries the planner cannot see into: it would
    // otherwise find the plan for this cursor cheaper than its plan for any (a guessed third of the
    // table left) and plan every execution anew. The plan is the same: the sort's index, from the cursor on.
    conditions.push(
      selective ? `(${sort.column}, f.id) ${op} (${key}, ${id})` : `(${sort.column}, f.id) ${op} ((SELECT ${key}), (SELECT ${id}))`,
    );
  }
  const key = `${shape}|${sort.column}|${sort.direction}|${afterCursor}|${step}`;
  let statement = listStatements.get(key);
  if (!statement) {
    statement = new PreparedStatement<PageRow>(
      `SELECT ${sort.key}, f.id::text, f.list_item
FROM findings f${conditions.length ? `\nWHERE ${conditions.join(' AND ')}` : ''}
ORDER BY ${sort.column} ${sort.direction}, f.id ${sort.direction}
LIMIT ${step + 1}`,
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

@Injectable()
export class FindingsService {
  constructor(
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
    @InjectRepository(FindingEventEntity) private readonly findingEvents: Repository<FindingEventEntity>,
    private readonly ticketRecords: FindingTicketsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly clock: Clock,
    /** The API's cache of rendered pages and details; absent in the worker. */
    @Optional() private readonly cache?: FindingsCache,
  ) {}

  /**
   * One page of findings as the UTF-8 bytes of a FindingPageDto's JSON text: the items as
   * PostgreSQL stored them when each finding was written, the cursor added here. The controller
   * sends them as they are, in `coding` when the page is long enough to gain from it.
   */
  async list(query: ListFindingsQuery, coding: ContentCoding = 'identity'): Promise<CodedBody> {
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    const sort: ListSort = {
      ...SORTS[query.sort ?? 'priority'],
      direction,
      order: `sort=${query.sort ?? 'priority'}&order=${direction.toLowerCase()}`,
    };
    const limit = query.limit ?? 50;
    // A cursor that is not one this API wrote for this sort and order is refused here, before the cache.
    const cursor = query.cursor ? cursorAfter(query.cursor, sort.cast, sort.order) : null;
    if (!this.cache) return codedAs(Buffer.from(await this.readPage(query, sort, limit, cursor)), coding);
    return this.cache.through('list', listKeyOf(query, sort, limit, cursor), coding, () => this.readPage(query, sort, limit, cursor));
  }

  private async readPage(query: ListFindingsQuery, sort: ListSort, limit: number, cursor: PageCursor | null): Promise<string> {
    const { statement, values } = listStatement(query, sort, cursor !== null, fetchStepOf(limit));
    if (cursor) values.push(cursor.k, cursor.id);
    const rows = await statement.runArrays(this.dataSource, values);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    const nextCursor = last ? JSON.stringify(encodeCursor({ k: last[0], id: last[1], o: sort.order })) : 'null';
    const items = (rows.length > limit ? rows.slice(0, limit) : rows).map((row) => row[2]).join(',');
    return `{"items":[${items}],"nextCursor":${nextCursor}}`;
  }

  /**
   * One finding's detail built in TypeScript (FindingDetailDto.fromEntity). The API sends
   * detailJson's rendering instead; this is what the tests hold that rendering to.
   */
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

  /**
   * One finding's detail as the UTF-8 bytes of a FindingDetailDto's JSON text (what get() returns),
   * rendered by PostgreSQL; in `coding` when the text is long enough to gain from it.
   */
  async detailJson(id: string, coding: ContentCoding = 'identity'): Promise<CodedBody> {
    if (!this.cache) return codedAs(Buffer.from(await this.readDetail(id)), coding);
    // A finding that does not exist is an error, never kept.
    return this.cache.through('detail', id.toLowerCase(), coding, () => this.readDetail(id));
  }

  private async readDetail(id: string): Promise<string> {
    const [row] = await DETAIL_JSON.runArrays(this.dataSource, [id]);
    if (!row) throw new FindingNotFoundError(id);
    // The summary's object without its closing brace, then the rest's without its opening one.
    const [summary, rest] = row;
    return `${summary.slice(0, -1)},${rest.slice(1)}`;
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

  /**
   * A user's status change, with its audit entry and (for resolve / reopen) a domain event. Answers
   * with the finding's detail as GET renders it (detailJson).
   */
  async update(id: string, dto: UpdateFindingDto, principal: Principal | undefined): Promise<Buffer> {
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
    // Committed: the next read (this answer's first) is the finding as changed, notified or not yet.
    this.cache?.written();
    await this.events.publish(eventIds).catch(() => undefined);
    return (await this.detailJson(id)).body;
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

/** A timestamp column as Date.toISOString() writes it, or null. */
const isoOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

/** The evidence's fields but its campaign (present only for a campaign), in FindingDetailDto's order. */
const EVIDENCE = `'topPeers', (SELECT COALESCE(json_agg(p ORDER BY i), '[]'::json)
        FROM jsonb_array_elements(f.finding #> '{traffic,peers}') WITH ORDINALITY AS x(p, i) WHERE i <= 10),
      'interfaces', f.finding #> '{traffic,interfaces}',
      'countsOverTime', (SELECT COALESCE(json_agg(json_build_object('from', c.key, 'records', c.value) ORDER BY c.key COLLATE "C"), '[]'::json)
        FROM jsonb_each(f.counts) AS c),
      'packets', f.packets, 'bytes', f.bytes, 'sampleFlows', f.sample_flows`;

/**
 * A finding's detail as FindingDetailDto.fromEntity() gives it (its fields in that order), rendered
 * as JSON by PostgreSQL: the summary's fields as the list sends them (the stored `list_item`), and
 * what only the detail shows, two objects node joins into one. Node sends the text as it is, without
 * reading the finding's JSON into objects and writing them out again. (Joined in SQL, left() and
 * substr() counted the characters of both texts, a sixth of the statement's time.)
 */
const DETAIL_JSON = new PreparedStatement<[summary: string, rest: string]>(
  `SELECT f.list_item, row_to_json(s)::text
  FROM findings f CROSS JOIN LATERAL (SELECT
    f.status_reason AS "statusReason", ${isoOf('f.suppressed_until')} AS "suppressedUntil", ${isoOf('f.resolved_at')} AS "resolvedAt",
    f.finding -> 'signals' AS signals,
    COALESCE(NULLIF(f.finding -> 'alsoBlockedBy', 'null'::jsonb), '[]'::jsonb) AS "alsoBlockedBy",
    CASE WHEN jsonb_typeof(f.finding -> 'campaign') = 'object'
      THEN json_build_object(${EVIDENCE}, 'campaign', f.finding -> 'campaign') ELSE json_build_object(${EVIDENCE}) END AS evidence,
    CASE WHEN jsonb_typeof(f.finding -> 'suggestedFix') = 'object' THEN json_build_object(
      'changes', f.finding #> '{suggestedFix,changes}', 'awsCli', f.finding #> '{suggestedFix,awsCli}',
      'terraform', f.finding #> '{suggestedFix,terraform}', 'cloudFormation', f.finding #> '{suggestedFix,cloudFormation}',
      'verified', f.finding #> '{suggestedFix,verified}', 'risks', f.finding #> '{suggestedFix,risks}') END AS fix,
    f.finding, f.vpc_ids AS "vpcIds", f.account_ids AS "accountIds", f.last_analysis_id AS "lastAnalysisId",
    ${FindingTicketsService.ticketsJsonOf('f.id')} AS tickets
  ) s
  WHERE f.id = $1::uuid`,
);

/**
 * A list query's cache key: what its page depends on, each value as the statement binds it (every
 * filter's, from FILTERS), in one order; a filter's list sorted without repeats (`= ANY` matches
 * the same rows), the cursor's key as the number it casts to. Queries that must give the same page
 * share one entry; any two that may not, differ.
 */
function listKeyOf(query: ListFindingsQuery, sort: ListSort, limit: number, cursor: PageCursor | null): string {
  const filters = FILTERS.map((filter) => {
    const value = filter.value(query);
    return Array.isArray(value) ? distinctSorted(value as string[]) : (value ?? null);
  });
  // A number's key in its shortest form (`007` is `7`): only a key with a leading zero or `-0` needs rewriting.
  const cursorKey = cursor
    ? sort.cast === 'timestamptz' || CANONICAL_INTEGER.test(cursor.k)
      ? cursor.k
      : BigInt(cursor.k).toString()
    : null;
  return JSON.stringify([sort.column, sort.direction, limit, cursorKey, cursor ? cursor.id.toLowerCase() : null, filters]);
}

/** A decimal integer as BigInt writes it: no leading zero, no `-0`. */
const CANONICAL_INTEGER = /^(0|-?[1-9]\d*)$/;

/** A list filter's values as the cache keys them: sorted, each once (`high,low,high` is `low,high`). */
function distinctSorted(values: readonly string[]): string[] {
  if (values.length < 2) return [...values];
  const sorted = [...values].sort();
  return sorted.filter((value, i) => i === 0 || value !== sorted[i - 1]);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
