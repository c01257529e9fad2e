import { Module } from '@nestjs/common';
import { OutboundModule } from '../../outbound-http/outbound.module';
import { TicketingModule } from '../../ticketing/ticketing.module';
import { DeliveryChannels } from './delivery-channels';
import { JiraChannel, ServiceNowChannel, SlackChannel } from './integration.channels';
import { StandardChannel } from './standard.channel';

/** The delivery channels (standard, Jira, ServiceNow, Slack) over the SSRF-guarded client. */
@Module({
  imports: [OutboundModule, TicketingModule],
  providers: [StandardChannel, JiraChannel, ServiceNowChannel, SlackChannel, DeliveryChannels],
  exports: [DeliveryChannels],
})
export class DeliveryChannelsModule {}
