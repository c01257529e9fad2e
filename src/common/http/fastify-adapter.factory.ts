import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../../config/app-config';
import { assignRequestId } from '../logging/request-id';

/** The Fastify adapter with sgdoctor's body limit, proxy trust and request ids. */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: (raw: IncomingMessage) => assignRequestId(raw as IncomingMessage & { id?: string }),
    logger: false,
  });
}
