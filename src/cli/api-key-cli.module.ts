import { Module, type DynamicModule } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { DatabaseModule } from '../database/database.module';

/**
 * Just enough of the service for `sgdoctor api-key`: config, PostgreSQL (migrated), API keys.
 * One connection attempt: a command fails at once rather than retrying like a server would.
 */
@Module({})
export class ApiKeyCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiKeyCliModule,
      imports: [AppConfigModule.forRoot(config), DatabaseModule.forRoot(config.database, { retryAttempts: 0 }), ApiKeysModule],
    };
  }
}
