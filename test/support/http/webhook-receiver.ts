import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as received, byte for byte. */
  body: Buffer;
  at: number;
}

export interface ReceiverReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Stream a body this many bytes long instead of `body`: a receiver that answers at great length. */
  streamBytes?: number;
  /** Send the status and the first bytes of a body, then nothing more until the client hangs up. */
  stallBody?: boolean;
  /** Answer this much later (a slow receiver). */
  delayMs?: number;
  /** Answer only once this settles (then after `delayMs`): a receiver that waits for other requests. */
  after?: Promise<unknown>;
}

/** Decides the answer to each request; `index` counts requests from 0. */
export type ReceiverBehaviour = (request: ReceivedRequest, index: number) => ReceiverReply;

/**
 * A local HTTP server on 127.0.0.1 that records every request (raw body included) and answers
 * as the test says: a webhook receiver, or a fake Jira / ServiceNow / Slack.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(private behaviour: ReceiverBehaviour) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks),
          at: Date.now(),
        };
        const index = this.requests.length;
        this.requests.push(request);
        this.answer(res, this.behaviour(request, index));
        this.notify();
      });
    });
  }

  static async start(behaviour: ReceiverBehaviour = () => ({ status: 204 })): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(behaviour);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  respondWith(behaviour: ReceiverBehaviour): void {
    this.behaviour = behaviour;
  }

  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs = 20_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} requests, got ${this.requests.length} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(res: ServerResponse, reply: ReceiverReply): void {
    const send = () => {
      if (reply.streamBytes !== undefined) return stream(res, reply, reply.streamBytes);
      if (reply.stallBody) return void res.writeHead(reply.status, reply.headers).write('{"received":');
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...(typeof reply.body === 'object' ? { 'content-type': 'application/json' } : {}), ...reply.headers });
      res.end(body);
    };
    const later = () => (reply.delayMs ? setTimeout(send, reply.delayMs) : send());
    if (reply.after) void reply.after.then(later, later);
    else later();
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => this.requests.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.requests.length < w.count);
    for (const waiter of ready) waiter.resolve();
  }
}

/** Writes `bytes` of filler as fast as the client takes them, and stops when it hangs up. */
function stream(res: ServerResponse, reply: ReceiverReply, bytes: number): void {
  res.writeHead(reply.status, { 'content-type': 'application/octet-stream', ...reply.headers });
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}
