import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { decodeCursor, encodeCursor } from '../findings/page-cursor';
import type { ListReportsQuery } from './dto/list-reports.query';
import { ReportPageDto } from './dto/report-page.dto';
import { ReportDto } from './dto/report.dto';
import type { ReportFormat } from './render/report-data';
import { renderReport, type RenderedReport } from './render/report-renderers';
import { ReportNotFoundError } from './report-not-found.error';
import { ReportEntity } from './report.entity';

/** Stored reports: listing, and rendering one in any format from its stored model. */
@Injectable()
export class ReportsService {
  constructor(@InjectRepository(ReportEntity) private readonly reports: Repository<ReportEntity>) {}

  async list(query: ListReportsQuery): Promise<ReportPageDto> {
    const limit = query.limit ?? 50;
    const qb = this.reports.createQueryBuilder('r').orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').take(limit + 1);
    if (query.scheduleId) qb.andWhere('r.schedule_id = :scheduleId', { scheduleId: query.scheduleId });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere('(r.created_at, r.id) < (CAST(:k AS timestamptz), CAST(:id AS uuid))', { k: cursor.k, id: cursor.id });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return Object.assign(new ReportPageDto(), {
      items: page.map((row) => ReportDto.fromEntity(row)),
      nextCursor: rows.length > limit && last ? encodeCursor({ k: last.createdAt.toISOString(), id: last.id }) : null,
    });
  }

  async render(id: string, format: ReportFormat): Promise<RenderedReport> {
    const entity = await this.reports.createQueryBuilder('r').addSelect('r.data').where('r.id = :id', { id }).getOne();
    if (!entity) throw new ReportNotFoundError(id);
    return renderReport(entity.data, format);
  }
}
