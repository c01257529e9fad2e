import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { IntegrationsConfig } from '../config/app-config';
import { EventsModule } from '../events/events.module';
import { configuredProcessor } from '../queues/configured-processor';
import { QueueName } from '../queues/queue-names';
import { DeliveryChannelsModule } from './channels/delivery-channels.module';
import { DeliveryAttemptService } from './jobs/delivery-attempt.service';
import { deliveryBackoff } from './jobs/delivery-backoff';
import { SubscriptionSlotsService } from './jobs/subscription-slots.service';
import { WebhookDeliveryProcessor } from './jobs/webhook-delivery.processor';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhooksModule } from './webhooks.module';

/**
 * A delivery job is short (its requests have deadlines) and its lock is renewed every half lock:
 * a short lock and a frequent stalled check let another worker take over a killed worker's
 * deliveries within about 15 s instead of BullMQ's default of up to 90 s.
 */
const DELIVERY_LOCK_MS = 10_000;
const DELIVERY_STALLED_INTERVAL_MS = 5_000;

/** The `webhook-delivery` worker: fan-out and delivery jobs. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookSubscriptionEntity, WebhookDeliveryEntity, WebhookDeliveryAttemptEntity]),
    EventsModule,
    DeliveryChannelsModule,
    WebhooksModule,
  ],
  providers: [
    configuredProcessor(QueueName.WebhookDelivery, WebhookDeliveryProcessor, (config) => ({
      concurrency: config.get<IntegrationsConfig>('integrations', { infer: true })!.concurrency,
      lockDuration: DELIVERY_LOCK_MS,
      stalledInterval: DELIVERY_STALLED_INTERVAL_MS,
      settings: { backoffStrategy: deliveryBackoff },
    })),
    DeliveryAttemptService,
    SubscriptionSlotsService,
  ],
})
export class WebhooksWorkerModule {}
