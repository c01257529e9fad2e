import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { DeliveryChannelsModule } from './channels/delivery-channels.module';
import { DeliveryAttemptService } from './jobs/delivery-attempt.service';
import { SubscriptionSlotsService } from './jobs/subscription-slots.service';
import { WebhookDeliveryProcessor } from './jobs/webhook-delivery.processor';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhooksModule } from './webhooks.module';

/** The `webhook-delivery` worker: fan-out and delivery jobs. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookSubscriptionEntity, WebhookDeliveryEntity, WebhookDeliveryAttemptEntity]),
    EventsModule,
    DeliveryChannelsModule,
    WebhooksModule,
  ],
  providers: [WebhookDeliveryProcessor, DeliveryAttemptService, SubscriptionSlotsService],
})
export class WebhooksWorkerModule {}
