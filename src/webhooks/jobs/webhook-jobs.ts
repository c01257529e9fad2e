import { z } from 'zod';

/** One attempt sequence of one delivery; retried by BullMQ on the delivery schedule. */
export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';
/**
 * Publishes outbox events whose fan-out was never enqueued (the process died between commit and
 * publish). Runs every minute from a job scheduler; the event id as job id makes it harmless.
 */
export const EVENTS_SWEEP_JOB = 'events.sweep';
export const EVENTS_SWEEP_SCHEDULER = 'events-sweep';
export const EVENTS_SWEEP_EVERY_MS = 60_000;
/** The name of the custom backoff the delivery worker registers. */
export const DELIVERY_BACKOFF_TYPE = 'webhook-schedule';

export const fanoutPayloadSchema = z.object({ eventId: z.string().regex(/^evt_[0-9A-Z]{26}$/) });
export type FanoutPayload = z.infer<typeof fanoutPayloadSchema>;

/**
 * `priorAttempts`: attempts of this delivery's schedule made before the job was queued (a job
 * re-created by the reconciler after Redis lost the first one), so the schedule goes on where it
 * was instead of starting again.
 */
export const deliverPayloadSchema = z.object({ deliveryId: z.uuid(), priorAttempts: z.number().int().min(0).optional() });
export type DeliverPayload = z.infer<typeof deliverPayloadSchema>;

/**
 * The first run of a delivery, each manual redelivery and each resumption after the
 * subscription was re-enabled get job ids of their own: one of the two counters grows each
 * time, so no pair repeats, and a repeated request for the same pair is deduplicated by BullMQ.
 */
export function deliverJobId(deliveryId: string, redelivery: number, resume = 0): string {
  const base = redelivery === 0 ? `dlv-${deliveryId}` : `dlv-${deliveryId}-r${redelivery}`;
  return resume === 0 ? base : `${base}-h${resume}`;
}
