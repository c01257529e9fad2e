import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The one Redis-backed throttler storage of the process (closed on shutdown with the app). */
@Module({
  providers: [
    {
      provide: RedisThrottlerStorage,
      useFactory: (config: ConfigService<AppConfig, true>) => new RedisThrottlerStorage(config.get('redis', { infer: true })),
      inject: [ConfigService],
    },
  ],
  exports: [RedisThrottlerStorage],
})
export class RedisThrottlerStorageModule {}
