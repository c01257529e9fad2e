import type { LookupAddress, LookupOptions } from 'node:dns';
import { performance } from 'node:perf_hooks';
import type { Agent } from 'undici';
import type { ConnectionOptions } from 'node:tls';
import { DeliveryConnectionError, DeliveryError, DeliveryTimeoutError, ResponseTooLargeError } from './delivery.errors';
import { CheckedDestination, SsrfGuard } from './ssrf-guard';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SafeHttpRequest {
  url: string | URL;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * A body longer than maxResponseBytes: 'fail' (the default) throws ResponseTooLargeError, for
   * callers that need the whole answer; 'truncate' returns its first maxResponseBytes, for
   * callers that act on the status alone and must not turn an answered request into a failure.
   * With 'truncate' a body that stalls, outlasts the deadline or breaks off after the status
   * arrived is likewise returned as far as it was read.
   */
  oversizedBody?: 'fail' | 'truncate';
}

export interface SafeHttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /**
   * The body was not read to its end: it was longer than maxResponseBytes, or (with oversizedBody
   * 'truncate') it stalled, outlasted the deadline or broke off; `body` holds what was read.
   */
  bodyTruncated: boolean;
  durationMs: number;
  /** The address the connection was pinned to. */
  remoteAddress: string;
}

export interface SafeHttpClientOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Deadline for the whole exchange, whatever the phase. */
  totalTimeoutMs?: number;
  maxResponseBytes?: number;
  userAgent?: string;
  /** Extra trust anchors, for receivers behind a private CA. */
  ca?: ConnectionOptions['ca'];
}

const DEFAULTS = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024,
  userAgent: 'sgdoctor',
} as const;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The only way sgdoctor talks to URLs that users configure. Every request is checked by the
 * SSRF guard, connects to the address the guard approved (never resolving the name again),
 * does not follow redirects (a 3xx is returned as it is), and is bounded in time and size.
 */
export class SafeHttpClient {
  private readonly settings: Required<Omit<SafeHttpClientOptions, 'ca'>> & Pick<SafeHttpClientOptions, 'ca'>;

  constructor(
    private readonly guard: SsrfGuard,
    options: SafeHttpClientOptions = {},
  ) {
    this.settings = { ...DEFAULTS, ...stripUndefined(options) };
  }

  async request(req: SafeHttpRequest): Promise<SafeHttpResponse> {
    const started = performance.now();
    const controller = new AbortController();
    // The deadline starts before the name is resolved: a DNS server that never answers must not
    // hold an attempt (and a worker's delivery slot) past it.
    const deadline = setTimeout(() => controller.abort(), this.settings.totalTimeoutMs);
    let agent: Agent | undefined;
    try {
      const destination = await untilAborted(this.guard.check(req.url), controller.signal);
      // undici (about 3 MB of heap) loads with the first request: a worker that delivers nothing never holds it.
      const { Agent, request } = await import('undici');
      agent = this.pinnedAgent(Agent, destination);
      const response = await request(destination.url, {
        dispatcher: agent,
        method: req.method ?? 'GET',
        headers: { 'user-agent': this.settings.userAgent, ...req.headers },
        body: req.body,
        signal: controller.signal,
      });
      const { body, truncated } = await this.readLimited(response.body, response.statusCode, req.oversizedBody ?? 'fail');
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body,
        bodyTruncated: truncated,
        durationMs: Math.round(performance.now() - started),
        remoteAddress: destination.address,
      };
    } catch (error) {
      throw this.translate(error, controller.signal.aborted);
    } finally {
      clearTimeout(deadline);
      // One agent per request: nothing is pooled across destinations or checks.
      agent?.destroy().catch(() => undefined);
    }
  }

  /**
   * The SSRF check alone (what a request does first), within the request's total deadline: a
   * URL is checked where it is configured, and a DNS server that never answers must not hold
   * that request either.
   */
  async check(url: string | URL): Promise<CheckedDestination> {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), this.settings.totalTimeoutMs);
    try {
      return await untilAborted(this.guard.check(url), controller.signal);
    } catch (error) {
      if (controller.signal.aborted) throw new DeliveryTimeoutError('resolve', this.settings.totalTimeoutMs, { cause: error });
      throw error;
    } finally {
      clearTimeout(deadline);
    }
  }

  private pinnedAgent(AgentClass: typeof Agent, destination: CheckedDestination): Agent {
    const { address, family } = destination;
    // net/tls call this instead of DNS; the TLS servername and Host header stay the URL's name.
    const lookup = (_host: string, options: LookupOptions, callback: LookupCallback): void => {
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    };
    return new AgentClass({
      connect: { lookup, timeout: this.settings.connectTimeoutMs, ca: this.settings.ca },
      headersTimeout: this.settings.headersTimeoutMs,
      bodyTimeout: this.settings.bodyTimeoutMs,
      connections: 1,
      pipelining: 0,
    });
  }

  /**
   * Holds at most the limit: past it the connection is dropped, whether the caller fails or keeps
   * what was read. A caller that keeps what was read also keeps it when the body fails (a stall,
   * the deadline, a reset): the status already answered it, and a receiver that answers 2xx and
   * then trickles its body must not have the request judged failed, and sent again, for that.
   */
  private async readLimited(
    body: AsyncIterable<Buffer> & { destroy(): void },
    status: number,
    oversized: 'fail' | 'truncate',
  ): Promise<{ body: Buffer; truncated: boolean }> {
    const limit = this.settings.maxResponseBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        if (size + chunk.length > limit) {
          body.destroy();
          if (oversized === 'fail') throw new ResponseTooLargeError(limit, status);
          chunks.push(chunk.subarray(0, limit - size));
          return { body: Buffer.concat(chunks, limit), truncated: true };
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } catch (error) {
      if (oversized === 'fail') throw error;
      body.destroy();
      return { body: Buffer.concat(chunks, size), truncated: true };
    }
    return { body: Buffer.concat(chunks, size), truncated: false };
  }

  private translate(error: unknown, deadlineHit: boolean): DeliveryError {
    if (error instanceof DeliveryError) return error;
    if (deadlineHit) return new DeliveryTimeoutError('total', this.settings.totalTimeoutMs, { cause: error });
    const code = (error as { code?: unknown }).code;
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new DeliveryTimeoutError('connect', this.settings.connectTimeoutMs, { cause: error });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new DeliveryTimeoutError('headers', this.settings.headersTimeoutMs, { cause: error });
      case 'UND_ERR_BODY_TIMEOUT':
        return new DeliveryTimeoutError('body', this.settings.bodyTimeoutMs, { cause: error });
      default: {
        const message = error instanceof Error ? error.message : String(error);
        return new DeliveryConnectionError(`Request failed: ${message}`, { cause: error });
      }
    }
  }
}

/** The promise's outcome, or a rejection as soon as the signal aborts (the promise itself runs on, unheard). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
