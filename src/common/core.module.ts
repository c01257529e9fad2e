import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/app-config.module';
import { DatabaseModule, type DatabaseModuleOptions } from '../database/database.module';
import { QueuesModule } from '../queues/queues.module';
import { Clock } from './clock/clock';
import { ClockModule } from './clock/clock.module';
import { LoggingModule } from './logging/logging.module';

export interface CoreModuleOptions extends DatabaseModuleOptions {
  config: AppConfig;
  /** The process's clock; the system clock unless a test or simulation pins time. */
  clock?: Clock;
}

/** What both processes need: the clock, validated config, logging, PostgreSQL, and the BullMQ queues. */
@Module({})
export class CoreModule {
  static forRoot({ config, clock, ...database }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ClockModule.forRoot(clock),
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        DatabaseModule.forRoot(config.database, database),
        QueuesModule.forRoot(config),
      ],
    };
  }
}
