import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { AthenaQueryCostEntity } from './athena-query-cost.entity';
import { AthenaSpendService } from './athena-spend.service';
import { Clock } from '../common/clock/clock';
import { CostGuard } from './cost-guard.service';
import { S3ScanEstimator } from './s3-scan-estimator';
import { TargetCostsService } from './target-costs.service';

/**
 * The budget check before a scan, the record of every Athena query's spending, and the costs per
 * month: used by the analyses API and the worker.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AthenaQueryCostEntity])],
  providers: [
    { provide: AwsClientFactory, inject: [Clock], useFactory: (clock: Clock) => new AwsClientFactory({ clock }) },
    {
      provide: AthenaTableInspector,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new AthenaTableInspector(clients),
    },
    { provide: S3ScanEstimator, inject: [AwsClientFactory], useFactory: (clients: AwsClientFactory) => new S3ScanEstimator(clients) },
    TargetCostsService,
    AthenaSpendService,
    CostGuard,
  ],
  exports: [CostGuard, TargetCostsService, AthenaSpendService],
})
export class CostGuardModule {}
