import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';
import { FindingEntity } from '../findings/finding.entity';
import { FindingTicketDto } from './dto/finding-ticket.dto';
import { FindingTicketEntity } from './finding-ticket.entity';

/** The tickets a finding has, one per ticketing subscription. */
@Injectable()
export class FindingTicketsService {
  constructor(
    @InjectRepository(FindingTicketEntity) private readonly tickets: Repository<FindingTicketEntity>,
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
  ) {}

  async list(findingId: string): Promise<FindingTicketDto[]> {
    if (!(await this.findings.existsBy({ id: findingId }))) throw new NotFoundError('Finding', findingId, ErrorCode.FindingNotFound);
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
}
