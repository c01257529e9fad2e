import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../../config/app-config';
import { assignRequestId } from '../logging/request-id';
import { sendClientError, sendFrameworkError } from './problem-details.filter';

/** The Fastify adapter with sgdoctor's body limit, proxy trust, request ids and router and parser errors as problem+json. */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
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
