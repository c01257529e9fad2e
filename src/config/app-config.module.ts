import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './app-config';

/**
 * Makes the validated AppConfig available everywhere as `ConfigService<AppConfig, true>`.
 * The config is validated (zod) before Nest starts, so the process stops with a readable
 * message; this module never re-reads process.env, which keeps test apps isolated.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): Promise<DynamicModule> {
    return ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      ignoreEnvFile: true,
      ignoreEnvVars: true,
      skipProcessEnv: true,
      load: [() => ({ ...config })],
    });
  }
}
