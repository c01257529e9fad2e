import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AthenaFlowSource } from '../aws/athena-flow-source';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { CloudWatchLogsFlowSource } from '../aws/cloudwatch-logs-flow-source';
import { S3FlowSource } from '../aws/s3-flow-source';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { Clock } from '../common/clock/clock';
import type { AppConfig } from '../config/app-config';
import { DataPathResolver } from '../targets/data-path.resolver';
import { AthenaTableFlowSource } from './athena-flow-source';
import { CloudWatchLogsTargetFlowSource } from './cloudwatch-logs-flow-source';
import { FilesFlowSource } from './files-flow-source';
import { S3TargetFlowSource } from './s3-flow-source';
import { FlowSourceRegistry } from './flow-source.registry';

/**
 * The flow sources an analysis reads from, behind one port (FlowSource), found by the target's
 * `flowSource.type` in FlowSourceRegistry. The AWS client factory is exported too, so the worker
 * reaches an account through one set of clients (one credential cache per target), and the Athena
 * flow source, which the sweep of unfinished queries asks about them.
 */
@Module({
  providers: [
    { provide: AwsClientFactory, inject: [Clock], useFactory: (clock: Clock) => new AwsClientFactory({ clock }) },
    { provide: AthenaFlowSource, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new AthenaFlowSource(clients) },
    {
      provide: AthenaTableInspector,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new AthenaTableInspector(clients),
    },
    {
      provide: AthenaTableFlowSource,
      inject: [AthenaFlowSource, AthenaTableInspector],
      useFactory: (queries: AthenaFlowSource, tables: AthenaTableInspector) => new AthenaTableFlowSource(queries, tables),
    },
    {
      provide: FilesFlowSource,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        new FilesFlowSource(new DataPathResolver(config.get('dataRoot', { infer: true }))),
    },
    {
      provide: CloudWatchLogsFlowSource,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new CloudWatchLogsFlowSource(clients),
    },
    { provide: S3FlowSource, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new S3FlowSource(clients) },
    {
      provide: FlowSourceRegistry,
      inject: [AthenaTableFlowSource, FilesFlowSource, CloudWatchLogsFlowSource, S3FlowSource],
      useFactory: (athena: AthenaTableFlowSource, files: FilesFlowSource, insights: CloudWatchLogsFlowSource, s3: S3FlowSource) =>
        new FlowSourceRegistry({
          athena,
          files,
          'cloudwatch-logs': new CloudWatchLogsTargetFlowSource(insights),
          s3: new S3TargetFlowSource(s3),
        }),
    },
  ],
  exports: [FlowSourceRegistry, AwsClientFactory, AthenaFlowSource],
})
export class FlowSourcesModule {}
