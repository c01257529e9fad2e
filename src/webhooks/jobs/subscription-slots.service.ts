import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { IntegrationsConfig, RedisConfig } from '../../config/app-config';
import { QueueName } from '../../queues/queue-names';
import { redisOptionsFromUrl } from '../../queues/redis-connection-options';

/** INCR, and give the slot back at once when the subscription is already at its limit. */
const ACQUIRE = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1`;

const RELEASE = `
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n`;

/**
 * A counting semaphore per subscription in Redis, shared by every worker: at most
 * WEBHOOK_SUBSCRIPTION_CONCURRENCY deliveries to one subscription at a time, so a backlog for a
 * slow receiver cannot occupy every worker slot and delay the other subscriptions. The key
 * expires (a crashed worker's slot comes back) a little after the longest a request may take.
 */
@Injectable()
export class SubscriptionSlotsService implements OnApplicationShutdown {
  private readonly logger = new Logger(SubscriptionSlotsService.name);
  private readonly limit: number;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly redis: Redis;

  constructor(config: ConfigService) {
    const redis = config.get<RedisConfig>('redis', { infer: true })!;
    this.prefix = redis.prefix;
    this.redis = new Redis({ ...redisOptionsFromUrl(redis.url), lazyConnect: true, maxRetriesPerRequest: 3 });
    const settings = config.get<IntegrationsConfig>('integrations', { infer: true })!;
    this.limit = settings.subscriptionConcurrency;
    // A ticketing delivery makes up to three requests; leave room for all of them.
    this.ttlMs = settings.timeoutMs * 4 + 5_000;
  }

  async acquire(subscriptionId: string): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, this.key(subscriptionId), this.limit, this.ttlMs)) === 1;
  }

  /** Never fails the delivery: a slot that cannot be given back expires with its key. */
  async release(subscriptionId: string): Promise<void> {
    try {
      await this.redis.eval(RELEASE, 1, this.key(subscriptionId));
    } catch (error) {
      this.logger.warn(`could not release a delivery slot of ${subscriptionId}: ${String(error)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(subscriptionId: string): string {
    return `${this.prefix}:${QueueName.WebhookDelivery}:inflight:${subscriptionId}`;
  }
}
