import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { AcceptedCoding, codedAs, sendCoded, type ContentCoding } from '../common/http/content-coding';
import { ApiProblemResponses, PATH_ID_PROBLEM, QUERY_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { GetReportQuery } from './dto/get-report.query';
import { ReportDataDto } from './dto/report-data.dto';
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

const RENDERED_TEXT = { schema: { type: 'string' } };

@ApiTags('reports')
@ApiKeyAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List reports',
    description: 'Stored reports, of every schedule or of one, newest first, paged with `cursor`; each links to its formats.',
  })
  @ApiOkResponse({ type: ReportPageDto, description: 'One page of reports; `nextCursor` is null on the last.' })
  @ApiProblemResponses(QUERY_PROBLEM)
  list(@Query() query: ListReportsQuery): Promise<ReportPageDto> {
    return this.reports.list(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get a report',
    description:
      'One report rendered in the `format` asked for (json by default; csv, markdown, html), every format from the same stored ' +
      'model: totals by classification and severity, the most blocked services and peers, findings new, resolved and recurring ' +
      'in the period, and the trend against the previous report. Sent gzip-compressed (`Content-Encoding: gzip`) when ' +
      '`Accept-Encoding` accepts gzip and the text is over 1 KiB.',
  })
  @ApiExtraModels(ReportDataDto)
  @ApiOkResponse({
    description: 'The report in the requested format, served inline with a file name (`Content-Disposition`).',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ReportDataDto) } },
      'text/csv': RENDERED_TEXT,
      'text/markdown': RENDERED_TEXT,
      'text/html': RENDERED_TEXT,
    },
  })
  @ApiProblemResponses(PATH_ID_PROBLEM, QUERY_PROBLEM, ErrorCode.ReportNotFound)
  async get(
    @Param('id', uuidParam) id: string,
    @Query() query: GetReportQuery,
    @AcceptedCoding() coding: ContentCoding,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const rendered = await this.reports.render(id, query.format ?? 'json');
    reply.header('content-type', rendered.contentType);
    reply.header('content-security-policy', REPORT_CONTENT_SECURITY_POLICY);
    reply.header('content-disposition', `inline; filename="sgdoctor-report-${id}.${rendered.extension}"`);
    sendCoded(reply, await codedAs(Buffer.from(rendered.body), coding));
  }
}
