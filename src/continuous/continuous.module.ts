import { Module } from '@nestjs/common';
import { ContinuousScheduler } from './continuous-scheduler.service';

/** The job schedulers of continuous targets (their ticks are handled by the analysis worker). */
@Module({
  providers: [ContinuousScheduler],
  exports: [ContinuousScheduler],
})
export class ContinuousModule {}
