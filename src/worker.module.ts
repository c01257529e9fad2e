import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { AnalysisWorkerModule } from './analyses/analysis-worker.module';
import { ConfirmationsWorkerModule } from './confirmations/confirmations-worker.module';
import { RecoveryModule } from './recovery/recovery.module';
import { ReportsWorkerModule } from './reports/reports-worker.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';
import { CoreModule, type CoreModuleOptions } from './common/core.module';
import { WorkerHeartbeatModule } from './health/worker-heartbeat.module';

/**
 * Modules holding BullMQ processors (WorkerHost classes) and job schedulers. Only the worker
 * process imports them (and the API when started with --with-worker), so the API never
 * consumes jobs by accident. Add each feature's processor module here.
 */
export const WORKER_FEATURE_MODULES: Array<Type | DynamicModule> = [
  AnalysisWorkerModule,
  WebhooksWorkerModule,
  ReportsWorkerModule,
  ConfirmationsWorkerModule,
  RecoveryModule,
];

/** The worker process: processors on the shared queues and their heartbeat, no HTTP server. */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(options), ...WORKER_FEATURE_MODULES, WorkerHeartbeatModule],
    };
  }
}
