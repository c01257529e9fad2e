import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { BodyProblemGuard } from '../common/http/body-problem.guard';
import { UnreadQueryGuard } from '../common/http/unread-query.guard';
import type { AppConfig } from '../config/app-config';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
import { ApiKeyGuard } from './api-key.guard';
import { RedisThrottlerStorageModule } from './redis-throttler-storage.module';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { RevokedKeysChannel } from './revoked-keys.channel';

/**
 * Global guards, in order: authenticate the API key and check its scope, then rate-limit per key,
 * then refuse a body that could not be read (which waits until the caller is known); and
 * revocations told to every API process.
 */
@Module({})
export class AuthModule {
  /** `keys`: the module that exports the ApiKeyAuthenticator (the API-keys module). */
  static forRoot(config: AppConfig, keys: Type): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        keys,
        RedisThrottlerStorageModule,
        // Counted in Redis, so every API instance behind a load balancer shares the one limit.
        ThrottlerModule.forRootAsync({
          imports: [RedisThrottlerStorageModule],
          inject: [RedisThrottlerStorage],
          useFactory: (storage: RedisThrottlerStorage) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: config.http.rateLimitPerMinute }],
            storage,
          }),
        }),
      ],
      providers: [
        AuthFailureLimiter,
        RevokedKeysChannel,
        ApiKeyGuard,
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_GUARD, useClass: BodyProblemGuard },
        { provide: APP_GUARD, useClass: UnreadQueryGuard },
      ],
      // The documentation routes, which Fastify serves outside Nest's guards, are admitted by it too.
      exports: [ApiKeyGuard],
    };
  }
}
