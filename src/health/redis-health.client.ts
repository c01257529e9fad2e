import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';
import { RedisPingWatchdog } from '../queues/redis-ping-watchdog';

/**
 * A small Redis client only for health checks: it never queues commands while disconnected
 * (a ping fails at once) and keeps reconnecting, so readiness recovers without a restart. A
 * connection Redis stopped answering is replaced after REDIS_UNANSWERED_TIMEOUT_MS, counted from
 * the first unanswered PING, whether a readiness check or the watchdog sent it.
 */
@Injectable()
export class RedisHealthClient implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly watchdog = new RedisPingWatchdog();

  constructor(config: ConfigService<AppConfig, true>) {
    this.client = new Redis({
      ...redisOptionsFromUrl(config.get('redis', { infer: true }).url),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      lazyConnect: false,
      connectionName: 'sgdoctor-health',
    });
    // Connection errors are reported through readiness; without a listener ioredis logs each one.
    this.client.on('error', () => undefined);
    this.watchdog.watch(this.client);
  }

  async ping(): Promise<void> {
    const answer = await this.client.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
  }

  onApplicationShutdown(): void {
    this.watchdog.stop();
    this.client.disconnect();
  }
}
