import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AnalysesModule } from '../analyses/analyses.module';
import { EventsModule } from '../events/events.module';
import { configuredProcessor } from '../queues/configured-processor';
import { QueueName } from '../queues/queue-names';
import { FindingsModule } from '../findings/findings.module';
import { TargetsModule } from '../targets/targets.module';
import { TicketingModule } from '../ticketing/ticketing.module';
import { ReportInputLoader } from './jobs/report-input.loader';
import { ReportProcessor } from './jobs/report.processor';
import { ReportRunner } from './jobs/report-runner.service';
import { ReportScheduleEntity } from './report-schedule.entity';
import { ReportEntity } from './report.entity';
import { ReportsModule } from './reports.module';

/** The `report` worker: job schedulers applied at start, report runs. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ReportScheduleEntity, ReportEntity]),
    AnalysesModule,
    EventsModule,
    FindingsModule,
    TargetsModule,
    TicketingModule,
    ReportsModule,
  ],
  // BullMQ's defaults: one report at a time.
  providers: [configuredProcessor(QueueName.Report, ReportProcessor, () => ({})), ReportRunner, ReportInputLoader],
})
export class ReportsWorkerModule {}
