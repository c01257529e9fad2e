import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { holdsApiKey } from '../../api-keys/api-key-secret';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: the caller's `x-request-id` when it is sane and holds no API key (it is logged
 * and sent back), else a new UUID. Stored on the raw
 * request so Fastify (request.id), pino-http (every log line) and problem documents share it.
 */
export function assignRequestId(raw: IncomingMessage & { id?: string }): string {
  if (raw.id) return raw.id;
  const offered = raw.headers[REQUEST_ID_HEADER];
  const id = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) && !holdsApiKey(offered) ? offered : randomUUID();
  raw.id = id;
  return id;
}
