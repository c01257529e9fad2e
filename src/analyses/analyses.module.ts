import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TargetsModule } from '../targets/targets.module';
import { CostGuardModule } from '../costs/cost-guard.module';
import { AnalysesController } from './analyses.controller';
import { AnalysesService } from './analyses.service';
import { AnalysisEntity } from './analysis.entity';

/** The analyses API: queue, list, cancel, retry. The pipeline itself runs in AnalysisWorkerModule. */
@Module({
  imports: [TypeOrmModule.forFeature([AnalysisEntity]), TargetsModule, CostGuardModule],
  controllers: [AnalysesController],
  providers: [AnalysesService],
  exports: [AnalysesService],
})
export class AnalysesModule {}
