import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FindingsModule } from '../findings/findings.module';
import { PathsModule } from '../paths/paths.module';
import { ConfirmationsController } from './confirmations.controller';
import { ConfirmationsService } from './confirmations.service';
import { ReachabilityConfirmationEntity } from './reachability-confirmation.entity';

/** Reachability Analyzer confirmations (API side): ask, refuse beyond the budget, queue, read. */
@Module({
  imports: [TypeOrmModule.forFeature([ReachabilityConfirmationEntity]), FindingsModule, PathsModule],
  controllers: [ConfirmationsController],
  // The budget's month comes from the clock; CoreModule does not provide one yet.
  providers: [ConfirmationsService],
})
export class ConfirmationsModule {}
