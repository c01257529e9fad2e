import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AnalysisEntity } from '../analyses/analysis.entity';
import { FindingEntity } from '../findings/finding.entity';
import { TargetsModule } from '../targets/targets.module';
import { SimulationsController } from './simulations.controller';
import { SimulationsService } from './simulations.service';

@Module({
  imports: [TypeOrmModule.forFeature([AnalysisEntity, FindingEntity]), TargetsModule],
  controllers: [SimulationsController],
  providers: [SimulationsService],
})
export class SimulationsModule {}
