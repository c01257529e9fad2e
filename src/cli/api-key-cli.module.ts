import { Module, type DynamicModule } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ClockModule } from '../common/clock/clock.module';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { DatabaseModule } from '../database/database.module';

/**
 * Just enough of the service for `sgdoctor api-key`: clock, config, PostgreSQL (migrated), API keys.
 * One connection attempt: a command fails at once rather than retrying like a server would.
 */
@Module({})
export class ApiKeyCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiKeyCliModule,
      imports: [
        ClockModule.forRoot(),
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config.database, { retryAttempts: 0 }),
        ApiKeysModule,
      ],
    };
  }
}
