import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { ConfigHistoryReader } from '../aws/config-history';
import { OrganizationSnapshotter } from '../aws/organization-snapshotter';
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
    TargetSnapshotLoader,
    PathsService,
  ],
  exports: [PathsService],
})
export class PathsModule {}
