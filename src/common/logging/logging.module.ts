import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import { REDACTED_PATHS, redactUrlCredentials, redactUrlCredentialsDeep } from './redact';
import { AccessLogService } from './access-log.service';
import { assignRequestId } from './request-id';

/**
 * Structured JSON logs (pino). Within a request every line carries `reqId`; credentials in
 * headers, known secret fields and passwords inside URLs are redacted. Each finished request
 * gets one completion line from AccessLogService (pino-http's own is off: on Fastify it cannot
 * see the status code or the route).
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      providers: [AccessLogService],
      imports: [
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            base: { service: 'sgdoctor', pid: process.pid },
            redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
            genReqId: (req) => assignRequestId(req as IncomingMessage & { id?: string }),
            quietReqLogger: true,
            autoLogging: false,
            customAttributeKeys: { reqId: 'reqId' },
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
