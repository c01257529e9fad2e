import { Injectable } from '@nestjs/common';
import type { WebhookFormat } from '../webhook-format';
import type { DeliveryChannel, DeliveryChannelMap } from './delivery-channel';
import { JiraChannel, ServiceNowChannel, SlackChannel } from './integration.channels';
import { StandardChannel } from './standard.channel';

/** The channel of each webhook format: a format without one does not compile. */
@Injectable()
export class DeliveryChannels {
  private readonly byFormat: DeliveryChannelMap;

  constructor(standard: StandardChannel, jira: JiraChannel, servicenow: ServiceNowChannel, slack: SlackChannel) {
    this.byFormat = { standard, jira, servicenow, slack };
  }

  of(format: WebhookFormat): DeliveryChannel {
    return this.byFormat[format];
  }
}
