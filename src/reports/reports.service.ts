import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { keysetPage, newestFirst } from '../common/http/keyset-page.util';
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
    const qb = this.reports.createQueryBuilder('r');
    if (query.scheduleId) qb.andWhere('r.schedule_id = :scheduleId', { scheduleId: query.scheduleId });
    const page = await keysetPage(qb, query, newestFirst('r'));
    return Object.assign(new ReportPageDto(), {
      items: page.items.map((row) => ReportDto.fromEntity(row)),
      nextCursor: page.nextCursor,
    });
  }

  async render(id: string, format: ReportFormat): Promise<RenderedReport> {
    const entity = await this.reports.createQueryBuilder('r').addSelect('r.data').where('r.id = :id', { id }).getOne();
    if (!entity) throw new ReportNotFoundError(id);
    return renderReport(entity.data, format);
  }
}
