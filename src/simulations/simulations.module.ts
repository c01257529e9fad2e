import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module';
import { FindingsModule } from '../findings/findings.module';
import { TargetsModule } from '../targets/targets.module';
import { SimulationsController } from './simulations.controller';
import { SimulationsService } from './simulations.service';

@Module({
  imports: [AnalysesModule, FindingsModule, TargetsModule],
  controllers: [SimulationsController],
  providers: [SimulationsService],
})
export class SimulationsModule {}
