import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppConfig } from '../../config/app-config';
import { assignRequestId } from '../logging/request-id';
import { readJsonBodiesOnly } from './json-body.parser';
import { answerConnect, answerUnmetExpectation, sendClientError, sendFrameworkError } from './problem-details.filter';

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
 * Node's deadlines for receiving a request. Fastify leaves `requestTimeout` off, so a client that
 * sends its head and then trickles its body a byte at a time (or never ends a chunked one) would
 * hold its connection, and the memory read so far, for good: with it, the whole request must
 * arrive within `requestTimeoutMs` (the handler's own time does not count) or the connection gets
 * a 408 and is closed. The head's deadline may not exceed it (Node refuses that), and the
 * connections are checked often enough for the deadline to hold within a quarter of itself.
 */
export function requestDeadlines(requestTimeoutMs: number): {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(NODE_HEADERS_TIMEOUT_MS, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(NODE_CONNECTIONS_CHECKING_INTERVAL_MS, Math.max(100, Math.floor(requestTimeoutMs / 4))),
  };
}

/** Node's defaults, kept when the request deadline allows. */
const NODE_HEADERS_TIMEOUT_MS = 60_000;
const NODE_CONNECTIONS_CHECKING_INTERVAL_MS = 30_000;

/**
 * The Fastify adapter with sgdoctor's body limit and body reader, request deadline, proxy trust,
 * request ids and router and parser errors as problem+json.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  const deadlines = requestDeadlines(config.http.requestTimeoutMs);
  const adapter = new JsonBodiesAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // Fastify sets the server's requestTimeout from its own option, after creating it with `http`.
    requestTimeout: deadlines.requestTimeout,
    // A request without Host goes on to the API's own check (configureHttpApp), which answers it
    // in problem+json; Node would write a bare 400.
    http: { ...deadlines, requireHostHeader: false },
    trustProxy: config.http.trustProxy,
    genReqId: (raw: IncomingMessage) => assignRequestId(raw as IncomingMessage & { id?: string }),
    logger: false,
    // A malformed URL or an over-long path parameter, refused by the router itself.
    frameworkErrors: sendFrameworkError,
    // What Node's HTTP parser refuses before routing (a head over 16 KiB, bytes that are not HTTP).
    clientErrorHandler: sendClientError,
  });
  // What Node answers itself, bare or not at all, unless the server listens for it.
  const instance = adapter.getInstance();
  instance.server.on('connect', (request: IncomingMessage, socket: Duplex) => answerConnect(instance, request, socket));
  instance.server.on('checkExpectation', answerUnmetExpectation);
  return adapter;
}
