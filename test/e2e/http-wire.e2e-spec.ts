import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';

const ADMIN_KEY = 'test-admin-key-http-wire-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 1_000;

/** What the server wrote on one connection, when it closed it, and how long after the first byte was sent. */
interface Exchange {
  answer: string;
  closed: boolean;
  elapsedMs: number;
}

/**
 * Writes `head` on a connection of its own, then `drop` every `gapMs` (a client that never
 * finishes its body), and resolves when the server closes the connection or after
 * `waitMs`, whichever comes first.
 */
async function trickle(port: number, head: string, { gapMs = 100, waitMs = 8_000, drop = 'a' } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(drop);
    }, gapMs);
    const finish = (closed: boolean) => {
      clearInterval(drip);
      clearTimeout(timer);
      resolve({ answer, closed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => {
      finish(false);
      socket.destroy();
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/** Writes `raw` as it is and resolves with what the server answers until it closes the connection (or `waitMs`). */
async function exchange(port: number, raw: string, waitMs = 5_000): Promise<Exchange> {
  return trickle(port, raw, { gapMs: 60_000, waitMs });
}

/** The status, headers and parsed body of a raw HTTP/1.1 answer. */
function parse(answer: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> | null } {
  const [head = '', ...rest] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const text = rest.join('\r\n\r\n');
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    body = null;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function expectProblem(answer: string, status: number, code: string): void {
  const parsed = parse(answer);
  expect(parsed.status, answer).toBe(status);
  expect(parsed.headers['content-type'], answer).toMatch(/^application\/problem\+json/);
  expect(parsed.body, answer).toMatchObject({ status, code });
}

/**
 * What the API answers on the wire to clients no HTTP library would be: a body that never ends,
 * a request without Host, an expectation the server cannot meet, a CONNECT. Each gets a
 * problem+json answer and a closed connection, never silence or a connection held open.
 */
describe('HTTP on the wire', () => {
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    testApp = await createTestApp({
      env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), RATE_LIMIT_PER_MINUTE: '100000' },
    });
    const server = testApp.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it.each([
    ['without a key', ''],
    ['with a key', `Authorization: Bearer ${ADMIN_KEY}\r\n`],
  ])('a body trickled in a byte at a time, %s, is cut off with 408 once HTTP_REQUEST_TIMEOUT_MS has passed', async (_case, auth) => {
    const head =
      'POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `${auth}Content-Length: 100000\r\n\r\n{"name":"`;
    const { answer, closed, elapsedMs } = await trickle(port, head);
    expect(closed, `still open after ${Math.round(elapsedMs)} ms`).toBe(true);
    expectProblem(answer, 408, 'REQUEST.TIMEOUT');
    expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
  });

  it('a chunked body that never ends is cut off the same way', async () => {
    const head =
      'POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${ADMIN_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`;
    // Each byte a chunk of its own: the body always moves, never ends.
    const { answer, closed } = await trickle(port, head, { drop: '1\r\na\r\n' });
    expect(closed).toBe(true);
    expectProblem(answer, 408, 'REQUEST.TIMEOUT');
  });

  it('a request that arrives in time is answered as usual', async () => {
    const body = '{"name":"in-time","scopes":["read"]}';
    const { answer } = await exchange(
      port,
      'POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(parse(answer).status, answer).toBe(201);
  });

  it('an HTTP/1.1 request without Host is a 400 problem+json (RFC 9112 §3.2), one of HTTP/1.0 is served', async () => {
    const missing = await exchange(port, `GET /v1/targets HTTP/1.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nConnection: close\r\n\r\n`);
    expectProblem(missing.answer, 400, 'REQUEST.BAD');
    expect(parse(missing.answer).body?.detail).toMatch(/Host/);
    expect(parse(missing.answer).headers['x-request-id']).toBeTruthy();
    const old = await exchange(port, `GET /v1/targets HTTP/1.0\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
    expect(parse(old.answer).status, old.answer).toBe(200);
  });

  it('an expectation other than 100-continue is a 417 problem+json, and 100-continue is met', async () => {
    const body = '{"name":"expecting","scopes":["read"]}';
    const post = (expectation: string) =>
      'POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${ADMIN_KEY}\r\nExpect: ${expectation}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const refused = await exchange(port, post('200-ok'));
    expectProblem(refused.answer, 417, 'REQUEST.EXPECTATION_FAILED');
    expect(refused.closed).toBe(true);
    const met = await exchange(port, post('100-continue'));
    expect(met.answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  });

  it('CONNECT is answered like any method no route takes, never with a silently closed connection', async () => {
    const known = await exchange(port, `CONNECT /v1/targets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
    expectProblem(known.answer, 405, 'REQUEST.METHOD_NOT_ALLOWED');
    expect(parse(known.answer).headers.allow).toBe('GET, HEAD, POST');
    expect(known.closed).toBe(true);
    const tunnel = await exchange(port, 'CONNECT 169.254.169.254:80 HTTP/1.1\r\nHost: 169.254.169.254:80\r\n\r\n');
    expectProblem(tunnel.answer, 404, 'REQUEST.ROUTE_NOT_FOUND');
    expect(tunnel.closed).toBe(true);
    // The process still serves.
    const after = await exchange(port, `GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect(parse(after.answer).status).toBe(200);
  });
});
