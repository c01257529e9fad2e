import { Readable } from 'node:stream';
import type { FakeResponse, RecordedRequest } from './fake-http-handler';

/**
 * An HTTP request handler for real SDK clients whose answers may be computed asynchronously
 * (e.g. by an emulator that waits on the test). Every request is recorded as sent.
 */
export class AwsWireHandler {
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly respond: (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>) {}

  async handle(request: { hostname: string; path: string; headers: Record<string, string>; body?: unknown }) {
    const recorded: RecordedRequest = {
      hostname: request.hostname,
      path: request.path,
      headers: request.headers,
      body: typeof request.body === 'string' ? request.body : request.body ? Buffer.from(request.body as Uint8Array).toString() : '',
    };
    this.requests.push(recorded);
    const reply = await this.respond(recorded);
    return { response: { statusCode: reply.status, headers: reply.headers ?? {}, body: Readable.from([Buffer.from(reply.body)]) } };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs() {
    return {};
  }

  destroy(): void {}
}
