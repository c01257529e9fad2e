import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import type { AppConfig } from '../config/app-config';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
import { ApiKeyGuard } from './api-key.guard';

/** Global guards, in order: authenticate the API key and check its scope, then rate-limit per key. */
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ApiKeysModule,
        ThrottlerModule.forRoot({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.http.rateLimitPerMinute }] }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
      ],
    };
  }
}
