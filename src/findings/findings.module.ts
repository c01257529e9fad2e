import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { TicketingModule } from '../ticketing/ticketing.module';
import { FindingEventEntity } from './finding-event.entity';
import { FindingEntity } from './finding.entity';
import { FindingTicketsController } from './finding-tickets.controller';
import { FindingsController } from './findings.controller';
import { FindingsService } from './findings.service';

@Module({
  imports: [TypeOrmModule.forFeature([FindingEntity, FindingEventEntity]), EventsModule, TicketingModule],
  controllers: [FindingsController, FindingTicketsController],
  providers: [FindingsService],
  exports: [FindingsService],
})
export class FindingsModule {}
