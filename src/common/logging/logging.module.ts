import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import { REDACTED_PATHS, redactUrlCredentials, redactUrlCredentialsDeep } from './redact';
import { AccessLogService } from './access-log.service';
import { requestLogFields } from './request-context';

/**
 * Structured JSON logs (pino). Within a request every line carries `reqId` (from the request
 * context AccessLogService opens for each request, added by the logger's mixin when a line is
 * written); credentials in headers, known secret fields and passwords inside URLs are redacted.
 * Each finished request gets one completion line from AccessLogService. pino-http's middleware
 * is not mounted (`forRoutes: []`): it made two child loggers per request, whatever the level,
 * and on Fastify its own completion line cannot see the status code or the route.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      providers: [AccessLogService],
      imports: [
        LoggerModule.forRoot({
          forRoutes: [],
          pinoHttp: {
            level: config.logLevel,
            base: { service: 'sgdoctor', pid: process.pid },
            redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
            mixin: requestLogFields,
            autoLogging: false,
            formatters: { log: (object) => redactUrlCredentialsDeep(object) },
            hooks: {
              logMethod(args, method) {
                method.apply(
                  this,
                  args.map((arg) => (typeof arg === 'string' ? redactUrlCredentials(arg) : arg)) as Parameters<typeof method>,
                );
              },
            },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrlCredentials(req.url),
              }),
            },
          },
        }),
      ],
    };
  }
}
