import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FindingEntity } from '../findings/finding.entity';
import { OutboundModule } from '../outbound-http/outbound.module';
import { FindingTicketEntity } from './finding-ticket.entity';
import { FindingTicketsController } from './finding-tickets.controller';
import { FindingTicketsService } from './finding-tickets.service';
import { IntegrationDelivererService } from './integration-deliverer.service';

/** Finding ↔ ticket links, and delivery to Jira, ServiceNow and Slack. */
@Module({
  imports: [TypeOrmModule.forFeature([FindingTicketEntity, FindingEntity]), OutboundModule],
  controllers: [FindingTicketsController],
  providers: [FindingTicketsService, IntegrationDelivererService],
  exports: [FindingTicketsService, IntegrationDelivererService],
})
export class TicketingModule {}
