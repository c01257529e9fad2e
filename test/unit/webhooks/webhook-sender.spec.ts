import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeHttpClient } from '../../../src/webhooks/delivery/safe-http-client';
import { SsrfGuard } from '../../../src/webhooks/delivery/ssrf-guard';
import { generateSecret } from '../../../src/webhooks/delivery/standard-webhooks';
import { retryDelayMs } from '../../../src/webhooks/delivery/delivery-policy';
import { WebhookSender } from '../../../src/webhooks/delivery/webhook-sender';

/** The receiver's check, written from the specification, independent of the code under test. */
function receiverAccepts(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (Math.abs(nowSeconds - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return sigs.split(' ').some((s) => s === `v1,${expected}`);
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  valid: boolean;
}

describe('WebhookSender against a local receiver', () => {
  let server: Server;
  let url: string;
  let received: Received[];
  let answers: Array<{ status: number; headers?: Record<string, string> }>;
  let clock: number;
  const secret = generateSecret();

  beforeEach(async () => {
    received = [];
    answers = [];
    clock = Date.parse('2026-11-01T00:00:00Z');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body, valid: receiverAccepts(secret, req.headers, body, Math.floor(clock / 1000)) });
        const answer = answers.shift() ?? { status: 204 };
        res.writeHead(answer.status, answer.headers).end(answer.status === 204 ? undefined : 'receiver says no');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const sender = () =>
    new WebhookSender(new SafeHttpClient(new SsrfGuard({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] })), {
      now: () => new Date(clock),
      nextDelay: (attempt, retryAfterMs) => retryDelayMs(attempt, { retryAfterMs, jitter: 0 }),
    });

  const event = {
    id: 'evt_01JD3Q8Z5X',
    type: 'finding.opened',
    timestamp: '2026-11-01T00:00:00Z',
    data: { fingerprint: '3f6c1e0a9b2d4c7e', severity: 'high' },
  };
  const serializeEvent = (e: typeof event): string => JSON.stringify(e);

  it('a receiver that fails three times then recovers gets the event exactly as sent, verifiably signed', async () => {
    answers = [{ status: 503, headers: { 'retry-after': '600' } }, { status: 500 }, { status: 404 }];
    const body = serializeEvent(event);
    const s = sender();
    const log = [];
    for (let attempt = 1; ; attempt++) {
      const result = await s.deliver({ url, secret }, event.id, body, attempt);
      log.push(result);
      if (result.outcome !== 'retry') break;
      clock += result.nextDelayMs!;
    }
    expect(log.map((r) => [r.outcome, r.status, r.nextDelayMs])).toEqual([
      ['retry', 503, 600_000],
      ['retry', 500, 300_000],
      ['retry', 404, 1_800_000],
      ['delivered', 204, null],
    ]);
    expect(received).toHaveLength(4);
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received.every((r) => r.body === body)).toBe(true);
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(new Set(received.map((r) => r.headers['webhook-timestamp'])).size).toBe(4);
    expect(JSON.parse(received[3]!.body)).toEqual(event);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(log[0]!.responseSnippet).toBe('receiver says no');
  });

  it('dead-letters after the last scheduled attempt', async () => {
    answers = Array.from({ length: 10 }, () => ({ status: 500 }));
    const s = sender();
    const last = await s.deliver({ url, secret }, event.id, serializeEvent(event), 10);
    expect(last).toMatchObject({ outcome: 'retry', nextDelayMs: null, deadLetter: true });
    const ninth = await s.deliver({ url, secret }, event.id, serializeEvent(event), 9);
    expect(ninth).toMatchObject({ outcome: 'retry', nextDelayMs: 86_400_000, deadLetter: false });
  });

  it('disables on 410 and fails without retry on a redirect', async () => {
    answers = [{ status: 410 }, { status: 307, headers: { location: 'http://169.254.169.254/' } }];
    const s = sender();
    expect(await s.deliver({ url, secret }, event.id, '{}', 1)).toMatchObject({ outcome: 'disable', status: 410, deadLetter: false });
    expect(await s.deliver({ url, secret }, event.id, '{}', 1)).toMatchObject({ outcome: 'fail', status: 307, nextDelayMs: null });
    expect(received).toHaveLength(2);
  });

  it('records refused destinations and network failures as outcomes, never throws', async () => {
    const strict = new WebhookSender(new SafeHttpClient(new SsrfGuard({ allowHttp: true })));
    expect(await strict.deliver({ url, secret }, event.id, '{}', 1)).toMatchObject({
      outcome: 'fail',
      status: null,
      errorCode: 'DELIVERY.SSRF_BLOCKED',
      nextDelayMs: null,
    });
    const closed = await new Promise<string>((resolve) => {
      const spare = createServer();
      spare.listen(0, '127.0.0.1', () => {
        const port = (spare.address() as AddressInfo).port;
        spare.close(() => resolve(`http://127.0.0.1:${port}/`));
      });
    });
    const down = await sender().deliver({ url: closed, secret }, event.id, '{}', 2);
    expect(down).toMatchObject({ outcome: 'retry', errorCode: 'DELIVERY.CONNECTION_FAILED', nextDelayMs: 300_000 });
    expect(received).toHaveLength(0);
  });

  it('takes the retry schedule from the caller', async () => {
    answers = [{ status: 500 }];
    const custom = new WebhookSender(new SafeHttpClient(new SsrfGuard({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] })), {
      nextDelay: (attempt) => (attempt <= 2 ? 42 : null),
    });
    expect(await custom.deliver({ url, secret }, event.id, '{}', 1)).toMatchObject({ outcome: 'retry', nextDelayMs: 42 });
    expect(await custom.deliver({ url, secret }, event.id, '{}', 2)).toMatchObject({ outcome: 'delivered' });
  });

  it('sends an unsigned event with its id when the destination has no secret', async () => {
    await sender().deliver({ url, secret: null }, event.id, '{}', 1);
    expect(received[0]!.headers['webhook-id']).toBe(event.id);
    expect(received[0]!.headers['webhook-signature']).toBeUndefined();
  });
});
