import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/openapi/canonical-json';
import { documentedOperations, fillPath, send, type DocumentedOperation } from '../support/app/openapi-operations';
import { createTestApp, type TestApp } from '../support/app/test-app';

const ADMIN_KEY = 'test-admin-key-surface-0123456789abcdef';
/** An id that names nothing: a method a route takes answers 404 (or 400 for its body) with it, never acts. */
const ABSENT_ID = '00000000-0000-4000-8000-00000000a405';
/** The methods a client may send to any path; OPTIONS is asked of the API in a test of its own. */
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'] as const;

/** A request body as it goes on the wire, and what the admin key gets for it. */
interface BodyCase {
  headers: Record<string, string>;
  payload: string | Buffer;
  status: number;
  code: string;
  /** What the problem's detail must say, when it matters. */
  detail?: RegExp;
}

/** A body POST /v1/api-keys takes. */
const WELL_FORMED_BODY = { headers: { 'content-type': 'application/json' }, payload: '{"name":"fine","scopes":["read"]}' };

const UNREADABLE_BODIES: Record<string, BodyCase> = {
  'malformed JSON': { headers: { 'content-type': 'application/json' }, payload: '{"name":', status: 400, code: 'REQUEST.BAD' },
  'a __proto__ key': {
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"p","scopes":["read"],"__proto__":{"x":1}}',
    status: 400,
    code: 'REQUEST.BAD',
    detail: /__proto__.*refused/,
  },
  'a constructor.prototype key': {
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"p","scopes":["read"],"meta":{"constructor":{"prototype":{"x":1}}}}',
    status: 400,
    code: 'REQUEST.BAD',
    detail: /constructor\.prototype.*refused/,
  },
  'a constructor key (read, then refused as an unknown property)': {
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"p","scopes":["read"],"constructor":1}',
    status: 400,
    code: 'REQUEST.VALIDATION_FAILED',
  },
  'JSON in latin1': {
    headers: { 'content-type': 'application/json; charset=latin1' },
    payload: '{"name":"l","scopes":["read"]}',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    detail: /charset latin1.*UTF-8/,
  },
  'JSON in a quoted ISO-8859-1, any letter case': {
    headers: { 'content-type': 'Application/JSON;  Charset="ISO-8859-1"' },
    payload: '{"name":"i","scopes":["read"]}',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    detail: /charset ISO-8859-1.*UTF-8/,
  },
  'bytes that are not UTF-8': {
    headers: { 'content-type': 'application/json' },
    payload: Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('","scopes":["read"]}')]),
    status: 400,
    code: 'REQUEST.BAD',
  },
  'text/plain': {
    headers: { 'content-type': 'text/plain' },
    payload: '{"name":"t","scopes":["read"]}',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  'a form': {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'name=f&scopes=read',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  'a Content-Type that is no media type': {
    headers: { 'content-type': 'garbage' },
    payload: '{"name":"g","scopes":["read"]}',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  'no Content-Type': { headers: {}, payload: '{"name":"n","scopes":["read"]}', status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
  'a gzip content coding': {
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: '{"name":"z","scopes":["read"]}',
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  'a body over the limit': {
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x'.repeat(4096), scopes: ['read'] }),
    status: 413,
    code: 'REQUEST.PAYLOAD_TOO_LARGE',
  },
};

/**
 * Sends a request head and the start of its body on a connection of its own, never the rest, and
 * resolves with what the server writes until it closes the connection (or `waitMs` passes: a
 * server that waits for the rest of the body answers nothing).
 */
async function answerToUnfinishedBody(port: number, head: string, start: string, waitMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n${start}`));
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** The methods of an Allow header, in order. */
function allowed(response: request.Response): string[] {
  return String(response.headers.allow ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter(Boolean);
}

describe('HTTP surface', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, HTTP_BODY_LIMIT_BYTES: '2048' } });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('is live and ready with PostgreSQL and Redis up', async () => {
    expect((await request(server()).get('/health/live')).status).toBe(200);
    const ready = await request(server()).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves an OpenAPI 3 document and the docs UI to a key that may read', async () => {
    const json = await request(server()).get('/docs-json').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/v1/api-keys']).toBeDefined();
    expect(json.body.components.securitySchemes).toHaveProperty('api-key');
    const ui = await request(server()).get('/docs').set('x-api-key', ADMIN_KEY);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const yaml = await request(server()).get('/docs-yaml').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3\./m);
  });

  it('refuses the documentation without a key, by the route it is served from, and asks a browser for the key', async () => {
    const paths = [
      '/docs',
      '/docs/',
      '/docs-json',
      '/docs-yaml',
      '/docs/swagger-ui-init.js',
      '/docs/swagger-ui.css',
      '/%64ocs-json',
      '/docs-json?x=1',
    ];
    for (const path of paths) {
      for (const key of [undefined, 'wrong-key']) {
        const test = request(server()).get(path);
        const response = await (key ? test.set('authorization', `Bearer ${key}`) : test);
        expect(response.status, `${path} with ${key ?? 'no key'}`).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
        expect(response.headers['www-authenticate']).toMatch(/Basic realm="sgdoctor"/);
        expect(response.text).not.toMatch(/SwaggerUI|openapi/);
      }
    }
  });

  it('offers Basic and Bearer on header lines of their own: a browser reads one challenge of a line', async () => {
    const refused = await testApp.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toEqual(['Basic realm="sgdoctor", charset="UTF-8"', 'Bearer realm="sgdoctor"']);
  });

  it('takes the key as the password (or the user name) of Basic credentials on the documentation, and nowhere else', async () => {
    const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
    for (const credentials of [`:${ADMIN_KEY}`, `anyone:${ADMIN_KEY}`, `${ADMIN_KEY}:`, ADMIN_KEY]) {
      const ui = await request(server()).get('/docs').set('authorization', basic(credentials));
      expect(ui.status, credentials).toBe(200);
      expect(ui.text).toContain('swagger');
    }
    expect(
      (
        await request(server())
          .get('/docs-json')
          .set('authorization', basic(`${ADMIN_KEY}x:`))
      ).status,
    ).toBe(401);
    // Two different keys are refused here as on every route.
    const ambiguous = await request(server())
      .get('/docs-json')
      .set('authorization', basic(`:${ADMIN_KEY}`))
      .set('x-api-key', 'another-key');
    expect(ambiguous.status).toBe(401);
    expect(
      (
        await request(server())
          .get('/v1/api-keys')
          .set('authorization', basic(`:${ADMIN_KEY}`))
      ).status,
    ).toBe(401);
  });

  it('serves at /docs-json the document committed as openapi.json, though that one is built with no database', async () => {
    const json = await request(server()).get('/docs-json').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(canonicalJson(json.body)).toBe(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const response = await request(server()).get('/v1/no-such-thing').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, code: 'REQUEST.ROUTE_NOT_FOUND', instance: '/v1/no-such-thing' });
  });

  it('answers a method its route does not take with 405 problem+json and Allow naming those it does, key or no key', async () => {
    const cases: Array<[method: (typeof METHODS)[number], path: string, allow: string[]]> = [
      ['delete', '/v1/findings', ['GET', 'HEAD']],
      ['put', `/v1/targets/${ABSENT_ID}`, ['DELETE', 'GET', 'HEAD', 'PATCH']],
      ['post', `/v1/findings/${ABSENT_ID}`, ['GET', 'HEAD', 'PATCH']],
      ['get', '/v1/simulations', ['POST']],
      ['head', '/v1/simulations', ['POST']],
      ['post', '/health/live', ['GET', 'HEAD']],
      ['delete', '/v1/findings?limit=5', ['GET', 'HEAD']],
    ];
    for (const [method, path, allow] of cases) {
      for (const key of [ADMIN_KEY, undefined, 'wrong-key']) {
        const test = send(server(), method, path);
        const response = await (key ? test.set('authorization', `Bearer ${key}`) : test);
        const context = `${method.toUpperCase()} ${path} with ${key ?? 'no key'}`;
        expect(response.status, context).toBe(405);
        expect(allowed(response), context).toEqual(allow);
        expect(response.headers['content-type'], context).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate'], context).toBeUndefined();
        if (method === 'head') continue;
        expect(response.body, context).toMatchObject({ status: 405, code: 'REQUEST.METHOD_NOT_ALLOWED', instance: path });
        expect(response.body.detail, context).toContain(allow.join(', '));
      }
    }
  });

  it('lists in Allow exactly the methods each documented path takes', async () => {
    const byPath = new Map<string, DocumentedOperation[]>();
    for (const operation of documentedOperations()) byPath.set(operation.template, [...(byPath.get(operation.template) ?? []), operation]);
    expect(byPath.size).toBeGreaterThan(20);
    for (const [template, operations] of byPath) {
      const path = fillPath(template, Object.fromEntries(operations[0].pathParameters.map((p) => [p.name, ABSENT_ID])));
      const answers = new Map<string, request.Response>();
      for (const method of METHODS) {
        const test = send(server(), method, path).set('authorization', `Bearer ${ADMIN_KEY}`);
        answers.set(method.toUpperCase(), await (method === 'post' || method === 'put' || method === 'patch' ? test.send({}) : test));
      }
      // Taken: whatever a route answers (a 400 for the empty body, a 404 for the absent id), but not 405.
      const taken = [...answers].filter(([, response]) => response.status !== 405).map(([method]) => method);
      for (const operation of operations) expect(taken, operation.key).toContain(operation.method.toUpperCase());
      if (taken.includes('GET')) expect(taken, `HEAD ${template}`).toContain('HEAD');
      for (const [method, response] of answers) {
        expect(response.body?.code, `${method} ${path}`).not.toBe('REQUEST.ROUTE_NOT_FOUND');
        if (response.status === 405) expect(allowed(response), `${method} ${path}`).toEqual([...taken].sort());
      }
    }
  });

  it('answers a path whose id is empty (a trailing slash, two slashes) as a path no route has: 404, no Allow', async () => {
    for (const path of ['/v1/findings/', '/v1/targets/', '/v1/api-keys/', '/v1/analyses//retry', `/v1/webhooks/${ABSENT_ID}/deliveries/`]) {
      for (const method of METHODS) {
        const response = await send(server(), method, path).set('authorization', `Bearer ${ADMIN_KEY}`);
        const context = `${method.toUpperCase()} ${path}`;
        expect(response.status, context).toBe(404);
        expect(response.headers.allow, context).toBeUndefined();
        if (method !== 'head')
          expect(response.body, context).toMatchObject({ status: 404, code: 'REQUEST.ROUTE_NOT_FOUND', instance: path });
      }
    }
  });

  it('keeps a path no route has 404, HEAD of a GET route a GET without its body, and OPTIONS of a known path 405', async () => {
    for (const key of [ADMIN_KEY, undefined]) {
      const auth = (test: request.Test) => (key ? test.set('authorization', `Bearer ${key}`) : test);
      for (const method of METHODS) {
        const unknown = await auth(send(server(), method, '/v1/no-such-thing'));
        expect(unknown.status, `${method} /v1/no-such-thing`).toBe(404);
        expect(unknown.headers.allow).toBeUndefined();
      }
      // No route takes OPTIONS (there is no CORS): a path the API has says what it takes, as to any other method.
      for (const [path, allow] of [
        ['/v1/findings', 'GET, HEAD'],
        ['/health/live', 'GET, HEAD'],
        ['/v1/no-such-thing', undefined],
      ] as const) {
        const options = await auth(send(server(), 'options', path));
        expect(options.status, `OPTIONS ${path}`).toBe(allow ? 405 : 404);
        expect(options.body).toMatchObject({ code: allow ? 'REQUEST.METHOD_NOT_ALLOWED' : 'REQUEST.ROUTE_NOT_FOUND' });
        expect(options.headers.allow).toBe(allow);
      }
    }
    const head = await request(server()).head('/v1/findings').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^application\/json/);
    expect((await request(server()).head('/v1/findings')).status).toBe(401);
    expect((await request(server()).head('/health/live')).status).toBe(200);
  });

  it('answers a body over the limit with 413 problem+json', async () => {
    const response = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: 'x'.repeat(4096), scopes: ['read'] });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 413, code: 'REQUEST.PAYLOAD_TOO_LARGE' });
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.status).toBe(400);
  });

  it('answers a body of any media type but JSON with 415 problem+json, before reading it as something else', async () => {
    const post = (contentType: string, body: string) =>
      request(server()).post('/v1/api-keys').set('authorization', `Bearer ${ADMIN_KEY}`).set('content-type', contentType).send(body);
    for (const [contentType, body] of [
      ['application/xml', '<key/>'],
      ['text/plain', '{"name":"ci","scopes":["read"]}'],
      ['text/plain; charset=utf-8', 'name=ci'],
      ['application/x-www-form-urlencoded', 'name=ci&scopes=read'],
      ['multipart/form-data; boundary=x', '--x--'],
      ['application/jsonx', '{}'],
    ]) {
      const refused = await post(contentType, body);
      expect(refused.status, contentType).toBe(415);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
      expect(refused.body.detail).toMatch(/application\/json/);
    }
    // JSON with parameters, in any letter case, is read (and validated).
    for (const contentType of ['Application/JSON; charset=utf-8', 'application/json; CHARSET="UTF-8"', 'application/json;charset=Utf-8']) {
      const json = await post(contentType, '{"name":"ci","scopes":["everything"]}');
      expect(json.status, contentType).toBe(400);
      expect(json.body).toMatchObject({ code: 'REQUEST.VALIDATION_FAILED' });
    }
    // A request without a body needs no content type, whatever it says; a GET's body is never read.
    const get = await request(server())
      .get('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .set('content-type', 'text/plain')
      .send('x');
    expect(get.status).toBe(200);
    const empty = await request(server())
      .post('/v1/analyses/00000000-0000-4000-8000-000000000000/cancel')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .set('content-type', 'text/plain');
    expect(empty.status).toBe(404);
  });

  describe('a body that cannot be read, sent to a route that needs a key', () => {
    let readKey: string;
    const inject = (body: BodyCase, headers: Record<string, string>) =>
      testApp.app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'POST', url: '/v1/api-keys', headers: { ...body.headers, ...headers }, payload: body.payload });

    beforeAll(async () => {
      const created = await request(server())
        .post('/v1/api-keys')
        .set('authorization', `Bearer ${ADMIN_KEY}`)
        .send({ name: 'surface-reader', scopes: ['read'] });
      expect(created.status, created.text).toBe(201);
      readKey = created.body.key;
    });

    it.each(Object.entries(UNREADABLE_BODIES))(
      '%s: 401 without a valid key, 403 below the scope, its own answer with one',
      async (_case, body) => {
        const unauthenticated: Array<Record<string, string>> = [
          {},
          { authorization: 'Bearer wrong-key' },
          { 'x-api-key': 'sgd_0123456789ab_wrong' },
        ];
        for (const headers of unauthenticated) {
          const refused = await inject(body, headers);
          expect(refused.statusCode, `${JSON.stringify(headers)} → ${refused.body}`).toBe(401);
          expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(refused.headers['www-authenticate']).toBe('Bearer realm="sgdoctor"');
          expect(refused.headers['accept-encoding']).toBeUndefined();
          expect(refused.json()).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
          // The same answer to a readable body: even closing the connection tells nothing of how the body was judged.
          expect(refused.headers.connection).toBe('close');
          const readable = await inject({ ...WELL_FORMED_BODY, status: 401, code: 'AUTH.UNAUTHENTICATED' }, headers);
          expect(readable.statusCode).toBe(401);
          expect(readable.headers.connection).toBe('close');
        }
        const reader = await inject(body, { authorization: `Bearer ${readKey}` });
        expect(reader.statusCode, reader.body).toBe(403);
        expect(reader.json()).toMatchObject({ code: 'AUTH.FORBIDDEN', requiredScope: 'admin' });
        const admin = await inject(body, { authorization: `Bearer ${ADMIN_KEY}` });
        expect(admin.statusCode, admin.body).toBe(body.status);
        expect(admin.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(admin.json()).toMatchObject({ status: body.status, code: body.code });
        if (body.detail) expect(admin.json().detail).toMatch(body.detail);
        expect(admin.headers['accept-encoding']).toBe(body.headers['content-encoding'] ? 'identity' : undefined);
      },
    );

    it('is answered without its rest once past the limit, declared or chunked, and the connection closed', async () => {
      const listening = server();
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = listening.address() as AddressInfo;
        const post = (auth: string, framing: string) =>
          `POST /v1/api-keys HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${auth}${framing}`;
        const declared = 'Content-Length: 100000000';
        const chunk = 'x'.repeat(1000);
        // Three chunks of 1000 bytes, over the limit of 2048, and the body never ended.
        const chunked = ['Transfer-Encoding: chunked', `3e8\r\n${chunk}\r\n`.repeat(3)] as const;
        for (const [auth, status] of [
          ['', '401'],
          ['Authorization: Bearer wrong-key\r\n', '401'],
          [`Authorization: Bearer ${ADMIN_KEY}\r\n`, '413'],
        ]) {
          const toDeclared = await answerToUnfinishedBody(port, post(auth, declared), '{"name":"');
          expect(toDeclared, `${auth} ${declared}`).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
          expect(toDeclared.toLowerCase()).toContain('connection: close');
          const toChunked = await answerToUnfinishedBody(port, post(auth, chunked[0]), chunked[1]);
          expect(toChunked, `${auth} chunked`).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
          expect(toChunked.toLowerCase()).toContain('connection: close');
        }
      } finally {
        await new Promise((resolve) => listening.close(resolve));
      }
    });
  });

  it('answers a body in any content coding but identity with 415 problem+json and Accept-Encoding: identity, before reading it', async () => {
    const post = (encoding: string) =>
      request(server())
        .post('/v1/api-keys')
        .set('authorization', `Bearer ${ADMIN_KEY}`)
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .send('{"name":"encoded","scopes":["read"]}');
    // The body is plain JSON whatever the header says: read as it is, it would be taken for what
    // a proxy that decodes the named coding never saw.
    for (const encoding of ['gzip', 'br', 'deflate', 'x-gzip', 'gzip, identity', 'compress']) {
      const refused = await post(encoding);
      expect(refused.status, encoding).toBe(415);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['accept-encoding']).toBe('identity');
      expect(refused.body).toMatchObject({ status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
      expect(refused.body.detail).toMatch(/content coding/);
    }
    const keys = await request(server()).get('/v1/api-keys').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(keys.body.map((key: { name: string }) => key.name)).not.toContain('encoded');
    // identity is no coding at all, in any letter case.
    expect((await post('Identity')).status).toBe(201);
  });

  it('echoes no credential sent in the query string in a problem document', async () => {
    for (const path of ['/v1/api-keys', '/v1/no-such-thing']) {
      const response = await request(server()).get(`${path}?limit=5&api_key=${ADMIN_KEY}&access_token=${ADMIN_KEY}`);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.text, path).not.toContain(ADMIN_KEY);
      expect(response.body.instance).toBe(`${path}?limit=5&api_key=[REDACTED]&access_token=[REDACTED]`);
    }
  });

  it('echoes a caller-supplied request id', async () => {
    const response = await request(server()).get('/health/live').set('x-request-id', 'trace-abc.123');
    expect(response.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('exposes Prometheus metrics to an API key: request durations by route and status, queue depths', async () => {
    await request(server()).get('/health/live');
    const anonymous = await request(server()).get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(anonymous.text).not.toMatch(/http_request_duration_seconds/);
    expect((await request(server()).get('/metrics').set('authorization', 'Bearer wrong-key-0123456789abcdef')).status).toBe(401);
    const response = await request(server()).get('/metrics').set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} \d+/);
    expect(response.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
    for (const queue of ['analysis', 'webhook-delivery', 'report', 'reachability']) {
      for (const state of ['waiting', 'active', 'failed']) {
        expect(response.text).toContain(`sgdoctor_queue_jobs{queue="${queue}",state="${state}"} 0`);
      }
    }
  });
});
