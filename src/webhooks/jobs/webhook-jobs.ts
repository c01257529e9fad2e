import { z } from 'zod';

/** One attempt sequence of one delivery; retried by BullMQ on the delivery schedule. */
export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';
/** The name of the custom backoff the delivery worker registers. */
export const DELIVERY_BACKOFF_TYPE = 'webhook-schedule';

export const fanoutPayloadSchema = z.object({ eventId: z.string().regex(/^evt_[0-9A-Z]{26}$/) });
export type FanoutPayload = z.infer<typeof fanoutPayloadSchema>;

export const deliverPayloadSchema = z.object({ deliveryId: z.uuid() });
export type DeliverPayload = z.infer<typeof deliverPayloadSchema>;

/** The first run of a delivery and each manual redelivery get job ids of their own. */
export function deliverJobId(deliveryId: string, redelivery: number): string {
  return redelivery === 0 ? `dlv-${deliveryId}` : `dlv-${deliveryId}-r${redelivery}`;
}
