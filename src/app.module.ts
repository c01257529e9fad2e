import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AnalysesModule } from './analyses/analyses.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { CoreModule, type CoreModuleOptions } from './common/core.module';
import { ConfirmationsModule } from './confirmations/confirmations.module';
import { FindingsCacheModule } from './findings/findings-cache.module';
import { FindingsModule } from './findings/findings.module';
import { createValidationPipe } from './common/http/create-validation-pipe';
import { ProblemDetailsFilter } from './common/http/problem-details.filter';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PathsModule } from './paths/paths.module';
import { SimulationsModule } from './simulations/simulations.module';
import { TargetsModule } from './targets/targets.module';
import { ReportsModule } from './reports/reports.module';
import { TicketingModule } from './ticketing/ticketing.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WORKER_FEATURE_MODULES } from './worker.module';

/** Feature modules with controllers and job producers. Add each feature's API module here. */
export const API_FEATURE_MODULES: Array<Type | DynamicModule> = [
  ApiKeysModule,
  TargetsModule,
  AnalysesModule,
  FindingsModule,
  SimulationsModule,
  PathsModule,
  ConfirmationsModule,
  WebhooksModule,
  TicketingModule,
  ReportsModule,
];

export interface AppModuleOptions extends CoreModuleOptions {
  /** Also run the queue processors in this process (defaults to config.withWorker). */
  withWorker?: boolean;
}

/**
 * The API process. Every route requires an API key unless @Public(); every error leaves as
 * problem+json; every DTO is validated.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { withWorker = options.config.withWorker, ...core } = options;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(core),
        AuthModule.forRoot(core.config, ApiKeysModule),
        HealthModule,
        MetricsModule,
        FindingsCacheModule,
        ...API_FEATURE_MODULES,
        ...(withWorker ? WORKER_FEATURE_MODULES : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
