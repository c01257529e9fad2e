import { Body, Controller, Get, Header, Param, Patch, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScope } from '../auth/require-scope.decorator';
import type { FastifyReply } from 'fastify';
import { ErrorCode } from '../common/errors/error-code';
import { AcceptedCoding, sendCoded, type ContentCoding } from '../common/http/content-coding';
import { ApiProblemResponses, BODY_PROBLEMS, PATH_ID_PROBLEM, QUERY_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { FindingDetailDto } from './dto/finding-detail.dto';
import { FindingEventDto } from './dto/finding-event.dto';
import { FindingPageDto } from './dto/finding-page.dto';
import { ListFindingsQuery } from './dto/list-findings.query';
import { UpdateFindingDto } from './dto/update-finding.dto';
import { FindingsService } from './findings.service';

@ApiTags('findings')
@ApiKeyAuth()
@Controller('v1/findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List findings',
    description:
      'Findings of every target, filtered by the query and paged with `cursor`: each with its classification, severity, the control that rejected the traffic and the suggested fix. ' +
      'Sent gzip-compressed (`Content-Encoding: gzip`) when `Accept-Encoding` accepts gzip and the page is over 1 KiB.',
  })
  @ApiOkResponse({ type: FindingPageDto, description: 'One page of findings; `nextCursor` is null on the last.' })
  @ApiProblemResponses(QUERY_PROBLEM)
  // The page comes as the JSON text of a FindingPageDto, rendered by PostgreSQL: its UTF-8 bytes sent as they are (gzip if accepted).
  @Header('content-type', 'application/json; charset=utf-8')
  async list(@Query() query: ListFindingsQuery, @AcceptedCoding() coding: ContentCoding, @Res() reply: FastifyReply): Promise<void> {
    sendCoded(reply, await this.findings.list(query, coding));
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get a finding',
    description:
      'One finding in full: the rejected traffic (peers, counts, first and last seen), the signals behind its classification, and the verified fix in every format. ' +
      'Sent gzip-compressed (`Content-Encoding: gzip`) when `Accept-Encoding` accepts gzip and the text is over 1 KiB.',
  })
  @ApiOkResponse({ type: FindingDetailDto, description: 'The finding.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.FindingNotFound)
  // The JSON text of a FindingDetailDto, rendered by PostgreSQL: its UTF-8 bytes sent as they are (gzip if accepted).
  @Header('content-type', 'application/json; charset=utf-8')
  async get(@Param('id', uuidParam) id: string, @AcceptedCoding() coding: ContentCoding, @Res() reply: FastifyReply): Promise<void> {
    sendCoded(reply, await this.findings.detailJson(id, coding));
  }

  @Get(':id/events')
  @RequireScope('read')
  @ApiOperation({
    summary: "List a finding's status history",
    description: 'Every status change of the finding, by analyses and by people, oldest first.',
  })
  @ApiOkResponse({ type: FindingEventDto, isArray: true, description: 'The status history, oldest first.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.FindingNotFound)
  events(@Param('id', uuidParam) id: string): Promise<FindingEventDto[]> {
    return this.findings.history(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOperation({
    summary: "Change a finding's status",
    description:
      'Acknowledge, resolve, suppress (with a reason, optionally until `expiresAt`) or reopen a finding. The change is recorded ' +
      'in its history with the API key that made it and emitted as an event.',
  })
  @ApiOkResponse({ type: FindingDetailDto, description: 'The finding with its new status.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ...BODY_PROBLEMS, ErrorCode.FindingNotFound, [
    ErrorCode.FindingInvalidTransition,
    'the change is not allowed from the current status',
  ])
  // The finding's detail as GET sends it: the JSON text rendered by PostgreSQL.
  @Header('content-type', 'application/json; charset=utf-8')
  update(
    @Param('id', uuidParam) id: string,
    @Body() dto: UpdateFindingDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<Buffer> {
    return this.findings.update(id, dto, principal);
  }
}
