import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { FindingTicketEntity } from '../ticketing/finding-ticket.entity';
import { FindingEventEntity } from './finding-event.entity';
import { FindingEntity } from './finding.entity';
import { FindingsController } from './findings.controller';
import { FindingsService } from './findings.service';

@Module({
  imports: [TypeOrmModule.forFeature([FindingEntity, FindingEventEntity, FindingTicketEntity]), EventsModule],
  controllers: [FindingsController],
  providers: [FindingsService],
  exports: [FindingsService],
})
export class FindingsModule {}
