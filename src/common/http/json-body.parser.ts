import { BadRequestException } from '@nestjs/common';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { PayloadTooLargeError } from '../errors/payload-too-large.error';
import { UnsupportedCharsetError } from '../errors/unsupported-charset.error';
import { UnsupportedContentCodingError } from '../errors/unsupported-content-coding.error';
import { UnsupportedMediaTypeError } from '../errors/unsupported-media-type.error';

/** The one media type a request body may have. */
const JSON_MEDIA_TYPE = 'application/json';

/** The request property where the body reader leaves what it found wrong with a body. */
export const BODY_PROBLEM = 'sgdoctorBodyProblem';

/** A body the reader refused, and what answering it needs. */
export interface BodyProblem {
  error: Error;
  /** Response headers the answer carries (`Accept-Encoding: identity` with a refused content coding). */
  headers?: Record<string, string>;
  /** The body was not read to its end: the connection closes after the answer, so none of the rest is read. */
  leftUnread: boolean;
}

export type RequestWithBodyProblem = { [BODY_PROBLEM]?: BodyProblem };

/** Fastify's own default, for an instance built without one. */
const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Installs the one reader of request bodies, in place of Fastify's and Nest's parsers: a body is
 * JSON in UTF-8, without a content coding, at most HTTP_BODY_LIMIT_BYTES long. Any other is
 * refused — of another media type, declared in another charset or in a content coding 415 (where Fastify's text parser and
 * Nest's form parser would hand the handler a string or form fields for validation to call
 * missing), past the limit 413 (and read no further), not UTF-8 or not JSON 400 — but not at once:
 * the refusal is left on the request (BODY_PROBLEM) and BodyProblemGuard answers it after the API
 * key is checked, so a caller without a valid key gets 401 whatever it sent, and learns nothing of
 * how its body was judged.
 */
export function readJsonBodiesOnly(instance: FastifyInstance): void {
  const { bodyLimit = DEFAULT_BODY_LIMIT, onProtoPoisoning, onConstructorPoisoning } = instance.initialConfig;
  const parseJson = instance.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (request: FastifyRequest, payload: Readable) => readBody(request, payload, bodyLimit, parseJson));
  hideUnparsableContentTypes(instance);
}

/**
 * The body as JSON, or undefined when the request has none or it was refused (see
 * readJsonBodiesOnly). Nothing decodes a body, so one that declares a content coding (gzip, br …)
 * is refused (RFC 7694): read as it is, it would be taken for JSON that a proxy or firewall
 * decoding the declared coding never saw.
 */
async function readBody(request: FastifyRequest, payload: Readable, limit: number, parseJson: FastifyBodyParser<string>): Promise<unknown> {
  const mediaType = declaredMediaTypeOf(request);
  if (mediaType !== JSON_MEDIA_TYPE) {
    // A request without a body passes whatever its Content-Type says.
    return hasBody(request) ? leaveUnread(request, new UnsupportedMediaTypeError(mediaType || undefined)) : undefined;
  }
  const charset = declaredCharsetOf(request);
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return leaveUnread(request, new UnsupportedCharsetError(charset));
  const coding = contentCodingOf(request);
  if (coding !== undefined) return leaveUnread(request, new UnsupportedContentCodingError(coding), { 'accept-encoding': 'identity' });
  if (Number(request.headers['content-length']) > limit) return leaveUnread(request, new PayloadTooLargeError(limit));
  const bytes = await readUpTo(payload, limit);
  if (bytes === undefined) return leaveUnread(request, new PayloadTooLargeError(limit));
  return parseStrictJson(request, bytes, parseJson);
}

/** Whether the request carries a body (one of any length but zero, or chunked). */
export function hasBody(request: FastifyRequest): boolean {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  return chunked !== undefined || (length !== undefined && length !== '0');
}

/** The media type the request declares, in lower case, as sent (even one hideUnparsableContentTypes hid); '' for none. */
function declaredMediaTypeOf(request: FastifyRequest): string {
  return request.raw.headers['content-type']?.split(';', 1)[0].trim().toLowerCase() ?? '';
}

/**
 * The charset parameter of the Content-Type, as sent (quotes taken off), when there is one: the
 * parameter's name in any letter case (RFC 9110 §8.3.1).
 */
function declaredCharsetOf(request: FastifyRequest): string | undefined {
  const parameters = request.raw.headers['content-type']?.split(';').slice(1) ?? [];
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const value = parameter.slice(equals + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

/**
 * The content coding a body declares, when it is one: `identity` (in any letter case) and an
 * empty header say there is none.
 */
function contentCodingOf(request: FastifyRequest): string | undefined {
  const coding = request.headers['content-encoding']?.trim();
  return coding && coding.toLowerCase() !== 'identity' ? coding : undefined;
}

function leaveUnread(request: FastifyRequest, error: Error, headers?: Record<string, string>): undefined {
  refuse(request, { error, headers, leftUnread: true });
  return undefined;
}

function refuse(request: FastifyRequest, problem: BodyProblem): void {
  (request as FastifyRequest & RequestWithBodyProblem)[BODY_PROBLEM] = problem;
}

/** The body's bytes, or undefined as soon as they pass `limit`: nothing more is read then. */
function readUpTo(payload: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = () => {
      payload.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        stop();
        payload.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    payload.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Decodes UTF-8 and refuses what is not: a byte sequence that is no character throws. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSON read as UTF-8 that must be valid (RFC 8259 §8.1: JSON text exchanged between systems is
 * UTF-8): a byte sequence that is no character is refused, where a lenient decoding would store
 * U+FFFD in its place and answer later with text other than the one sent — as a lone surrogate
 * would (`findHostileInput`). The text then goes to Fastify's own JSON parser, with its refusal
 * of `__proto__` and `constructor.prototype` keys.
 */
function parseStrictJson(request: FastifyRequest, bytes: Buffer, parseJson: FastifyBodyParser<string>): Promise<unknown> {
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    refuse(request, {
      error: new BadRequestException('Body is not valid UTF-8: JSON text is UTF-8 (RFC 8259), and a byte sequence in it is no character'),
      leftUnread: false,
    });
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    void parseJson(request, text, (error, body) => {
      if (error) refuse(request, { error: forbiddenKeyError(text) ?? error, leftUnread: false });
      resolve(error ? undefined : body);
    });
  });
}

/**
 * Fastify refuses a Content-Type that is no media type at all (`garbage`) with 415 before any
 * guard runs. Hidden from Fastify, it reaches readBody like any other, which refuses a body
 * declared so (after authentication) and lets a request without one pass.
 */
function hideUnparsableContentTypes(instance: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and needs no promise.
  instance.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.headers['content-type'] !== undefined && request.mediaType === undefined) request.headers = { 'content-type': undefined };
    done(null, payload);
  });
}

/**
 * Fastify's parser refuses JSON holding a `__proto__` or `constructor.prototype` key with the
 * same words as JSON that does not parse. When the text is JSON, that key is what was refused:
 * the answer names it, so the caller is not sent looking for a syntax error.
 */
function forbiddenKeyError(text: string): BadRequestException | undefined {
  let forbidden: string | undefined;
  try {
    JSON.parse(text, function (key: string, value: unknown) {
      if (key === '__proto__') forbidden ??= '__proto__';
      else if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
        forbidden ??= 'constructor.prototype';
      return value;
    });
  } catch {
    return undefined;
  }
  return forbidden === undefined
    ? undefined
    : new BadRequestException(`Body has a ${forbidden} key: keys that could change an object's prototype are refused`);
}
