import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Level } from 'pino';
import { redactUrlCredentials } from './redact';
import { requestContext } from './request-context';

/** The level of a request's completion line: server errors stand out, client errors are warnings. */
export function accessLogLevel(statusCode: number): Extract<Level, 'error' | 'warn' | 'info'> {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return 'info';
}

/**
 * One line per finished HTTP request, written from Fastify's onResponse hook, where the final
 * status code, the matched route template and the elapsed time are all known:
 * `{"reqId", "method", "url", "route", "statusCode", "responseTime", "msg": "request completed"}`,
 * `responseTime` in milliseconds, `route` the template (null when no route matched). Flat keys:
 * pino-http's `req`/`res` serializers expect Node's objects, not these values.
 * A process without an HTTP server (the worker) registers nothing.
 */
@Injectable()
export class AccessLogService implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // The request context for the lines the handler writes: from preHandler on, after the body
    // is read (a stream's events would not carry a context opened before), so guards, pipes,
    // the handler and the exception filter all run in it.
    fastify.addHook('preHandler', (request, _reply, done) => requestContext.run(request.id, done));
    fastify.addHook('onResponse', (request, reply, done) => {
      this.write(request, reply);
      done();
    });
  }

  private write(request: FastifyRequest, reply: FastifyReply): void {
    const logger = PinoLogger.root;
    if (!logger) return;
    const statusCode = reply.statusCode;
    const level = accessLogLevel(statusCode);
    // Nothing is built for a line the level drops.
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        reqId: request.id,
        method: request.method,
        url: redactUrlCredentials(request.url),
        route: request.routeOptions.url ?? null,
        statusCode,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  }
}
