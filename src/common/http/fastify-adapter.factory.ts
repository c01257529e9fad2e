import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../../config/app-config';
import { assignRequestId } from '../logging/request-id';
import { readJsonBodiesOnly } from './json-body.parser';
import { sendClientError, sendFrameworkError } from './problem-details.filter';

/**
 * Nest's FastifyAdapter, installing readJsonBodiesOnly where Nest asks an adapter for its body
 * parsers (at app start) instead of Nest's JSON and form parsers: every app built on it (the API,
 * the demo, the tests) reads bodies the same way.
 */
class JsonBodiesAdapter extends FastifyAdapter {
  override registerParserMiddleware(): void {
    readJsonBodiesOnly(this.getInstance());
  }
}

/**
 * The Fastify adapter with sgdoctor's body limit and body reader, proxy trust, request ids and
 * router and parser errors as problem+json.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new JsonBodiesAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: (raw: IncomingMessage) => assignRequestId(raw as IncomingMessage & { id?: string }),
    logger: false,
    // A malformed URL or an over-long path parameter, refused by the router itself.
    frameworkErrors: sendFrameworkError,
    // What Node's HTTP parser refuses before routing (a head over 16 KiB, bytes that are not HTTP).
    clientErrorHandler: sendClientError,
  });
}
