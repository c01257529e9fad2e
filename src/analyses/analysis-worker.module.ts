import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { ConfigHistoryReader } from '../aws/config-history';
import { OrganizationSnapshotter } from '../aws/organization-snapshotter';
import { Ec2Snapshotter } from '../aws/ec2-snapshotter';
import type { AppConfig } from '../config/app-config';
import { EventsModule } from '../events/events.module';
import { EventsService } from '../events/events.service';
import { FlowSourcesModule } from '../flow-sources/flow-sources.module';
import { FindingsPersister } from '../findings/findings-persister.service';
import { FindingEventEntity } from '../findings/finding-event.entity';
import { FindingEntity } from '../findings/finding.entity';
import { TargetSnapshotLoader } from '../snapshots/target-snapshot.loader';
import { TargetEntity } from '../targets/target.entity';
import { AnalysisEntity } from './analysis.entity';
import { AnalysisProcessor } from './jobs/analysis.processor';
import { AnalysisRunner } from './pipeline/analysis-runner.service';
import { ContinuousAnalysisService } from '../continuous/continuous-analysis.service';
import { ContinuousModule } from '../continuous/continuous.module';
import { CostGuardModule } from '../costs/cost-guard.module';

/** The analysis pipeline (worker process): the `analysis` queue processor and its adapters. */
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisEntity, TargetEntity, FindingEntity, FindingEventEntity]), EventsModule, FlowSourcesModule, CostGuardModule, ContinuousModule],
  providers: [
    { provide: Ec2Snapshotter, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new Ec2Snapshotter(clients) },
    { provide: ConfigHistoryReader, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new ConfigHistoryReader(clients) },
    {
      provide: OrganizationSnapshotter,
      inject: [Ec2Snapshotter, AwsClientFactory],
      useFactory: (ec2: Ec2Snapshotter, clients: AwsClientFactory) => new OrganizationSnapshotter(ec2, clients),
    },
    TargetSnapshotLoader,
    FindingsPersister,
    AnalysisRunner,
    {
      provide: AnalysisProcessor,
      inject: [AnalysisRunner, EventsService, ContinuousAnalysisService, ConfigService],
      useFactory: (runner: AnalysisRunner, events: EventsService, continuous: ContinuousAnalysisService, config: ConfigService<AppConfig, true>) => {
        const { lockDurationMs, stalledIntervalMs } = config.get('analysis', { infer: true });
        const Configured = AnalysisProcessor.configured({
          concurrency: config.get('queue', { infer: true }).workerConcurrency,
          lockDuration: lockDurationMs,
          stalledInterval: stalledIntervalMs,
        });
        return new Configured(runner, events, continuous);
      },
    },
  ],
})
export class AnalysisWorkerModule {}
