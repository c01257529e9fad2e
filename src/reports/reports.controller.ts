import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/require-scope.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { GetReportQuery } from './dto/get-report.query';
import { ListReportsQuery } from './dto/list-reports.query';
import { ReportPageDto } from './dto/report-page.dto';
import { ReportsService } from './reports.service';

/**
 * A report embeds names and descriptions taken from AWS (tags, security-group descriptions):
 * the HTML rendering escapes them, and this policy makes sure nothing in it could run or load
 * anything even so (inline styles only, no scripts, no requests, no framing).
 */
const REPORT_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

@ApiTags('reports')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: ReportPageDto })
  list(@Query() query: ListReportsQuery): Promise<ReportPageDto> {
    return this.reports.list(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiProduces('application/json', 'text/csv', 'text/markdown', 'text/html')
  @ApiOkResponse({ description: 'The report in the requested format (default json).' })
  async get(@Param('id', uuidParam) id: string, @Query() query: GetReportQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const rendered = await this.reports.render(id, query.format ?? 'json');
    reply.header('content-type', rendered.contentType);
    reply.header('content-security-policy', REPORT_CONTENT_SECURITY_POLICY);
    reply.header('content-disposition', `inline; filename="sgdoctor-report-${id}.${rendered.extension}"`);
    return rendered.body;
  }
}
