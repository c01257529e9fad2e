import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../common/errors/app.error';
import { Clock } from '../../common/clock/clock';
import { OutboundHttpService } from '../../outbound-http/outbound-http.service';
import { SecretBoxService } from '../../outbound-http/secret-box.service';
import type { AttemptResult } from '../attempt-result';
import { classifyDeliveryResponse } from '../delivery/delivery-policy';
import { buildSignatureHeaders } from '../delivery/standard-webhooks';
import type { UpdateWebhookDto } from '../dto/update-webhook.dto';
import type { WebhookSubscriptionEntity } from '../webhook-subscription.entity';
import { requiredFor, type DeliveryChannel, type OutgoingDelivery, type ResolvedDestination } from './delivery-channel';

/** Standard Webhooks: the envelope as signed JSON, POSTed to the subscription's URL. */
@Injectable()
export class StandardChannel implements DeliveryChannel<'standard'> {
  readonly format = 'standard';

  constructor(
    private readonly http: OutboundHttpService,
    private readonly secrets: SecretBoxService,
    private readonly clock: Clock,
  ) {}

  destination(config: UpdateWebhookDto, creating: boolean, errors: FieldError[]): ResolvedDestination | null {
    if (config.url) return { url: config.url, urlField: 'url', settings: {}, credentials: null };
    if (creating) errors.push(requiredFor(this.format, 'url'));
    return null;
  }

  async deliver(delivery: OutgoingDelivery, subscription: WebhookSubscriptionEntity): Promise<AttemptResult> {
    const secret = this.secrets.decrypt(subscription.secretEncrypted ?? '', subscription.id);
    const response = await this.http.client.request({
      url: subscription.url,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...buildSignatureHeaders(secret, delivery.messageId, delivery.payload, this.clock.now()),
      },
      body: delivery.payload,
      // The status decides the attempt, never the body: a 2xx followed by an endless body is
      // delivered (retrying it would send the event again), and a long 410 still disables.
      oversizedBody: 'truncate',
    });
    const verdict = classifyDeliveryResponse(response.status, response.headers, this.clock.now());
    return {
      outcome: verdict.outcome,
      statusCode: response.status,
      durationMs: response.durationMs,
      error: verdict.outcome === 'delivered' ? null : `the receiver answered ${response.status}`,
      retryAfterMs: verdict.retryAfterMs,
    };
  }
}
