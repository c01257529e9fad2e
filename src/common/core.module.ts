import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { DatabaseModule, type DatabaseModuleOptions } from '../database/database.module';
import { QueuesModule } from '../queues/queues.module';
import { LoggingModule } from './logging/logging.module';

export interface CoreModuleOptions extends DatabaseModuleOptions {
  config: AppConfig;
}

/** What both processes need: validated config, logging, PostgreSQL, and the BullMQ queues. */
@Module({})
export class CoreModule {
  static forRoot({ config, ...database }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        DatabaseModule.forRoot(config.database, database),
        QueuesModule.forRoot(config),
      ],
    };
  }
}
