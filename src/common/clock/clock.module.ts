import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** Provides the one Clock to every module of a process; tests hand in their own. */
@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ClockModule,
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}
