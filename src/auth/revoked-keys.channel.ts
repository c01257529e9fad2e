import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';
import { RedisPingWatchdog } from '../queues/redis-ping-watchdog';
import { keepSubscribed } from '../queues/redis-subscription';
import { ApiKeyAuthenticator } from './api-key-authenticator';

/** How long start-up waits for the subscription, and a revocation for its message to be sent. */
const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 1000;

/**
 * Tells every API process of a key revoked in one of them, over Redis pub/sub (channel
 * `<REDIS_PREFIX>:api-keys:revoked`, the key's id as the message), so each forgets the key at
 * once rather than trusting it until its remembered authentication expires. A message lost while
 * Redis is unreachable costs only that wait (AUTHENTICATED_KEY_CACHE_MS); start-up and
 * revocation never fail for want of Redis.
 */
@Injectable()
export class RevokedKeysChannel implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevokedKeysChannel.name);
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** A subscriber only ever reads: without a PING now and then, a connection gone silent would go unnoticed for good. */
  private readonly watchdog = new RedisPingWatchdog();

  constructor(
    private readonly apiKeys: ApiKeyAuthenticator,
    config: ConfigService<AppConfig, true>,
  ) {
    const redis = config.get('redis', { infer: true });
    this.channel = `${redis.prefix}:api-keys:revoked`;
    const options = redisOptionsFromUrl(redis.url);
    this.publisher = new Redis({
      ...options,
      lazyConnect: true,
      // A revocation does not wait for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectionName: 'sgdoctor-revoked-keys',
    });
    // Reconnects (and subscribes again, keepSubscribed) for as long as the process runs.
    this.subscriber = new Redis({
      ...options,
      lazyConnect: true,
      autoResubscribe: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectionName: 'sgdoctor-revoked-keys-sub',
    });
    // Outages are reported by publish(); without a listener ioredis logs every failed attempt.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    this.apiKeys.onRevoked((keyId) => this.publish(keyId));
    this.subscriber.on('message', (channel: string, keyId: string) => {
      if (channel === this.channel) this.apiKeys.forget(keyId);
    });
    this.publisher.connect().catch(() => undefined);
    this.watchdog.watch(this.publisher).watch(this.subscriber);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      keepSubscribed(this.subscriber, this.channel),
      new Promise((resolve) => (timer = setTimeout(resolve, CONNECT_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    this.watchdog.stop();
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => this.publisher.disconnect());
  }

  private async publish(keyId: string): Promise<void> {
    try {
      await this.publisher.publish(this.channel, keyId);
    } catch (error) {
      this.logger.warn(`other API processes were not told of the revocation of key ${keyId}, they refuse it within 5 s: ${String(error)}`);
    }
  }
}
