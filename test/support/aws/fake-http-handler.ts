import { Readable } from 'node:stream';

export interface RecordedRequest {
  hostname: string;
  path: string;
  /** The query string's parameters (S3 and other REST APIs put operation and paging there). */
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: string;
}

export interface FakeResponse {
  status: number;
  /** Text, or the bytes of a binary body (a gzip object). */
  body: string | Buffer;
  /** The body as a stream of its own instead (one that breaks off, say); `body` is then ignored. */
  stream?: () => Readable;
  headers?: Record<string, string>;
}

/**
 * An HTTP handler for real SDK clients: requests go through the whole middleware stack
 * (serialisation, signing, retry) and receive the wire responses AWS would send.
 */
export class FakeHttpHandler {
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly respond: (request: RecordedRequest, index: number) => FakeResponse) {}

  async handle(request: {
    hostname: string;
    path: string;
    query?: Record<string, string | string[] | null>;
    headers: Record<string, string>;
    body?: unknown;
  }) {
    const recorded: RecordedRequest = {
      hostname: request.hostname,
      path: request.path,
      query: request.query ?? {},
      headers: request.headers,
      body: typeof request.body === 'string' ? request.body : request.body ? Buffer.from(request.body as Uint8Array).toString() : '',
    };
    this.requests.push(recorded);
    const reply = this.respond(recorded, this.requests.length - 1);
    return {
      response: {
        statusCode: reply.status,
        headers: reply.headers ?? {},
        body: reply.stream ? reply.stream() : Readable.from([Buffer.from(reply.body)]),
      },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs() {
    return {};
  }

  destroy(): void {}
}
