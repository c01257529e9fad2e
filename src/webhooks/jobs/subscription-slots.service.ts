import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { IntegrationsConfig, RedisConfig } from '../../config/app-config';
import { connectionErrors } from '../../queues/connection-error-log';
import { QueueName } from '../../queues/queue-names';
import { redisOptionsFromUrl } from '../../queues/redis-connection-options';

/**
 * KEYS[1]: the subscription's leases (sorted set: holder id scored by expiry, in Redis time ms).
 * ARGV: limit, lease duration ms, holder id. Drops expired leases, then takes one if a slot is free.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

interface LeaseCommands {
  acquireDeliveryLease(key: string, limit: number, leaseMs: number, holder: string): Promise<number>;
}

/** A slot held by one delivery until it is released or its lease expires. */
export interface DeliveryLease {
  subscriptionId: string;
  holder: string;
}

/**
 * Per-subscription leases in Redis, shared by every worker: at most
 * WEBHOOK_SUBSCRIPTION_CONCURRENCY deliveries to one subscription at a time, so a backlog for a
 * slow receiver cannot occupy every worker slot and delay the other subscriptions. Each
 * delivery holds a lease of its own that expires a little after the longest its requests may
 * take: a worker that dies holding leases loses them by expiry, never leaks them, and a release
 * only ever removes its own lease. Shutdown waits for the leases in hand to be released before
 * the connection closes.
 */
@Injectable()
export class SubscriptionSlotsService implements OnApplicationShutdown {
  private readonly logger = new Logger(SubscriptionSlotsService.name);
  private readonly limit: number;
  readonly leaseMs: number;
  private readonly prefix: string;
  private readonly redis: Redis & LeaseCommands;
  private readonly held = new Set<string>();
  private drained: (() => void) | undefined;

  constructor(config: ConfigService) {
    const redis = config.get<RedisConfig>('redis', { infer: true })!;
    this.prefix = redis.prefix;
    const client = new Redis({ ...redisOptionsFromUrl(redis.url), lazyConnect: true, maxRetriesPerRequest: 3 });
    client.defineCommand('acquireDeliveryLease', { numberOfKeys: 1, lua: ACQUIRE });
    client.on('error', (error) => connectionErrors.report('delivery leases', error));
    this.redis = client as Redis & LeaseCommands;
    const settings = config.get<IntegrationsConfig>('integrations', { infer: true })!;
    this.limit = settings.subscriptionConcurrency;
    // A ticketing delivery makes up to three requests; leave room for all of them.
    this.leaseMs = settings.timeoutMs * 4 + 5_000;
  }

  /** A lease when the subscription has a free slot, else null. */
  async acquire(subscriptionId: string): Promise<DeliveryLease | null> {
    const holder = randomUUID();
    const taken = await this.redis.acquireDeliveryLease(this.key(subscriptionId), this.limit, this.leaseMs, holder);
    if (taken !== 1) return null;
    this.held.add(holder);
    return { subscriptionId, holder };
  }

  /** Never fails the delivery: a lease that cannot be given back expires by itself. */
  async release(lease: DeliveryLease): Promise<void> {
    try {
      await this.redis.zrem(this.key(lease.subscriptionId), lease.holder);
    } catch (error) {
      this.logger.warn(
        `could not release a delivery lease of ${lease.subscriptionId} (it expires within ${this.leaseMs} ms): ${String(error)}`,
      );
    } finally {
      this.held.delete(lease.holder);
      if (this.held.size === 0) this.drained?.();
    }
  }

  /** Leases this process holds now. */
  get inHand(): number {
    return this.held.size;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.held.size > 0) {
      // The deliveries in flight finish (and release their leases) before the connection goes.
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.leaseMs).unref());
      await Promise.race([drained, deadline]);
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(subscriptionId: string): string {
    return `${this.prefix}:${QueueName.WebhookDelivery}:leases:${subscriptionId}`;
  }
}
