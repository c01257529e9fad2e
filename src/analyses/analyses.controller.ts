import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { AcceptedCoding, codedAs, sendCoded, type ContentCoding } from '../common/http/content-coding';
import {
  ApiProblemResponses,
  BODY_PROBLEMS,
  PATH_ID_PROBLEM,
  QUERY_PROBLEM,
  type ProblemEntry,
} from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { AnalysesService } from './analyses.service';
import { AnalysisPageDto } from './dto/analysis-page.dto';
import { AnalysisDto } from './dto/analysis.dto';
import { CreateAnalysisDto } from './dto/create-analysis.dto';
import { ListAnalysesQuery } from './dto/list-analyses.query';

const ALREADY_RUNNING: ProblemEntry = [ErrorCode.AnalysisAlreadyRunning, 'another analysis of the target is queued or running'];
const QUEUE_DOWN: ProblemEntry = [ErrorCode.DependencyUnavailable, 'the job queue (Redis) is unavailable; the analysis is marked failed'];

@ApiTags('analyses')
@ApiKeyAuth()
@Controller('v1/analyses')
export class AnalysesController {
  constructor(private readonly analyses: AnalysesService) {}

  @Post()
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Start an analysis',
    description:
      "Queues an analysis of the target's rejected flows in [from, to) (at most 31 days): the worker snapshots the network " +
      'configuration, reads the flow logs, attributes every REJECT to a rule, and opens, updates or resolves findings. ' +
      'Poll the analysis (its `Location`) or subscribe to analysis events. One analysis per target at a time.',
  })
  @ApiAcceptedResponse({
    type: AnalysisDto,
    description: 'Queued; `Location` points at the analysis.',
    headers: { location: { description: 'The path of the analysis: `/v1/analyses/{id}`.', schema: { type: 'string' } } },
  })
  @ApiProblemResponses(...BODY_PROBLEMS, ErrorCode.TargetNotFound, ALREADY_RUNNING, QUEUE_DOWN, [
    ErrorCode.BudgetExceeded,
    "an S3 listing of the window's partitions shows the scan over the target's per-analysis or monthly budget; the body holds `limit` and `estimate`",
  ])
  async create(
    @Body() dto: CreateAnalysisDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AnalysisDto> {
    const analysis = await this.analyses.create(dto, principal?.keyId ?? null);
    void reply.header('location', `/v1/analyses/${analysis.id}`);
    return analysis;
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List analyses',
    description: 'Analyses of every target or of one, optionally by status, newest first, paged with `cursor`.',
  })
  @ApiOkResponse({ type: AnalysisPageDto, description: 'One page of analyses; `nextCursor` is null on the last.' })
  @ApiProblemResponses(QUERY_PROBLEM)
  list(@Query() query: ListAnalysesQuery): Promise<AnalysisPageDto> {
    return this.analyses.list(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get an analysis',
    description: 'Status, stage and progress while it runs; statistics when it succeeded; the reason and stage when it failed.',
  })
  @ApiOkResponse({ type: AnalysisDto, description: 'The analysis.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.AnalysisNotFound)
  get(@Param('id', uuidParam) id: string): Promise<AnalysisDto> {
    return this.analyses.get(id);
  }

  @Get(':id/snapshot')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get the snapshot an analysis used',
    description:
      'The network configuration the analysis evaluated flows against, in the snapshot JSON shape (EC2 result members by name), as the CLI reads it. ' +
      'Sent gzip-compressed (`Content-Encoding: gzip`) when `Accept-Encoding` accepts gzip and the text is over 1 KiB.',
  })
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: true },
    description: 'The network snapshot: EC2 result members by name.',
  })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.AnalysisNotFound, ErrorCode.AnalysisSnapshotNotFound)
  // The snapshot's JSON text, gzip-compressed when accepted: a whole account's configuration runs to megabytes.
  @Header('content-type', 'application/json; charset=utf-8')
  async snapshot(@Param('id', uuidParam) id: string, @AcceptedCoding() coding: ContentCoding, @Res() reply: FastifyReply): Promise<void> {
    const text = JSON.stringify(await this.analyses.getSnapshot(id));
    sendCoded(reply, await codedAs(Buffer.from(text), coding));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Cancel an analysis',
    description:
      'Marks a queued or running analysis cancelled. A waiting job is removed; a running one stops within about a second and aborts its Athena query.',
  })
  @ApiOkResponse({ type: AnalysisDto, description: 'The analysis, now cancelled.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.AnalysisNotFound, [ErrorCode.AnalysisInvalidState, 'the analysis has already finished'])
  cancel(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal | undefined): Promise<AnalysisDto> {
    return this.analyses.cancel(id, principal ? `api key ${principal.keyId}` : 'a client');
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Retry an analysis',
    description: 'Runs a failed or cancelled analysis again over the same window, as a new attempt.',
  })
  @ApiAcceptedResponse({ type: AnalysisDto, description: 'Queued again as a new attempt.' })
  @ApiProblemResponses(
    PATH_ID_PROBLEM,
    ErrorCode.AnalysisNotFound,
    [ErrorCode.AnalysisInvalidState, 'the analysis is neither failed nor cancelled'],
    ALREADY_RUNNING,
    QUEUE_DOWN,
  )
  retry(@Param('id', uuidParam) id: string): Promise<AnalysisDto> {
    return this.analyses.retry(id);
  }
}
