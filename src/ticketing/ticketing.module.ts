import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FindingTicketEntity } from './finding-ticket.entity';
import { FindingTicketsService } from './finding-tickets.service';

/** Finding ↔ ticket links: the one owner of the ticket records, read by findings and reports, written by delivery. */
@Module({
  imports: [TypeOrmModule.forFeature([FindingTicketEntity])],
  providers: [FindingTicketsService],
  exports: [FindingTicketsService],
})
export class TicketingModule {}
