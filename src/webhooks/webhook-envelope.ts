import { z } from 'zod';
import type { DomainEvent } from '../events/domain-event';

/** The test ping's type: not a domain event, sent only by POST /v1/webhooks/:id/test. */
export const PING_EVENT_TYPE = 'webhook.test';

/**
 * The JSON body of a delivery, in the shape the Standard Webhooks specification recommends
 * (`type`, `timestamp`, `data`) plus the event id and the subject receivers filter on. It is
 * serialised once, stored, and sent byte for byte on every attempt.
 */
export interface WebhookEnvelope {
  id: string;
  type: string;
  timestamp: string;
  subject: Record<string, unknown>;
  data: Record<string, unknown>;
}

export const envelopeSchema = z.object({
  id: z.string(),
  type: z.string(),
  timestamp: z.string(),
  subject: z.record(z.string(), z.unknown()),
  data: z.record(z.string(), z.unknown()),
});

export function serializeEvent(event: DomainEvent): string {
  const envelope: WebhookEnvelope = {
    id: event.id,
    type: event.type,
    timestamp: event.occurredAt,
    subject: { ...event.subject },
    data: event.data,
  };
  return JSON.stringify(envelope);
}

export function parseEnvelope(payload: string): WebhookEnvelope {
  return envelopeSchema.parse(JSON.parse(payload));
}
