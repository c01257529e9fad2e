import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { TargetEntity } from './target.entity';
import { TargetsController } from './targets.controller';
import { TargetsService } from './targets.service';
import { ContinuousModule } from '../continuous/continuous.module';
import { CostGuardModule } from '../costs/cost-guard.module';
import { TargetCostsController } from '../costs/target-costs.controller';

@Module({
  imports: [TypeOrmModule.forFeature([TargetEntity]), ContinuousModule, CostGuardModule],
  controllers: [TargetsController, TargetCostsController],
  providers: [
    TargetsService,
    // Creating or changing an Athena target reads its table's metadata.
    { provide: AwsClientFactory, useFactory: () => new AwsClientFactory() },
    {
      provide: AthenaTableInspector,
      inject: [AwsClientFactory],
      useFactory: (clients: AwsClientFactory) => new AthenaTableInspector(clients),
    },
  ],
  exports: [TargetsService],
})
export class TargetsModule {}
