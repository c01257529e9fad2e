import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/** The content codings a rendered JSON body may be sent in. */
export type ContentCoding = 'gzip' | 'identity';

/** A body and the coding it is in, as the response sends it (`Content-Encoding` unless identity). */
export interface CodedBody {
  body: Buffer;
  coding: ContentCoding;
}

/** Bodies shorter than this are always sent as they are: gzip would save less than its own framing and the client's work. */
export const MIN_GZIP_BYTES = 1024;

/** Ours first: between codings of equal weight, gzip (whatever order the client wrote them in). */
const OFFERED: ContentCoding[] = ['gzip', 'identity'];

/** negotiator 1.x breaks ties by the server's order when given `preferred`; its published types predate the option. */
interface EncodingNegotiator {
  encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined;
}

/**
 * The coding to send a body in for the request's `Accept-Encoding` (RFC 9110 §12.5.3): gzip when
 * the client accepts it at least as much as identity, else identity. When neither is acceptable
 * (`identity;q=0` alone), the header is disregarded and the body is sent as it is.
 */
export function acceptedCodingOf(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const known = negotiated.get(acceptEncoding);
  if (known !== undefined) return known;
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }) as unknown as EncodingNegotiator;
  const coding = negotiator.encoding(OFFERED, { preferred: OFFERED }) === 'gzip' ? 'gzip' : 'identity';
  if (negotiated.size >= MAX_NEGOTIATED) negotiated.clear();
  negotiated.set(acceptEncoding, coding);
  return coding;
}

/**
 * The codings negotiated for `Accept-Encoding` values seen (clients send one of a few, the same
 * on every request): parsing the header costs more than the rest of choosing. Past
 * MAX_NEGOTIATED values they are forgotten.
 */
const negotiated = new Map<string, ContentCoding>();
const MAX_NEGOTIATED = 256;

/** The coding the request's `Accept-Encoding` asks for (acceptedCodingOf), as a handler's parameter. */
export const AcceptedCoding = createParamDecorator((_data: unknown, context: ExecutionContext): ContentCoding =>
  acceptedCodingOf(context.switchToHttp().getRequest<FastifyRequest>().headers['accept-encoding']),
);

const gzipAsync = promisify(gzip);

/** `body` gzip-compressed (on libuv's thread pool, not the event loop). */
export function gzipped(body: Buffer): Promise<Buffer> {
  return gzipAsync(body);
}

/** Whether `body` goes gzip-compressed in `coding`: when that is gzip and the body is long enough to gain from it. */
export function gzipWanted(body: Buffer, coding: ContentCoding): boolean {
  return coding === 'gzip' && body.length >= MIN_GZIP_BYTES;
}

/** `body` in `coding` when gzipWanted, else as it is. */
export async function codedAs(body: Buffer, coding: ContentCoding): Promise<CodedBody> {
  if (!gzipWanted(body, coding)) return { body, coding: 'identity' };
  return { body: await gzipped(body), coding: 'gzip' };
}

/**
 * Sends a coded body on `reply` with the headers it needs (`Content-Encoding` when gzip; `Vary:
 * Accept-Encoding` either way, so a shared cache keeps one representation per coding). For a
 * handler that takes the reply with `@Res()` and answers itself: NestJS then neither inspects the
 * returned body (whether it is a plain object, a stream, a web Response) nor sends it.
 */
export function sendCoded(reply: FastifyReply, { body, coding }: CodedBody): void {
  void reply.header('vary', 'accept-encoding');
  if (coding === 'gzip') void reply.header('content-encoding', 'gzip');
  void reply.send(body);
}
