import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { ReportScheduleEntity } from '../reports/report-schedule.entity';
import { ReportsModule } from '../reports/reports.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ContinuousModule } from '../continuous/continuous.module';
import { ReconcileLoop } from './reconcile-loop.service';
import { WorkReconciler } from './work-reconciler.service';

/** The reconciler (worker process): makes the queues agree with the work recorded in PostgreSQL. */
@Module({
  imports: [TypeOrmModule.forFeature([ReportScheduleEntity]), EventsModule, WebhooksModule, ReportsModule, ContinuousModule],
  providers: [WorkReconciler, ReconcileLoop],
  exports: [ReconcileLoop],
})
export class RecoveryModule {}
