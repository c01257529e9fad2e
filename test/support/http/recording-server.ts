import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SafeHttpClient } from '../../../src/outbound-http/safe-http-client';
import { SsrfGuard } from '../../../src/outbound-http/ssrf-guard';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Reply = { status: number; body: unknown };

/** A local HTTP server that records requests and answers from a routing function. */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  baseUrl = '';

  constructor(private readonly route: (req: RecordedRequest) => Reply) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        this.requests.push(recorded);
        const reply = this.route(recorded);
        res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** A client allowed to reach only this loopback server. */
  client(): SafeHttpClient {
    return new SafeHttpClient(new SsrfGuard({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] }));
  }
}
