import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AthenaFlowSource } from '../aws/athena-flow-source';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { Ec2Snapshotter } from '../aws/ec2-snapshotter';
import { EventsModule } from '../events/events.module';
import { FindingsPersister } from '../findings/findings-persister.service';
import { FindingsModule } from '../findings/findings.module';
import { configuredProcessor } from '../queues/configured-processor';
import { QueueName } from '../queues/queue-names';
import { TargetSnapshotLoader } from '../snapshots/target-snapshot.loader';
import { TargetsModule } from '../targets/targets.module';
import { AnalysisEntity } from './analysis.entity';
import { AnalysisProcessor } from './jobs/analysis.processor';
import { AnalysisRunner } from './pipeline/analysis-runner.service';
import { Clock } from '../common/clock/clock';

/** The analysis pipeline (worker process): the `analysis` queue processor and its adapters. */
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisEntity]), EventsModule, FindingsModule, TargetsModule],
  providers: [
    { provide: AwsClientFactory, inject: [Clock], useFactory: (clock: Clock) => new AwsClientFactory({ clock }) },
    { provide: Ec2Snapshotter, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new Ec2Snapshotter(clients) },
    { provide: AthenaFlowSource, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new AthenaFlowSource(clients) },
    { provide: AthenaTableInspector, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new AthenaTableInspector(clients) },
    TargetSnapshotLoader,
    FindingsPersister,
    AnalysisRunner,
    // Lock duration and the stalled-job check decide how soon a killed worker's job runs again.
    configuredProcessor(QueueName.Analysis, AnalysisProcessor, (config) => ({
      concurrency: config.get('queue', { infer: true }).workerConcurrency,
      lockDuration: config.get('analysis', { infer: true }).lockDurationMs,
      stalledInterval: config.get('analysis', { infer: true }).stalledIntervalMs,
    })),
  ],
})
export class AnalysisWorkerModule {}
