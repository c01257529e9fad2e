import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import { UnsupportedContentCodingError } from '../errors/unsupported-content-coding.error';
import { UnsupportedMediaTypeError } from '../errors/unsupported-media-type.error';

/** The one media type a request body may have. */
const JSON_MEDIA_TYPE = 'application/json';

/** Methods whose body Fastify never reads (it ignores one, whatever its type). */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE']);

/** Whether the request carries a body that would be read (one of any length but zero, or chunked). */
function hasBody(request: FastifyRequest): boolean {
  if (BODYLESS_METHODS.has(request.method)) return false;
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  return chunked !== undefined || (length !== undefined && length !== '0');
}

/**
 * The content coding a body declares, when it is one: `identity` (in any letter case) and an
 * empty header say there is none.
 */
function contentCodingOf(request: FastifyRequest): string | undefined {
  const coding = request.headers['content-encoding']?.trim();
  return coding && coding.toLowerCase() !== 'identity' ? coding : undefined;
}

/**
 * Every route that takes a body takes JSON: a body of any other media type is refused with 415
 * before a parser reads it, where Fastify's text parser (and Nest's form parser) would hand the
 * handler a string or form fields for validation to call missing. A request without a body (or
 * a GET's, which is never read) passes whatever its Content-Type says; an unknown route stays a 404.
 * Nothing decodes a body, so one that declares a content coding (gzip, br …) is refused with 415
 * and `Accept-Encoding: identity` (RFC 7694): read as it is, it would be taken for JSON that a
 * proxy or firewall decoding the declared coding never saw.
 */
export function refuseBodiesOtherThanJson(instance: FastifyInstance): void {
  instance.addHook('preParsing', async (request, reply, payload) => {
    if (request.is404 || !hasBody(request)) return payload;
    const mediaType = request.headers['content-type']?.split(';', 1)[0].trim().toLowerCase();
    if (mediaType !== JSON_MEDIA_TYPE) throw new UnsupportedMediaTypeError(mediaType || undefined);
    const coding = contentCodingOf(request);
    if (coding !== undefined) {
      void reply.header('accept-encoding', 'identity');
      throw new UnsupportedContentCodingError(coding);
    }
    return payload;
  });
}

/** Decodes UTF-8 and refuses what is not: a byte sequence that is no character throws. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSON bodies read as UTF-8 that must be valid (RFC 8259 §8.1: JSON text exchanged between
 * systems is UTF-8): a byte sequence that is no character is a 400, where a lenient decoding
 * would store U+FFFD in its place and answer later with text other than the one sent — as a lone
 * surrogate would (`findHostileInput`). The text then goes to Fastify's own JSON parser, with
 * its refusal of `__proto__` and `constructor.prototype` keys.
 */
export function readJsonBodiesAsStrictUtf8(app: NestFastifyApplication): void {
  const instance = app.getHttpAdapter().getInstance();
  const { bodyLimit, onProtoPoisoning, onConstructorPoisoning } = instance.initialConfig;
  const parseJson = instance.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.useBodyParser<RawServerDefault>(JSON_MEDIA_TYPE, { bodyLimit }, (request, body, done) => {
    let text: string;
    try {
      text = STRICT_UTF8.decode(body);
    } catch {
      done(
        new BadRequestException('Body is not valid UTF-8: JSON text is UTF-8 (RFC 8259), and a byte sequence in it is no character'),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });
}
