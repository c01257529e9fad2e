import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboundModule } from '../outbound-http/outbound.module';
import { DeliveryChannelsModule } from './channels/delivery-channels.module';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** The webhooks API: subscriptions, the delivery log, tests and redeliveries (producers only). */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookSubscriptionEntity, WebhookDeliveryEntity, WebhookDeliveryAttemptEntity]),
    OutboundModule,
    DeliveryChannelsModule,
  ],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDeliveriesService],
  exports: [WebhooksService, WebhookDeliveriesService],
})
export class WebhooksModule {}
