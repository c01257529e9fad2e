import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { ConfigHistoryReader } from '../aws/config-history';
import { OrganizationSnapshotter } from '../aws/organization-snapshotter';
import { Ec2Snapshotter } from '../aws/ec2-snapshotter';
import { EventsModule } from '../events/events.module';
import { FlowSourcesModule } from '../flow-sources/flow-sources.module';
import { FindingsPersister } from '../findings/findings-persister.service';
import { FindingsModule } from '../findings/findings.module';
import { configuredProcessor } from '../queues/configured-processor';
import { QueueName } from '../queues/queue-names';
import { TargetSnapshotLoader } from '../snapshots/target-snapshot.loader';
import { TargetsModule } from '../targets/targets.module';
import { AnalysisEntity } from './analysis.entity';
import { AnalysisProcessor } from './jobs/analysis.processor';
import { AnalysisRunner } from './pipeline/analysis-runner.service';
import { ContinuousModule } from '../continuous/continuous.module';
import { ContinuousAnalysisService } from './continuous/continuous-analysis.service';
import { CostGuardModule } from '../costs/cost-guard.module';
import { AthenaSpendSweep } from '../costs/athena-spend-sweep.service';
import { AthenaSpendService } from '../costs/athena-spend.service';
import { AthenaFlowSource } from '../aws/athena-flow-source';
import { Clock } from '../common/clock/clock';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';

/** Unfinished Athena queries looked at per sweep. */
const SPEND_SWEEP_BATCH = 200;

/** The analysis pipeline (worker process): the `analysis` queue processor and its adapters. */
@Module({
  imports: [
    TypeOrmModule.forFeature([AnalysisEntity]),
    EventsModule,
    FindingsModule,
    TargetsModule,
    FlowSourcesModule,
    CostGuardModule,
    ContinuousModule,
  ],
  providers: [
    { provide: Ec2Snapshotter, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new Ec2Snapshotter(clients) },
    {
      provide: ConfigHistoryReader,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new ConfigHistoryReader(clients),
    },
    {
      provide: OrganizationSnapshotter,
      inject: [Ec2Snapshotter, AwsClientFactory],
      useFactory: (ec2: Ec2Snapshotter, clients: AwsClientFactory) => new OrganizationSnapshotter(ec2, clients),
    },
    {
      provide: AthenaSpendSweep,
      inject: [AthenaSpendService, Clock, AthenaFlowSource, ConfigService],
      useFactory: (spend: AthenaSpendService, clock: Clock, athena: AthenaFlowSource, config: ConfigService<AppConfig, true>) =>
        new AthenaSpendSweep(spend, clock, athena, {
          settleAfterMs: config.get('analysis', { infer: true }).spendSettleAfterMs,
          batch: SPEND_SWEEP_BATCH,
        }),
    },
    TargetSnapshotLoader,
    FindingsPersister,
    AnalysisRunner,
    ContinuousAnalysisService,
    // Lock duration and the stalled-job check decide how soon a killed worker's job runs again.
    configuredProcessor(QueueName.Analysis, AnalysisProcessor, (config) => ({
      concurrency: config.get('queue', { infer: true }).workerConcurrency,
      lockDuration: config.get('analysis', { infer: true }).lockDurationMs,
      stalledInterval: config.get('analysis', { infer: true }).stalledIntervalMs,
    })),
  ],
})
export class AnalysisWorkerModule {}
