import type { FieldError } from '../../common/errors/app.error';
import type { AttemptResult } from '../attempt-result';
import type { UpdateWebhookDto } from '../dto/update-webhook.dto';
import type { IntegrationCredentials, IntegrationSettings } from '../integration-settings';
import type { WebhookFormat } from '../webhook-format';
import type { WebhookSubscriptionEntity } from '../webhook-subscription.entity';

/** What a format's configuration resolves to: the URL to check and store, settings, credentials. */
export interface ResolvedDestination {
  url: string;
  urlField: string;
  /** The URL actually contacted, when it differs from the stored one (Slack). */
  contactUrl?: string;
  settings: IntegrationSettings;
  credentials: IntegrationCredentials | null;
}

/** One delivery as a channel sends it: the stored payload, byte for byte, and its message id. */
export interface OutgoingDelivery {
  id: string;
  /** The event's id, unchanged across retries so receivers can deduplicate. */
  messageId: string;
  /** The serialised envelope (see webhook-envelope.ts). */
  payload: string;
}

/**
 * How events reach a subscription of one format: signed JSON (standard), a Jira issue, a
 * ServiceNow incident, a Slack message. The subscription API asks the channel what a
 * configuration means; the delivery worker asks it to send one delivery.
 */
export interface DeliveryChannel<F extends WebhookFormat = WebhookFormat> {
  readonly format: F;
  /**
   * The destination a create (`creating`) or update request configures, or null when it does
   * not touch it; problems are added to `errors` against the field that holds them.
   */
  destination(config: UpdateWebhookDto, creating: boolean, errors: FieldError[]): ResolvedDestination | null;
  /** One attempt. Throws OutboundHttp's DeliveryError when the destination cannot be reached. */
  deliver(delivery: OutgoingDelivery, subscription: WebhookSubscriptionEntity): Promise<AttemptResult>;
}

/** One channel for every format, checked exhaustively by the compiler. */
export type DeliveryChannelMap = { readonly [F in WebhookFormat]: DeliveryChannel<F> };

/** The field error for a setting the format requires. */
export function requiredFor(format: WebhookFormat, field: string): FieldError {
  return { field, message: `${field} is required for the ${format} format` };
}

/** `https://hooks.slack.com` from a full URL; records a field error when it is not a URL. */
export function originOf(url: string, field: string, errors: FieldError[]): string {
  try {
    return new URL(url).origin;
  } catch {
    errors.push({ field, message: `${field} must be an absolute URL` });
    return '';
  }
}
