/** A delivery as GET /v1/webhooks/:id/deliveries returns it (the fields the tests read). */
export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string | null;
  messageId: string;
  eventType: string;
  status: 'pending' | 'held' | 'succeeded' | 'failed' | 'dead' | 'skipped';
  attempts: number;
  lastStatusCode: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
  createdAt: string;
}
