import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SafeHttpClient } from '../../../src/outbound-http/safe-http-client';
import { HostResolver, SsrfGuard } from '../../../src/outbound-http/ssrf-guard';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function listen(server: Server | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | HttpsServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const routes: Record<string, Handler> = {
  '/ok': (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ method: req.method, host: req.headers.host, body, signature: req.headers['webhook-signature'] }));
    });
  },
  '/redirect-here': (_req, res) => {
    res.writeHead(307, { location: '/ok' });
    res.end();
  },
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    res.end();
  },
  '/slow-headers': (_req, res) => {
    setTimeout(() => res.end('late'), 2_000).unref();
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200);
    res.write('first');
    setTimeout(() => res.end('rest'), 2_000).unref();
  },
  '/kib': (_req, res) => {
    res.end(Buffer.alloc(1024, 0x62));
  },
  '/huge': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < 50 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
};

describe('SafeHttpClient against a local server', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const handler = routes[req.url ?? ''];
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    port = await listen(server);
  });
  afterAll(() => close(server));

  const loopbackClient = (options: ConstructorParameters<typeof SafeHttpClient>[1] = {}, resolver?: HostResolver) =>
    new SafeHttpClient(new SsrfGuard({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'], resolver }), options);

  it('sends the body and headers and returns status, headers and body', async () => {
    const res = await loopbackClient().request({
      url: `http://127.0.0.1:${port}/ok`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' },
      body: '{"x":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse(res.body.toString())).toMatchObject({ method: 'POST', body: '{"x":1}', signature: 'v1,abc' });
    expect(res.remoteAddress).toBe('127.0.0.1');
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses loopback when it is not explicitly allowed, before connecting', async () => {
    const before = hits.length;
    const client = new SafeHttpClient(new SsrfGuard({ allowHttp: true }));
    await expect(client.request({ url: `http://127.0.0.1:${port}/ok` })).rejects.toMatchObject({
      code: 'DELIVERY.SSRF_BLOCKED',
      reason: 'loopback',
    });
    await expect(client.request({ url: `http://2130706433:${port}/ok` })).rejects.toMatchObject({ reason: 'loopback' });
    expect(hits.length).toBe(before);
  });

  it('refuses every spelling of loopback, and a name the system resolver maps to it, before connecting', async () => {
    const before = hits.length;
    // The system resolver: localhost comes from /etc/hosts, as an attacker's name would from DNS.
    const client = new SafeHttpClient(new SsrfGuard({ allowHttp: true }));
    for (const host of [
      'localhost',
      'LOCALHOST',
      '127.1',
      '0x7f000001',
      '0177.0.0.1',
      '0.0.0.0',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::1]',
      '[::]',
    ]) {
      const error = await client.request({ url: `http://${host}:${port}/ok` }).catch((e: unknown) => e);
      expect(error, host).toMatchObject({ code: 'DELIVERY.SSRF_BLOCKED' });
    }
    await expect(client.request({ url: `http://x@127.0.0.1:${port}/ok` })).rejects.toMatchObject({ reason: 'credentials-in-url' });
    await expect(client.request({ url: `http://127.0.0.1:0/ok` })).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
    expect(hits.length).toBe(before);
  });

  it('follows no redirect, not even one to the same allowed server', async () => {
    const before = hits.length;
    const res = await loopbackClient().request({ url: `http://127.0.0.1:${port}/redirect-here`, method: 'POST', body: '{}' });
    expect(res.status).toBe(307);
    expect(hits.slice(before)).toEqual(['/redirect-here']);
  });

  it('returns a redirect to the metadata address as a result and never follows it', async () => {
    const res = await loopbackClient().request({ url: `http://127.0.0.1:${port}/redirect`, method: 'POST', body: '{}' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
  });

  it('resolves the name once and connects to the checked address even if DNS would now answer differently', async () => {
    const answers = ['127.0.0.1', '169.254.169.254'];
    const resolver = vi.fn<HostResolver>(async () => [{ address: answers.shift() ?? '169.254.169.254', family: 4 }]);
    const res = await loopbackClient({}, resolver).request({ url: `http://receiver.test:${port}/ok` });
    expect(resolver).toHaveBeenCalledTimes(1);
    expect(resolver).toHaveBeenCalledWith('receiver.test');
    expect(res.status).toBe(200);
    expect(res.remoteAddress).toBe('127.0.0.1');
    // The Host header keeps the name: the receiver sees the URL it was configured with.
    expect(JSON.parse(res.body.toString()).host).toBe(`receiver.test:${port}`);
  });

  it('ignores proxies named in the environment: a proxy would resolve the name itself and reach what the guard refused', async () => {
    const proxied: string[] = [];
    const proxy = createServer((req, res) => {
      proxied.push(req.url ?? '');
      res.end('proxied');
    });
    proxy.on('connect', (req, socket) => {
      proxied.push(`CONNECT ${req.url}`);
      socket.end();
    });
    const proxyPort = await listen(proxy);
    const names = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) process.env[name] = `http://127.0.0.1:${proxyPort}`;
    try {
      const resolver = vi.fn<HostResolver>(async () => [{ address: '127.0.0.1', family: 4 }]);
      const res = await loopbackClient({}, resolver).request({ url: `http://receiver.test:${port}/ok` });
      expect(res.status).toBe(200);
      expect(proxied).toEqual([]);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await close(proxy);
    }
  });

  it('times out waiting for headers', async () => {
    const client = loopbackClient({ headersTimeoutMs: 200 });
    const started = Date.now();
    await expect(client.request({ url: `http://127.0.0.1:${port}/slow-headers` })).rejects.toMatchObject({
      code: 'DELIVERY.TIMEOUT',
      phase: 'headers',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('times out on a body that stalls', async () => {
    const client = loopbackClient({ bodyTimeoutMs: 200 });
    await expect(client.request({ url: `http://127.0.0.1:${port}/slow-body` })).rejects.toMatchObject({
      code: 'DELIVERY.TIMEOUT',
      phase: 'body',
    });
  });

  it('enforces a total deadline across phases', async () => {
    const client = loopbackClient({ totalTimeoutMs: 300 });
    await expect(client.request({ url: `http://127.0.0.1:${port}/slow-body` })).rejects.toMatchObject({
      code: 'DELIVERY.TIMEOUT',
      phase: 'total',
    });
  });

  it('counts name resolution in the total deadline: a DNS server that never answers does not hold the attempt', async () => {
    const resolver = vi.fn<HostResolver>(() => new Promise(() => undefined));
    const client = loopbackClient({ totalTimeoutMs: 300 }, resolver);
    const started = Date.now();
    await expect(client.request({ url: `http://slow-dns.receiver.test:${port}/ok` })).rejects.toMatchObject({
      code: 'DELIVERY.TIMEOUT',
      phase: 'total',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('checks a URL within the same deadline: a name DNS never answers for is refused in time, not waited on', async () => {
    const resolver = vi.fn<HostResolver>(() => new Promise(() => undefined));
    const client = loopbackClient({ totalTimeoutMs: 300 }, resolver);
    await expect(client.check(`http://slow-dns.receiver.test:${port}/ok`)).rejects.toMatchObject({
      code: 'DELIVERY.TIMEOUT',
      phase: 'resolve',
      retryable: true,
      message: 'No answer from DNS within 300 ms',
    });
    await expect(loopbackClient({ totalTimeoutMs: 300 }).check(`http://127.0.0.1:${port}/ok`)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
  });

  it('stops reading a response larger than the limit', async () => {
    const client = loopbackClient({ maxResponseBytes: 100_000 });
    const started = Date.now();
    await expect(client.request({ url: `http://127.0.0.1:${port}/huge` })).rejects.toMatchObject({
      code: 'DELIVERY.RESPONSE_TOO_LARGE',
      limitBytes: 100_000,
      status: 200,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("with oversizedBody 'truncate', returns the first maxResponseBytes of a longer body and stops reading", async () => {
    const client = loopbackClient({ maxResponseBytes: 100_000 });
    const started = Date.now();
    const res = await client.request({ url: `http://127.0.0.1:${port}/huge`, oversizedBody: 'truncate' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(200);
    expect(res.bodyTruncated).toBe(true);
    expect(res.body).toEqual(Buffer.alloc(100_000, 0x61));
  });

  it("with oversizedBody 'truncate', a body that stalls or outlasts the deadline after the status is what was read, not a failure", async () => {
    const stalled = await loopbackClient({ bodyTimeoutMs: 200 }).request({
      url: `http://127.0.0.1:${port}/slow-body`,
      oversizedBody: 'truncate',
    });
    expect(stalled).toMatchObject({ status: 200, bodyTruncated: true });
    expect(stalled.body.toString()).toBe('first');
    const started = Date.now();
    const late = await loopbackClient({ totalTimeoutMs: 300 }).request({
      url: `http://127.0.0.1:${port}/slow-body`,
      oversizedBody: 'truncate',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(late).toMatchObject({ status: 200, bodyTruncated: true });
    expect(late.body.toString()).toBe('first');
    // Before the status there is nothing to act on: that is still a timeout.
    await expect(
      loopbackClient({ totalTimeoutMs: 300 }).request({ url: `http://127.0.0.1:${port}/slow-headers`, oversizedBody: 'truncate' }),
    ).rejects.toMatchObject({ code: 'DELIVERY.TIMEOUT', phase: 'total' });
  });

  it('a body exactly at the limit is whole; one byte over is cut to the limit', async () => {
    const whole = await loopbackClient({ maxResponseBytes: 1024 }).request({ url: `http://127.0.0.1:${port}/kib` });
    expect(whole).toMatchObject({ status: 200, bodyTruncated: false });
    expect(whole.body).toEqual(Buffer.alloc(1024, 0x62));
    const cut = await loopbackClient({ maxResponseBytes: 1023 }).request({
      url: `http://127.0.0.1:${port}/kib`,
      oversizedBody: 'truncate',
    });
    expect(cut).toMatchObject({ status: 200, bodyTruncated: true });
    expect(cut.body).toEqual(Buffer.alloc(1023, 0x62));
    await expect(loopbackClient({ maxResponseBytes: 1023 }).request({ url: `http://127.0.0.1:${port}/kib` })).rejects.toMatchObject({
      code: 'DELIVERY.RESPONSE_TOO_LARGE',
    });
  });

  it('reports a refused connection as a retryable connection error', async () => {
    const spare = createServer();
    const sparePort = await listen(spare);
    await close(spare);
    await expect(loopbackClient().request({ url: `http://127.0.0.1:${sparePort}/` })).rejects.toMatchObject({
      code: 'DELIVERY.CONNECTION_FAILED',
      retryable: true,
    });
  });
});

describe('SafeHttpClient over TLS with a pinned address', () => {
  let dir: string;
  let server: HttpsServer;
  let port: number;
  let cert: Buffer;
  const serverNames: Array<string | false | null> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgdoctor-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=hooks.example.test',
        '-addext',
        'subjectAltName=DNS:hooks.example.test',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      serverNames.push((req.socket as import('node:tls').TLSSocket).servername);
      res.end('secure');
    });
    port = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the URL host name as TLS servername and verifies the certificate against it', async () => {
    const resolver = vi.fn<HostResolver>(async () => [{ address: '127.0.0.1', family: 4 }]);
    const client = new SafeHttpClient(new SsrfGuard({ allowedCidrs: ['127.0.0.1/32'], resolver }), { ca: cert });
    const res = await client.request({ url: `https://hooks.example.test:${port}/` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('secure');
    expect(serverNames).toEqual(['hooks.example.test']);
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('fails when the certificate does not match the host name', async () => {
    const client = new SafeHttpClient(
      new SsrfGuard({ allowedCidrs: ['127.0.0.1/32'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] }),
      { ca: cert },
    );
    await expect(client.request({ url: `https://other.example.test:${port}/` })).rejects.toMatchObject({
      code: 'DELIVERY.CONNECTION_FAILED',
    });
  });
});

describe('SafeHttpClient over IPv6', () => {
  it('connects to an allowed IPv6 literal and to a name pinned to an IPv6 address', async () => {
    const server = createServer((_req, res) => res.end('v6'));
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const resolver = vi.fn<HostResolver>(async () => [{ address: '::1', family: 6 }]);
      const client = new SafeHttpClient(new SsrfGuard({ allowHttp: true, allowedCidrs: ['::1/128'], resolver }));
      expect((await client.request({ url: `http://[::1]:${port}/` })).body.toString()).toBe('v6');
      const named = await client.request({ url: `http://v6.receiver.test:${port}/` });
      expect(named.body.toString()).toBe('v6');
      expect(named.remoteAddress).toBe('::1');
      expect(resolver).toHaveBeenCalledTimes(1);
    } finally {
      await close(server);
    }
  });
});
