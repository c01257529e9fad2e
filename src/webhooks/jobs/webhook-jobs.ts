/**
 * `webhook.deliver`: one attempt sequence of one delivery, retried by BullMQ on the delivery
 * schedule. `events.sweep` publishes outbox events whose fan-out was never enqueued (the process
 * died between commit and publish); it runs every minute from a job scheduler, and the event id
 * as job id makes it harmless. Names and payload schemas live in the job catalogue.
 */
export {
  deliverPayloadSchema,
  EVENTS_SWEEP_JOB,
  fanoutPayloadSchema,
  WEBHOOK_DELIVER_JOB,
  type DeliverPayload,
  type FanoutPayload,
} from '../../queues/job-catalogue';
export const EVENTS_SWEEP_SCHEDULER = 'events-sweep';
export const EVENTS_SWEEP_EVERY_MS = 60_000;
/** The name of the custom backoff the delivery worker registers. */
export const DELIVERY_BACKOFF_TYPE = 'webhook-schedule';

/**
 * The first run of a delivery, each manual redelivery and each resumption after the
 * subscription was re-enabled get job ids of their own: one of the two counters grows each
 * time, so no pair repeats, and a repeated request for the same pair is deduplicated by BullMQ.
 */
export function deliverJobId(deliveryId: string, redelivery: number, resume = 0): string {
  const base = redelivery === 0 ? `dlv-${deliveryId}` : `dlv-${deliveryId}-r${redelivery}`;
  return resume === 0 ? base : `${base}-h${resume}`;
}
