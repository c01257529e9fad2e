import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { CreateReportScheduleDto } from './dto/create-report-schedule.dto';
import { ReportRunDto } from './dto/report-run.dto';
import { ReportScheduleDto } from './dto/report-schedule.dto';
import { UpdateReportScheduleDto } from './dto/update-report-schedule.dto';
import { ReportSchedulesService } from './report-schedules.service';

@ApiTags('reports')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/report-schedules')
export class ReportSchedulesController {
  constructor(private readonly schedules: ReportSchedulesService) {}

  @Post()
  @RequireScope('write')
  @ApiCreatedResponse({ type: ReportScheduleDto })
  create(@Body() dto: CreateReportScheduleDto): Promise<ReportScheduleDto> {
    return this.schedules.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: ReportScheduleDto, isArray: true })
  list(): Promise<ReportScheduleDto[]> {
    return this.schedules.list();
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOkResponse({ type: ReportScheduleDto })
  get(@Param('id', uuidParam) id: string): Promise<ReportScheduleDto> {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOkResponse({ type: ReportScheduleDto })
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateReportScheduleDto): Promise<ReportScheduleDto> {
    return this.schedules.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('write')
  @ApiNoContentResponse({ description: 'Deleted; its job scheduler is removed, its reports are kept.' })
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.schedules.remove(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @RequireScope('write')
  @ApiAcceptedResponse({ type: ReportRunDto, description: 'Queued: fresh analyses, then a report.' })
  run(@Param('id', uuidParam) id: string): Promise<ReportRunDto> {
    return this.schedules.runNow(id);
  }
}
