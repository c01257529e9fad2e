import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TargetsModule } from '../targets/targets.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ReportRunEntity } from './report-run.entity';
import { ReportScheduleEntity } from './report-schedule.entity';
import { ReportSchedulerService } from './report-scheduler.service';
import { ReportSchedulesController } from './report-schedules.controller';
import { ReportSchedulesService } from './report-schedules.service';
import { ReportEntity } from './report.entity';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Report schedules and stored reports (API side: CRUD, run now, rendering). */
@Module({
  imports: [TypeOrmModule.forFeature([ReportScheduleEntity, ReportEntity, ReportRunEntity]), TargetsModule, WebhooksModule],
  controllers: [ReportSchedulesController, ReportsController],
  providers: [ReportSchedulesService, ReportsService, ReportSchedulerService],
  exports: [ReportSchedulerService, ReportSchedulesService],
})
export class ReportsModule {}
