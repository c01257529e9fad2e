import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';

/**
 * A small Redis client only for health checks: it never queues commands while disconnected
 * (a ping fails at once) and keeps reconnecting, so readiness recovers without a restart.
 */
@Injectable()
export class RedisHealthClient implements OnApplicationShutdown {
  readonly client: Redis;

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
  }

  async ping(): Promise<void> {
    const answer = await this.client.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
