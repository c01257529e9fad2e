import { Module } from '@nestjs/common';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { Clock } from '../common/clock/clock';
import { CostGuard } from './cost-guard.service';
import { S3ScanEstimator } from './s3-scan-estimator';
import { TargetCostsService } from './target-costs.service';

/** The budget check before a scan and the costs per month: used by the analyses API and the worker. */
@Module({
  providers: [
    { provide: AwsClientFactory, inject: [Clock], useFactory: (clock: Clock) => new AwsClientFactory({ clock }) },
    {
      provide: AthenaTableInspector,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new AthenaTableInspector(clients),
    },
    { provide: S3ScanEstimator, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new S3ScanEstimator(clients) },
    TargetCostsService,
    CostGuard,
  ],
  exports: [CostGuard, TargetCostsService],
})
export class CostGuardModule {}
