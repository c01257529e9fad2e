import type { Redis } from 'ioredis';

/**
 * Subscribes `redis` to `channel` on every connection it opens, the first and each one after a
 * reconnect, and resolves once the first subscription is confirmed (it never rejects: a Redis
 * that is down is waited for, as ioredis reconnects).
 *
 * The client must be created with `autoResubscribe: false`. ioredis's own resubscription sends
 * SUBSCRIBE without handling its failure: a connection that closes before Redis answers it (the
 * process shutting down, an outage that outlasts `maxRetriesPerRequest`) rejects it with no
 * handler, and an unhandled rejection ends a Node process. Here every SUBSCRIBE's failure is
 * handled; the next connection subscribes again.
 */
export function keepSubscribed(redis: Redis, channel: string): Promise<void> {
  if (redis.options.autoResubscribe !== false) {
    throw new Error('keepSubscribed needs a client created with autoResubscribe: false');
  }
  return new Promise((resolve) => {
    const subscribe = () => {
      redis.subscribe(channel).then(
        () => resolve(),
        () => undefined,
      );
    };
    redis.on('ready', subscribe);
    if (redis.status === 'ready') subscribe();
    else if (redis.status === 'wait') redis.connect().catch(() => undefined);
  });
}
