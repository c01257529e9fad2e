/** Every BullMQ queue, one per kind of work. Job names inside a queue are dotted (`analysis.run`). */
export const QueueName = {
  Analysis: 'analysis',
  WebhookDelivery: 'webhook-delivery',
  Report: 'report',
  Reachability: 'reachability',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const ALL_QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);
