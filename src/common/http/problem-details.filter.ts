import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors/app.error';
import { unavailableDependencyOf } from '../errors/dependency-failure.util';
import { DEPENDENCY_RETRY_AFTER_SECONDS, DependencyUnavailableError } from '../errors/dependency-unavailable.error';
import { ERROR_STATUS, ERROR_TITLE, ErrorCode } from '../errors/error-code';
import { redactUrlCredentials } from '../logging/redact';
import { REQUEST_ID_HEADER } from '../logging/request-id';
import { allowedMethodsAt, allowedMethodsOn } from './allowed-methods';
import { BODY_PROBLEM, hasBody, type RequestWithBodyProblem } from './json-body.parser';
import { PROBLEM_CONTENT_TYPE, problemTypeFor, type ProblemDetails } from './problem-details';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  414: ErrorCode.UriTooLong,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.DependencyUnavailable,
};

interface Classified {
  status: number;
  code: ErrorCode;
  detail: string;
  extensions: Record<string, unknown>;
  /** Response headers the status calls for (`Allow` with a 405); a list is sent as one header line each. */
  headers?: Record<string, string | readonly string[]>;
}

/**
 * The one place errors become HTTP responses: AppErrors by code, Nest HttpExceptions and
 * Fastify's own errors (body too large, bad JSON) by status, a request no route takes 404 or 405
 * (see unmatchedRoute), PostgreSQL or Redis connection failures 503 naming the dependency,
 * anything else 500. Every response is application/problem+json; every 503 carries Retry-After.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendExceptionProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

const logger = new Logger(ProblemDetailsFilter.name);

/**
 * Answers `exception` as ProblemDetailsFilter does, for a request answered outside Nest's
 * handlers (a Fastify hook); `headers` are added to those its status calls for.
 */
export function sendExceptionProblem(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  headers?: Record<string, string | readonly string[]>,
): void {
  const classified = classify(exception, request);
  if (classified.status >= 500) {
    logger.error({ err: exception, code: classified.code }, classified.detail);
  }
  sendProblem(request, reply, headers ? { ...classified, headers: { ...classified.headers, ...headers } } : classified);
}

function classify(exception: unknown, request: FastifyRequest | undefined): Classified {
  if (exception instanceof AppError) {
    return { status: ERROR_STATUS[exception.code], code: exception.code, detail: exception.message, extensions: exception.details };
  }
  if (exception instanceof HttpException) {
    return classifyHttpException(exception, request);
  }
  // PostgreSQL or Redis went away under the request: a 503 naming it, not a 500.
  const dependency = unavailableDependencyOf(exception);
  if (dependency) {
    const unavailable = new DependencyUnavailableError(dependency);
    return { status: 503, code: unavailable.code, detail: unavailable.message, extensions: unavailable.details };
  }
  const fastifyStatus = fastifyClientErrorStatus(exception);
  if (fastifyStatus !== undefined) {
    const code = CODE_BY_STATUS[fastifyStatus] ?? ErrorCode.BadRequest;
    return { status: fastifyStatus, code, detail: (exception as Error).message, extensions: {} };
  }
  return { status: 500, code: ErrorCode.Internal, detail: 'An unexpected error occurred.', extensions: {} };
}

function classifyHttpException(exception: HttpException, request: FastifyRequest | undefined): Classified {
  const status = exception.getStatus();
  if (status === 404 && isUnmatchedRoute(request)) return unmatchedRoute(request);
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
  const detail = status >= 500 ? ERROR_TITLE[code] : httpExceptionMessage(exception);
  return { status, code, detail, extensions: {} };
}

/**
 * Fastify's router answers a malformed URL (400) and an over-long path parameter (414) before any
 * hook or Nest handler runs, in its own JSON: this gives them the problem+json shape too.
 * Passed to Fastify as `frameworkErrors`.
 */
export function sendFrameworkError(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.header(REQUEST_ID_HEADER, request.id);
  sendProblem(request, reply, { status, code: CODE_BY_STATUS[status] ?? ErrorCode.BadRequest, detail: error.message, extensions: {} });
}

const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    ErrorCode.HeadersTooLarge,
    'The request line and headers are over the server limit (16 KiB); a long query string counts.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [ErrorCode.RequestTimeout, 'The request was not received in time.'],
};

/**
 * Errors Node's HTTP parser raises before there is a request to route (a request line and
 * headers over the limit, bytes that are not HTTP, a client too slow): written to the socket as
 * problem+json, where Fastify's default handler would write its own JSON shape.
 */
export function sendClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [ErrorCode.BadRequest, 'The request is not valid HTTP/1.1.'];
  // A request timed out while its answer is already being written (a route that answered before
  // the body ended): another status line would corrupt that answer, so the connection just ends.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!inFlight?.headersSent) writeProblem(socket, code, detail);
  socket.destroy(error);
}

/**
 * A CONNECT, which Node hands over as a bare socket (and, without a listener, closes without a
 * word): answered as any method no route takes (405 naming the methods its path takes, else
 * 404), and the connection closed. The API is no proxy: nothing is ever tunnelled.
 */
export function answerConnect(server: FastifyInstance, request: IncomingMessage, socket: Duplex): void {
  const url = request.url ?? '';
  const shown = redactUrlCredentials(url).slice(0, 200);
  const allowed = url.startsWith('/') ? allowedMethodsOn(server, url) : [];
  if (allowed.length > 0) {
    const methods = allowed.join(', ');
    writeProblem(socket, ErrorCode.MethodNotAllowed, `CONNECT ${shown.split('?', 1)[0]} is not allowed: the path takes ${methods}.`, {
      allow: methods,
    });
  } else {
    writeProblem(socket, ErrorCode.RouteNotFound, `No route matches CONNECT ${shown}`);
  }
  socket.destroy();
}

/**
 * An `Expect` other than 100-continue, which Node would refuse with a bare 417: the same status
 * as problem+json (RFC 9110 §10.1.1), the connection closed since the body was not read.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const expectation = String(request.headers.expect ?? '').slice(0, 100);
  const code = ErrorCode.ExpectationFailed;
  const status = ERROR_STATUS[code];
  const detail = `The expectation ${JSON.stringify(expectation)} cannot be met; the API meets 100-continue only.`;
  const body = JSON.stringify({ type: problemTypeFor(code), title: ERROR_TITLE[code], status, detail, code } satisfies ProblemDetails);
  response.shouldKeepAlive = false;
  response
    .writeHead(status, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-content-type-options': 'nosniff',
      connection: 'close',
    })
    .end(body);
}

/** A problem+json answer written to a socket no Fastify reply holds, ending the connection. */
function writeProblem(socket: Duplex, code: ErrorCode, detail: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) return;
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ type: problemTypeFor(code), title: ERROR_TITLE[code], status, detail, code } satisfies ProblemDetails);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/**
 * A request no route takes: 405 with `Allow` when routes take other methods at its path (RFC 9110
 * §15.5.6), else 404. Routing comes before authentication, so both answer with or without a key:
 * a caller without one learns nothing it could not learn before, method by method, from 404 and
 * 401. OPTIONS is such a method too (no route takes it: the API serves no CORS preflights), so
 * OPTIONS of a path the API has says what the path takes the same way.
 */
function unmatchedRoute(request: FastifyRequest): Classified {
  const allowed = allowedMethodsAt(request);
  if (allowed.length === 0) {
    return {
      status: 404,
      code: ErrorCode.RouteNotFound,
      detail: `No route matches ${request.method} ${instanceOf(request) ?? ''}`.trim(),
      extensions: {},
    };
  }
  const methods = allowed.join(', ');
  return {
    status: 405,
    code: ErrorCode.MethodNotAllowed,
    detail: `${request.method} ${request.url.split('?', 1)[0]} is not allowed: the path takes ${methods}.`,
    extensions: {},
    headers: { allow: methods },
  };
}

function sendProblem(
  request: FastifyRequest | undefined,
  reply: FastifyReply,
  { status, code, detail, extensions, headers }: Classified,
): void {
  const standard: ProblemDetails = {
    type: problemTypeFor(code),
    title: ERROR_TITLE[code],
    status,
    detail,
    instance: instanceOf(request),
    code,
    requestId: request?.id,
  };
  // A member an error adds under a standard name (an analysis's `status`) must not replace the
  // HTTP status or the code a client branches on.
  const added = Object.entries(extensions).filter(([name]) => !(name in standard));
  const problem: ProblemDetails = { ...standard, ...Object.fromEntries(added) };
  if (reply.sent) {
    return;
  }
  const retryAfter =
    typeof extensions.retryAfterSeconds === 'number' ? extensions.retryAfterSeconds : status === 503 ? DEPENDENCY_RETRY_AFTER_SECONDS : 0;
  if (retryAfter > 0) void reply.header('retry-after', String(Math.ceil(retryAfter)));
  // RFC 9110 §11.6.1: a 401 names the scheme that would authenticate (the key as a bearer token).
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="sgdoctor"');
  if (closesConnection(request, status)) void reply.header('connection', 'close');
  for (const [name, value] of Object.entries(headers ?? {})) void reply.header(name, value);
  void reply.status(status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/**
 * Whether the answer ends the connection. The rest of a body left unread is never read. And a
 * request with a body refused before its body is judged (no valid key: 401; too many failed keys
 * or requests: 429) is answered the same whatever that body was, its connection closed whether the
 * body was read or left unread: otherwise the header alone would tell a caller without a key
 * which bodies are refused unread (another media type, a content coding, past the size limit).
 */
function closesConnection(request: FastifyRequest | undefined, status: number): boolean {
  if (!request) return false;
  if ((request as RequestWithBodyProblem)[BODY_PROBLEM]?.leftUnread) return true;
  return (status === 401 || status === 429) && hasBody(request);
}

/**
 * The request's URL as the problem's `instance`, with a credential sent in the query string
 * (`?api_key=…`, which is never accepted) redacted as in the logs: clients and proxies keep
 * error bodies, and a key must not land there in clear.
 */
function instanceOf(request: FastifyRequest | undefined): string | undefined {
  return request?.url === undefined ? undefined : redactUrlCredentials(request.url);
}

/** Fastify marks its client errors (FST_ERR_CTP_BODY_TOO_LARGE, JSON syntax …) with statusCode. */
function fastifyClientErrorStatus(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const statusCode = (exception as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}

function isUnmatchedRoute(request: FastifyRequest | undefined): request is FastifyRequest {
  return request !== undefined && !request.routeOptions?.url;
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
