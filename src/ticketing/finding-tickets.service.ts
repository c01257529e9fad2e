import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { ChangeNotifications } from '../database/change-notifications';
import { FindingTicketDto } from './dto/finding-ticket.dto';
import { FindingTicketEntity, type TicketSystem } from './finding-ticket.entity';

/** A ticket as a ticketing system addresses and shows it. */
export interface TicketRef {
  externalId: string;
  key: string;
  url: string;
}

/**
 * The ticket records: one ticket per finding and ticketing subscription. The only owner of the
 * `finding_tickets` table; findings and reports read it here, delivery channels record in it.
 */
@Injectable()
export class FindingTicketsService {
  constructor(
    @InjectRepository(FindingTicketEntity) private readonly tickets: Repository<FindingTicketEntity>,
    private readonly clock: Clock,
    /** In the API process (with its worker): told of each ticket recorded, so the finding's cached detail is read again. */
    @Optional() private readonly changes?: ChangeNotifications,
  ) {}

  /**
   * SQL for a finding's tickets as one JSON array (oldest first, `[]` for none), for a caller that
   * reads a finding and its tickets in one statement; `findingId` is the SQL of the finding's id
   * (a column, a parameter). Read the array back with `ticketsFromJson`. The table stays this
   * module's: only this text names it.
   */
  static ticketsJsonOf(findingId: string): string {
    const iso = (column: string) => `to_char(t.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    return `COALESCE((SELECT json_agg(json_build_object('subscriptionId', t.subscription_id, 'system', t.system, 'key', t.external_key,
        'url', t.url, 'state', t.state, 'lastSyncedAt', ${iso('last_synced_at')}, 'createdAt', ${iso('created_at')}) ORDER BY t.created_at)
      FROM finding_tickets t WHERE t.finding_id = ${findingId}), '[]'::json)`;
  }

  /** The tickets of an array `ticketsJsonOf` selected, as `list` returns them. */
  static ticketsFromJson(tickets: readonly FindingTicketDto[]): FindingTicketDto[] {
    return tickets.map((ticket) =>
      Object.assign(new FindingTicketDto(), {
        subscriptionId: ticket.subscriptionId,
        system: ticket.system,
        key: ticket.key,
        url: ticket.url,
        state: ticket.state,
        lastSyncedAt: ticket.lastSyncedAt,
        createdAt: ticket.createdAt,
      }),
    );
  }

  /** A finding's tickets, oldest first (whether the finding exists is the caller's question). */
  async list(findingId: string): Promise<FindingTicketDto[]> {
    const rows = await this.tickets.find({ where: { findingId }, order: { createdAt: 'ASC' } });
    return rows.map((row) => FindingTicketDto.fromEntity(row));
  }

  /** Tickets of many findings at once (reports, finding listings), keyed by finding id. */
  async byFinding(findingIds: readonly string[]): Promise<Map<string, FindingTicketEntity[]>> {
    const result = new Map<string, FindingTicketEntity[]>();
    if (findingIds.length === 0) return result;
    const rows = await this.tickets
      .createQueryBuilder('t')
      .where('t.finding_id = ANY(:ids)', { ids: [...findingIds] })
      .orderBy('t.created_at', 'ASC')
      .getMany();
    for (const row of rows) result.set(row.findingId, [...(result.get(row.findingId) ?? []), row]);
    return result;
  }

  /** The ticket a finding has in one subscription, with the state sgdoctor last set, if any. */
  async find(findingId: string, subscriptionId: string): Promise<(TicketRef & { state: string }) | null> {
    const row = await this.tickets.findOneBy({ findingId, subscriptionId });
    return row ? { externalId: row.externalId, key: row.externalKey, url: row.url, state: row.state } : null;
  }

  /** Records (or updates the state of) the ticket a finding has in one subscription. */
  async record(findingId: string, subscriptionId: string, system: TicketSystem, ref: TicketRef, state: string): Promise<void> {
    await this.tickets
      .createQueryBuilder()
      .insert()
      .into(FindingTicketEntity)
      .values({
        findingId,
        subscriptionId,
        system,
        externalId: ref.externalId,
        externalKey: ref.key,
        url: ref.url,
        state,
        lastSyncedAt: this.clock.now(),
      })
      .orUpdate(['state', 'last_synced_at'], ['finding_id', 'subscription_id'])
      .execute();
    this.changes?.written();
  }
}
