import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import {
  ApiProblemResponses,
  BODY_PROBLEMS,
  PATH_ID_PROBLEM,
  type ProblemEntry,
  UNREAD_QUERY_PROBLEM,
} from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { CreateReportScheduleDto } from './dto/create-report-schedule.dto';
import { ReportRunDto, ReportRunStatusDto } from './dto/report-run.dto';
import { ReportScheduleDto } from './dto/report-schedule.dto';
import { UpdateReportScheduleDto } from './dto/update-report-schedule.dto';
import { ReportSchedulesService } from './report-schedules.service';

const SCHEDULE_REFUSED: ProblemEntry = [
  ErrorCode.ValidationFailed,
  'the cron or time zone is invalid, the cron fires more often than REPORT_SCHEDULE_MIN_INTERVAL_SECONDS allows, ' +
    'a target or webhook does not exist, or a webhook is a ticketing one',
];

@ApiTags('reports')
@ApiKeyAuth()
@Controller('v1/report-schedules')
export class ReportSchedulesController {
  constructor(private readonly schedules: ReportSchedulesService) {}

  @Post()
  @RequireScope('write')
  @ApiOperation({
    summary: 'Create a report schedule',
    description:
      'At each cron tick (read in `timeZone`) the worker runs fresh analyses of the targets over the last `lookbackHours`, ' +
      'stores a report in the chosen formats and tells the chosen webhooks with `report.ready`.',
  })
  @ApiCreatedResponse({ type: ReportScheduleDto, description: 'Created, and scheduled if enabled.' })
  @ApiProblemResponses(...BODY_PROBLEMS, SCHEDULE_REFUSED)
  create(@Body() dto: CreateReportScheduleDto): Promise<ReportScheduleDto> {
    return this.schedules.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'List report schedules', description: 'Every schedule, oldest first.' })
  @ApiOkResponse({ type: ReportScheduleDto, isArray: true, description: 'Every schedule.' })
  @ApiProblemResponses(UNREAD_QUERY_PROBLEM)
  list(): Promise<ReportScheduleDto[]> {
    return this.schedules.list();
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get a report schedule',
    description: 'One schedule: targets, cron, time zone, look-back, formats and webhooks.',
  })
  @ApiOkResponse({ type: ReportScheduleDto, description: 'The schedule.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ReportScheduleNotFound)
  get(@Param('id', uuidParam) id: string): Promise<ReportScheduleDto> {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOperation({
    summary: 'Update a report schedule',
    description: 'Changes the fields present in the body and reschedules; `enabled: false` stops the ticks without deleting the schedule.',
  })
  @ApiOkResponse({ type: ReportScheduleDto, description: 'The schedule as changed.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ...BODY_PROBLEMS, SCHEDULE_REFUSED, ErrorCode.ReportScheduleNotFound)
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateReportScheduleDto): Promise<ReportScheduleDto> {
    return this.schedules.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Delete a report schedule',
    description: 'Deletes the schedule and its job scheduler; the reports it made are kept.',
  })
  @ApiNoContentResponse({ description: 'Deleted; its job scheduler is removed, its reports are kept.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ReportScheduleNotFound)
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.schedules.remove(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Run a report schedule now',
    description:
      'Queues one run outside the cron: fresh analyses of its targets, then a report of the look-back ending now. ' +
      'The answer names the run; follow it at its `Location`.',
  })
  @ApiAcceptedResponse({
    type: ReportRunDto,
    description: 'Queued: fresh analyses, then a report; `Location` points at the run.',
    headers: { location: { description: 'The path of the run: `/v1/report-schedules/{id}/runs/{runId}`.', schema: { type: 'string' } } },
  })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ReportScheduleNotFound)
  async run(@Param('id', uuidParam) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ReportRunDto> {
    const run = await this.schedules.runNow(id);
    void reply.header('location', `/v1/report-schedules/${id}/runs/${run.runId}`);
    return run;
  }

  @Get(':id/runs/:runId')
  @ApiOperation({
    summary: 'Get a run of a report schedule',
    description:
      'Where a "run now" stands: `queued`, `running`, `succeeded` with its `reportId`, or `failed` with the reason once every ' +
      'attempt of its job failed (run the schedule again to retry).',
  })
  @ApiOkResponse({ type: ReportRunStatusDto, description: 'The run.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ReportRunNotFound)
  getRun(@Param('id', uuidParam) id: string, @Param('runId', uuidParam) runId: string): Promise<ReportRunStatusDto> {
    return this.schedules.getRun(id, runId);
  }
}
