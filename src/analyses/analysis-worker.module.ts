import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AwsClientFactory } from '../aws/aws-client.factory';
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

/** The analysis pipeline (worker process): the `analysis` queue processor and its adapters. */
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisEntity, TargetEntity, FindingEntity, FindingEventEntity]), EventsModule, FlowSourcesModule],
  providers: [
    { provide: Ec2Snapshotter, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new Ec2Snapshotter(clients) },
    TargetSnapshotLoader,
    FindingsPersister,
    AnalysisRunner,
    {
      provide: AnalysisProcessor,
      inject: [AnalysisRunner, EventsService, ConfigService],
      useFactory: (runner: AnalysisRunner, events: EventsService, config: ConfigService<AppConfig, true>) => {
        const { lockDurationMs, stalledIntervalMs } = config.get('analysis', { infer: true });
        const Configured = AnalysisProcessor.configured({
          concurrency: config.get('queue', { infer: true }).workerConcurrency,
          lockDuration: lockDurationMs,
          stalledInterval: stalledIntervalMs,
        });
        return new Configured(runner, events);
      },
    },
  ],
})
export class AnalysisWorkerModule {}
