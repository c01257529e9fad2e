import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { ReportsModule } from '../reports/reports.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ContinuousModule } from '../continuous/continuous.module';
import { TargetsModule } from '../targets/targets.module';
import { ReconcileLoop } from './reconcile-loop.service';
import { WorkReconciler } from './work-reconciler.service';

/** The reconciler (worker process): makes the queues agree with the work recorded in PostgreSQL. */
@Module({
  imports: [EventsModule, WebhooksModule, ReportsModule, ContinuousModule, TargetsModule],
  providers: [WorkReconciler, ReconcileLoop],
  exports: [ReconcileLoop],
})
export class RecoveryModule {}
