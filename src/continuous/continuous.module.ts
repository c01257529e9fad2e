import { Module } from '@nestjs/common';
import { ContinuousAnalysisService } from './continuous-analysis.service';
import { ContinuousScheduler } from './continuous-scheduler.service';

/** Rolling analyses of continuous targets: their job schedulers and what each tick does. */
@Module({
  providers: [ContinuousScheduler, ContinuousAnalysisService],
  exports: [ContinuousScheduler, ContinuousAnalysisService],
})
export class ContinuousModule {}
