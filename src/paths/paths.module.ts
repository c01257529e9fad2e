import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { Ec2Snapshotter } from '../aws/ec2-snapshotter';
import { TargetSnapshotLoader } from '../snapshots/target-snapshot.loader';
import { TargetsModule } from '../targets/targets.module';
import { PathsController } from './paths.controller';
import { PathsService } from './paths.service';

/** `POST /v1/targets/{id}/paths`: path analysis over a target's latest (or a fresh) snapshot. */
@Module({
  imports: [AnalysesModule, TargetsModule],
  controllers: [PathsController],
  providers: [
    { provide: AwsClientFactory, useFactory: () => new AwsClientFactory() },
    { provide: Ec2Snapshotter, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new Ec2Snapshotter(clients) },
    TargetSnapshotLoader,
    PathsService,
  ],
  exports: [PathsService],
})
export class PathsModule {}
