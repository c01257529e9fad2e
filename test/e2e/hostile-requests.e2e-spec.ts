import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, api, sampleTargetBody } from '../support/app/analysis-api';
import {
  documentedOperations,
  fillPath,
  resolveSchema,
  loadOpenApiDocument,
  type OpenApiParameter,
} from '../support/app/openapi-operations';
import { ReportEntity } from '../../src/reports/report.entity';
import { buildReportData } from '../../src/reports/render/build-report-data';
import { sampleReportInput } from '../support/factories/sample-report-input';

const UUID = '00000000-0000-4000-8000-000000000000';

function cursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** A crafted cursor naming the order of the list it is sent to (as the API's own do), so what is checked is its key and id. */
function cursorFor(order: string, value: unknown): string {
  return cursor(typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, o: order } : value);
}

/** Every GET of openapi.json that reads a query, with the ones it reads (so a new list is covered as soon as it is documented). */
function queriedOperations() {
  return documentedOperations().filter((operation) => operation.method === 'get' && operation.queryParameters.length > 0);
}

/** A value the parameter takes, as its schema says. */
function validValueOf(parameter: OpenApiParameter): string {
  const schema = resolveSchema(loadOpenApiDocument(), parameter.schema ?? {});
  const item = schema.type === 'array' ? (schema.items ?? {}) : schema;
  if (item.enum) return String(item.enum[0]);
  if (item.minimum !== undefined) return String(item.minimum);
  if (item.format === 'uuid') return UUID;
  if (item.example !== undefined) return String(item.example);
  return 'x';
}

/** The messages of a validation problem about one field. */
function messagesAbout(response: request.Response, field: string): string[] {
  return (response.body.errors ?? [])
    .filter((error: { field: string }) => error.field === field)
    .map((error: { message: string }) => error.message);
}

/** Every answer below must be a client error in the problem+json shape, never a 500. */
function expectProblem(response: request.Response, status: number, code?: string): void {
  expect(response.status, JSON.stringify(response.body ?? response.text)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(status);
  if (code) expect(response.body.code).toBe(code);
}

describe('hostile requests get 4xx problem+json', () => {
  let testApp: TestApp;
  let readKey: string;
  let targetId: string;
  let scheduleId: string;
  let webhookId: string;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({
      env: {
        SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY,
        RATE_LIMIT_PER_MINUTE: '10000',
        SGDOCTOR_ENCRYPTION_KEY: '0'.repeat(64),
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      },
    });
    const key = await api(server()).post('/v1/api-keys', { name: 'reader', scopes: ['read'] });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    readKey = key.body.key;
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    targetId = target.body.id;
    const schedule = await api(server()).post('/v1/report-schedules', { targetIds: [targetId], cron: '0 6 * * *' });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    scheduleId = schedule.body.id;
    const webhook = await api(server()).post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['finding.opened'] });
    expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
    webhookId = webhook.body.id;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  describe('a crafted page cursor (valid base64 JSON, a value of the wrong type)', () => {
    const crafted: Array<[string, unknown]> = [
      ['a sort key that is not a timestamp', { k: 'yesterday', id: UUID }],
      ['an impossible date', { k: '2026-13-45T99:00:00.000Z', id: UUID }],
      ['an id of 36 dashes', { k: '2026-11-24T00:00:00.000Z', id: '-'.repeat(36) }],
      ['an id that is not a uuid', { k: '2026-11-24T00:00:00.000Z', id: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }],
      ['a number for the key', { k: 12, id: UUID }],
      ['an array', [1, 2]],
    ];
    const readLists = (): Array<[path: string, order: string]> => [
      ['/v1/findings', 'sort=priority&order=desc'],
      ['/v1/findings?sort=severity', 'sort=severity&order=desc'],
      ['/v1/findings?sort=records', 'sort=records&order=desc'],
      ['/v1/analyses', 'a.created_at DESC'],
      ['/v1/reports', 'r.created_at DESC'],
    ];

    it.each(crafted)('%s: every list endpoint answers 400 to a read key', async (_case, value) => {
      for (const [path, order] of readLists()) {
        const separator = path.includes('?') ? '&' : '?';
        const response = await api(server(), readKey).get(`${path}${separator}cursor=${cursorFor(order, value)}`);
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors[0].field, path).toBe('cursor');
      }
    });

    it.each([
      ['severity', { k: 'high', id: UUID }],
      ['severity', { k: '99999999999999', id: UUID }],
      ['severity', { k: '1.5', id: UUID }],
      ['records', { k: '1e400', id: UUID }],
      ['records', { k: '99999999999999999999999', id: UUID }],
      ['lastSeen', { k: '1', id: UUID }],
    ])('findings sorted by %s refuse a cursor key %j of the wrong type', async (sort, value) => {
      const response = await api(server(), readKey).get(`/v1/findings?sort=${sort}&cursor=${cursorFor(`sort=${sort}&order=desc`, value)}`);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    });

    it('webhook delivery lists refuse it too', async () => {
      for (const path of ['/v1/webhooks/dead-letters', `/v1/webhooks/${webhookId}/deliveries`, `/v1/webhooks/${webhookId}/dead-letters`]) {
        const response = await api(server()).get(`${path}?cursor=${cursorFor('d.created_at DESC', { k: 'soon', id: UUID })}`);
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      }
    });

    it('still accepts the cursors the API hands out', async () => {
      const page = await api(server(), readKey).get(
        `/v1/analyses?cursor=${cursorFor('a.created_at DESC', { k: '2026-11-24T00:00:00.000Z', id: UUID })}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      // The same position, made for another list's order, is not one this list handed out.
      const other = await api(server(), readKey).get(
        `/v1/analyses?cursor=${cursorFor('r.created_at DESC', { k: '2026-11-24T00:00:00.000Z', id: UUID })}`,
      );
      expectProblem(other, 400, 'REQUEST.VALIDATION_FAILED');
    });
  });

  describe('NUL characters in text', () => {
    it.each([
      ['POST /v1/targets name', () => api(server()).post('/v1/targets', sampleTargetBody({ name: 'a\u0000b' })), 'name'],
      ['POST /v1/api-keys name', () => api(server()).post('/v1/api-keys', { name: 'x\u0000', scopes: ['read'] }), 'name'],
      [
        'POST /v1/report-schedules name',
        () => api(server()).post('/v1/report-schedules', { name: '\u0000', targetIds: [targetId], cron: '0 6 * * *' }),
        'name',
      ],
      ['PATCH /v1/webhooks name', () => api(server()).patch(`/v1/webhooks/${webhookId}`, { name: 'a\u0000' }), 'name'],
      [
        'a nested field',
        () => api(server()).post('/v1/targets', sampleTargetBody({ flowSource: { type: 'files', paths: ['flo\u0000ws'] } })),
        'flowSource.paths[0]',
      ],
      ['GET /v1/findings?q=', () => api(server(), readKey).get('/v1/findings?q=a%00b'), 'q'],
    ])('%s is refused naming the field', async (_case, send, field) => {
      const response = await send();
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('names shown on one line (listings, terminals, reports, tickets)', () => {
    it.each([
      ['/v1/api-keys', { scopes: ['read'] }],
      ['/v1/targets', sampleTargetBody()],
      ['/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['finding.opened'] }],
      ['/v1/report-schedules', { targetIds: ['00000000-0000-4000-8000-000000000000'], cron: '0 6 * * *' }],
    ])('%s refuses control characters in a name, naming the field', async (path, body) => {
      for (const name of [
        'x\r\nSet-Cookie: a=b',
        'b\u001b[31mred',
        'tab\there',
        'sep\u2028line',
        'c1\u0085',
        'file\u202egnp.exe',
        'iso\u2066late',
      ]) {
        const response = await api(server()).post(path, { ...body, name });
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors, JSON.stringify(name)).toContainEqual({
          field: 'name',
          message: 'name must not contain control characters (line breaks, tabs, escape sequences, bidirectional overrides)',
        });
      }
    });

    it.each([
      ['/v1/api-keys', { scopes: ['read'] }],
      ['/v1/targets', sampleTargetBody()],
      ['/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['finding.opened'] }],
      ['/v1/report-schedules', { targetIds: ['00000000-0000-4000-8000-000000000000'], cron: '0 6 * * *' }],
    ])('%s refuses a name that shows nothing (spaces, invisible characters), naming the field', async (path, body) => {
      for (const name of [' ', '   ', '\u00a0', '\u200b', '\u200b\u3000\ufeff']) {
        const response = await api(server()).post(path, { ...body, name });
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors, JSON.stringify(name)).toContainEqual({
          field: 'name',
          message: 'name must show at least one character, not only spaces or invisible ones',
        });
      }
    });

    it('keeps letters, marks and emoji of every script', async () => {
      const created = await api(server()).post('/v1/api-keys', { name: 'équipe sécurité – 監視 😀 👨\u200d👩\u200d👧', scopes: ['read'] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    });
  });

  describe('lone UTF-16 surrogates in text (no UTF-8 form: PostgreSQL would store U+FFFD instead)', () => {
    /** Sent as JSON text with the escape itself, as a client that splits a character would write it. */
    const post = (path: string, json: string) =>
      request(server()).post(path).set('authorization', `Bearer ${ADMIN_KEY}`).set('content-type', 'application/json').send(json);

    it.each([
      ['a high surrogate alone', '{"name":"key\\ud83d","scopes":["read"]}', 'name'],
      ['a low surrogate alone', '{"name":"\\ude00key","scopes":["read"]}', 'name'],
      ['two in the wrong order', '{"name":"\\ude00\\ud83d","scopes":["read"]}', 'name'],
      ['a key of an object', '{"name":"ok","scopes":["read"],"\\ud800":1}', '\ud800'],
    ])('%s is refused naming the field, and nothing is stored', async (_case, json, field) => {
      const response = await post('/v1/api-keys', json);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      const names = (await api(server()).get('/v1/api-keys')).body.map((key: { name: string }) => key.name);
      expect(names.filter((name: string) => name.includes('\ufffd'))).toEqual([]);
    });

    /** Raw bytes, which supertest would send as a JSON document of a Buffer. */
    const postBytes = async (path: string, body: Buffer) => {
      const response = await testApp.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: path,
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          payload: body,
        });
      return { status: response.statusCode, headers: response.headers, body: response.json() } as unknown as request.Response;
    };

    it.each([
      ['a byte that starts no character', Buffer.from([0xff, 0xfe])],
      ['a sequence cut short', Buffer.from([0xe2, 0x82])],
      ['a surrogate encoded in UTF-8 (CESU-8)', Buffer.from([0xed, 0xa0, 0xbd])],
      ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ])('a body that is not UTF-8 (%s) is refused, and nothing is stored', async (_case, bad) => {
      const body = Buffer.concat([Buffer.from('{"name":"bad'), bad, Buffer.from('utf8","scopes":["read"]}')]);
      const response = await postBytes('/v1/api-keys', body);
      expectProblem(response, 400);
      expect(response.body.detail).toMatch(/not valid UTF-8/);
      const names = (await api(server()).get('/v1/api-keys')).body.map((key: { name: string }) => key.name);
      expect(names.filter((name: string) => name.startsWith('bad'))).toEqual([]);
    });

    it('a body with a byte order mark is read without it, and one with __proto__ is still refused', async () => {
      const bom = await postBytes(
        '/v1/api-keys',
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"bom","scopes":["read"]}')]),
      );
      expect(bom.status, JSON.stringify(bom.body)).toBe(201);
      expect(bom.body.name).toBe('bom');
      const proto = await post('/v1/api-keys', '{"name":"p","scopes":["read"],"__proto__":{"x":1}}');
      expectProblem(proto, 400);
      expect(proto.body.detail).not.toMatch(/UTF-8/);
    });

    it('in a query parameter too', async () => {
      const response = await api(server(), readKey).get('/v1/findings?q=%ED%A0%BD');
      // Invalid UTF-8 in the URL decodes to U+FFFD, which is a character like any other.
      expect(response.status).toBe(200);
    });

    it('a well-formed pair (an emoji), escaped or not, is stored as sent', async () => {
      const escaped = await post('/v1/api-keys', '{"name":"key \\ud83d\\ude00","scopes":["read"]}');
      expect(escaped.status, JSON.stringify(escaped.body)).toBe(201);
      const listed = (await api(server()).get('/v1/api-keys')).body.find((key: { id: string }) => key.id === escaped.body.id);
      expect(listed.name).toBe('key \u{1F600}');
    });
  });

  describe('deeply nested JSON', () => {
    it.each([100, 5_000, 50_000])('%i levels are refused before validation', async (depth) => {
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      const body = `{"name":"deep","scopes":["read"],"extra":${nested}}`;
      const response = await request(server())
        .post('/v1/api-keys')
        .set('authorization', `Bearer ${ADMIN_KEY}`)
        .set('content-type', 'application/json')
        .send(body);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.detail).toMatch(/nest/i);
    });

    it('an object with tens of thousands of properties is refused at once, to a key that may only read too', async () => {
      // class-transformer's time grows with the square of an object's properties: 60,000 in a
      // 1 MiB body held the event loop for about 10 seconds and were answered one error each.
      const properties = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i]));
      const started = performance.now();
      const response = await api(server(), readKey).post(`/v1/targets/${targetId}/paths`, properties);
      expect(performance.now() - started).toBeLessThan(2_000);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors).toEqual([
        { field: 'body', message: 'has 60000 properties, more than the 256 any object of the API takes' },
      ]);
      const nested = await api(server()).post('/v1/simulations', {
        targetId,
        changes: [{ action: 'AuthorizeSecurityGroupIngress', params: properties }],
      });
      expectProblem(nested, 400, 'REQUEST.VALIDATION_FAILED');
      expect(nested.body.errors).toEqual([
        { field: 'changes[0].params', message: 'has 60000 properties, more than the 256 any object of the API takes' },
      ]);
    });

    it('objects nested in a validated field too', async () => {
      // Built as text: the test client's own serializer would overflow first.
      const scope = '{"vpcIds":[],"scope":'.repeat(10_000) + '{}' + '}'.repeat(10_000);
      const body = JSON.stringify(sampleTargetBody({ scope: 'SCOPE' })).replace('"SCOPE"', scope);
      const response = await request(server())
        .post('/v1/targets')
        .set('authorization', `Bearer ${ADMIN_KEY}`)
        .set('content-type', 'application/json')
        .send(body);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors[0].field).toMatch(/^scope\.scope\.scope/);
    });
  });

  describe('PATCH with null', () => {
    it.each(['name', 'accountId', 'region', 'access', 'scope', 'flowSource', 'configSource'])(
      'targets: {"%s": null} is a 400',
      async (field) => {
        const response = await api(server()).patch(`/v1/targets/${targetId}`, { [field]: null });
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
        expect((await api(server()).get(`/v1/targets/${targetId}`)).body.name).toBe('samples');
      },
    );

    it.each(['name', 'targetIds', 'cron', 'timeZone', 'lookbackHours', 'formats', 'webhookIds', 'enabled'])(
      'report schedules: {"%s": null} is a 400',
      async (field) => {
        const response = await api(server()).patch(`/v1/report-schedules/${scheduleId}`, { [field]: null });
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      },
    );

    it.each(['name', 'url', 'events', 'filters'])('webhooks: {"%s": null} is a 400', async (field) => {
      const response = await api(server()).patch(`/v1/webhooks/${webhookId}`, { [field]: null });
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it.each(['targetIds', 'severities', 'classifications'])('webhooks: {"filters": {"%s": null}} is a 400', async (field) => {
      const response = await api(server()).patch(`/v1/webhooks/${webhookId}`, { filters: { [field]: null } });
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(`filters.${field}`);
    });
  });

  it('serves reports with a Content-Security-Policy that lets nothing run, and nosniff on every answer', async () => {
    const id = randomUUID();
    const data = buildReportData(sampleReportInput());
    await testApp.app
      .get(DataSource)
      .getRepository(ReportEntity)
      .insert({
        id,
        scheduleId: null,
        runKey: `manual:${id}`,
        trigger: 'manual',
        periodFrom: new Date('2026-11-24T00:00:00Z'),
        periodTo: new Date('2026-11-25T00:00:00Z'),
        formats: ['json', 'html'],
        analysisIds: [],
        data: { ...data, id },
      });
    for (const format of ['html', 'json', 'csv', 'markdown']) {
      const response = await api(server(), readKey).get(`/v1/reports/${id}?format=${format}`);
      expect(response.status, format).toBe(200);
      expect(response.headers['x-content-type-options'], format).toBe('nosniff');
      const policy = response.headers['content-security-policy'];
      expect(policy, format).toMatch(/default-src 'none'/);
      expect(policy, format).not.toMatch(/script-src|unsafe-eval/);
    }
    expect((await api(server(), readKey).get('/v1/targets')).headers['x-content-type-options']).toBe('nosniff');
    expect((await request(server()).get('/v1/targets')).headers['x-content-type-options']).toBe('nosniff');
  });

  it('a query parameter on a route that reads none is a 400 naming it, not ignored', async () => {
    const cases: Array<[method: 'get' | 'post', path: string, field: string]> = [
      ['get', '/v1/api-keys?limit=5', 'limit'],
      ['get', '/v1/targets?accountId=111122223333', 'accountId'],
      ['get', `/v1/targets/${targetId}?fields=name`, 'fields'],
      ['get', '/v1/webhooks?enabled=true', 'enabled'],
      ['post', `/v1/analyses/${UUID}/retry?force=true`, 'force'],
    ];
    for (const [method, path, field] of cases) {
      const response = await (method === 'get' ? api(server()).get(path) : api(server()).post(path, {}));
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors, path).toEqual([{ field, message: `property ${field} should not exist` }]);
    }
    // Still the key first: without one, the query is not judged.
    expect((await request(server()).get('/v1/api-keys?limit=5')).status).toBe(401);
    expect((await request(server()).get('/health/live?probe=1')).status).toBe(200);
  });

  it('a __proto__, constructor or prototype query parameter is refused like any unknown one, on every route that reads a query and on those that read none', async () => {
    const paths = [
      ...queriedOperations().map((operation) => fillPath(operation.template, { id: targetId, deliveryId: UUID })),
      '/v1/api-keys',
    ];
    for (const path of paths) {
      for (const field of ['__proto__', 'constructor', 'prototype', 'unknownParameter']) {
        const response = await api(server()).get(`${path}?${field}=1`);
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(response.body.errors, `${path}?${field}=1`).toEqual([{ field, message: `property ${field} should not exist` }]);
      }
    }
  });

  describe('a constructor or prototype key in a body is refused like any unknown property, at any depth of the DTO', () => {
    it.each([
      ['at the top', { constructor: 1 }, 'constructor'],
      ['in a nested DTO', { scope: { vpcIds: [], constructor: 'a' } }, 'scope.constructor'],
      ['two levels down', { flowSource: { type: 'files', paths: ['flows'], constructor: {} } }, 'flowSource.constructor'],
      ['named prototype', { prototype: true }, 'prototype'],
    ])('POST /v1/targets, %s', async (_case, extra, field) => {
      const before = (await api(server()).get('/v1/targets')).body.length;
      const response = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'ctor', ...extra }));
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field, message: `property ${field.split('.').at(-1)} should not exist` }]);
      expect((await api(server()).get('/v1/targets')).body.length).toBe(before);
    });

    it('in an item of a nested list, with the rest still checked', async () => {
      const response = await api(server()).post('/v1/simulations', {
        targetId,
        changes: [{ action: 'authorize-ingress', constructor: 1 }],
        unknownProperty: 1,
      });
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'changes.0.constructor', message: 'property constructor should not exist' },
          { field: 'unknownProperty', message: 'property unknownProperty should not exist' },
        ]),
      );
    });

    it("inside a free-form object (an EC2 change's parameters), at any depth: refused by its path, not removed without a word", async () => {
      const response = await api(server()).post('/v1/simulations', {
        targetId,
        changes: [
          {
            action: 'AuthorizeSecurityGroupIngress',
            params: { GroupId: 'sg-1', constructor: 'x', IpPermissions: [{ IpProtocol: 'tcp', prototype: 1 }] },
          },
        ],
      });
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'changes.0.params.constructor', message: 'constructor cannot be a key: it would be removed from the object' },
          {
            field: 'changes.0.params.IpPermissions.0.prototype',
            message: 'prototype cannot be a key: it would be removed from the object',
          },
        ]),
      );
    });

    it('PATCH /v1/findings/:id, alongside what else is wrong; the same body without it goes on to the finding', async () => {
      const refused = await api(server()).patch(`/v1/findings/${UUID}`, { status: 'nonsense', constructor: 1 });
      expectProblem(refused, 400, 'REQUEST.VALIDATION_FAILED');
      expect(refused.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'constructor', message: 'property constructor should not exist' },
          expect.objectContaining({ field: 'status' }),
        ]),
      );
      const alone = await api(server()).patch(`/v1/findings/${UUID}`, { status: 'acknowledged', constructor: 'x' });
      expectProblem(alone, 400, 'REQUEST.VALIDATION_FAILED');
      expect(alone.body.errors).toEqual([{ field: 'constructor', message: 'property constructor should not exist' }]);
      expectProblem(await api(server()).patch(`/v1/findings/${UUID}`, { status: 'acknowledged' }), 404);
    });

    it('a legitimate body is unaffected, a constructor value included', async () => {
      const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'constructor', scope: { vpcIds: [] } }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.name).toBe('constructor');
      await api(server()).delete(`/v1/targets/${created.body.id}`);
    });
  });

  it('an array where an object is expected is a 400 naming the field, and nothing is stored', async () => {
    const before = (await api(server()).get(`/v1/targets/${targetId}`)).body;
    for (const field of ['configSource', 'flowSource', 'access', 'scope', 'continuous', 'budget']) {
      for (const value of [[], [{}]]) {
        const response = await api(server()).patch(`/v1/targets/${targetId}`, { [field]: value });
        expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
        expect(
          response.body.errors.map((e: { field: string }) => e.field),
          `${field}: ${JSON.stringify(value)}`,
        ).toContain(field);
      }
    }
    const after = (await api(server()).get(`/v1/targets/${targetId}`)).body;
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
    const filters = await api(server()).patch(`/v1/webhooks/${webhookId}`, { filters: [] });
    expectProblem(filters, 400, 'REQUEST.VALIDATION_FAILED');
    expect(filters.body.errors.map((e: { field: string }) => e.field)).toContain('filters');
    const window = await api(server()).post('/v1/simulations', {
      targetId,
      changes: [{ action: 'AuthorizeSecurityGroupIngress', params: { GroupId: 'sg-1', IpPermissions: [] } }],
      window: [],
    });
    expectProblem(window, 400, 'REQUEST.VALIDATION_FAILED');
    expect(window.body.errors.map((e: { field: string }) => e.field)).toContain('window');
    const change = await api(server()).post('/v1/simulations', { targetId, changes: [[]] });
    expectProblem(change, 400, 'REQUEST.VALIDATION_FAILED');
    expect(change.body.errors).toEqual([{ field: 'changes', message: 'each value in changes must be an object' }]);
  });

  it('a path id that is no UUID is a 400 naming that parameter, not the first one', async () => {
    const cases: Array<[path: string, field: string]> = [
      [`/v1/webhooks/${webhookId}/deliveries/not-a-uuid`, 'deliveryId'],
      [`/v1/report-schedules/${scheduleId}/runs/not-a-uuid`, 'runId'],
      ['/v1/webhooks/not-a-uuid/deliveries/00000000-0000-4000-8000-000000000000', 'id'],
      [`/v1/targets/x${UUID.slice(1)}`, 'id'],
    ];
    for (const [path, field] of cases) {
      const response = await api(server()).get(path);
      expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(response.body.errors, path).toEqual([{ field, message: `${field} must be a UUID` }]);
    }
  });

  it('a month of costs before year 1 is refused, and one of the first centuries is answered for itself', async () => {
    const zero = await api(server(), readKey).get(`/v1/targets/${targetId}/costs?month=0000-01`);
    expectProblem(zero, 400, 'REQUEST.VALIDATION_FAILED');
    expect(zero.body.errors[0].field).toBe('month');
    const early = await api(server(), readKey).get(`/v1/targets/${targetId}/costs?month=0099-03`);
    expect(early.status, JSON.stringify(early.body)).toBe(200);
    expect(early.body).toMatchObject({ month: '0099-03', from: '0099-03-01T00:00:00.000Z', to: '0099-04-01T00:00:00.000Z' });
  });

  it('an over-long path parameter is a 414 problem+json', async () => {
    const response = await api(server()).get(`/v1/targets/${'a'.repeat(500)}`);
    expectProblem(response, 414, 'REQUEST.URI_TOO_LONG');
    expect(response.body.requestId).toBeTruthy();
  });

  it('a request line and headers over the server limit are a 431 problem+json', async () => {
    const longQuery = await api(server(), readKey).get(`/v1/findings?q=${'a'.repeat(20_000)}`);
    expectProblem(longQuery, 431, 'REQUEST.HEADERS_TOO_LARGE');
    const longHeader = await api(server(), readKey).get('/v1/targets').set('x-padding', 'b'.repeat(20_000));
    expectProblem(longHeader, 431, 'REQUEST.HEADERS_TOO_LARGE');
    expect(longHeader.headers['x-content-type-options']).toBe('nosniff');
  });

  it('two Authorization headers with different keys are refused as two keys are, whichever comes first', async () => {
    // Node keeps the first and drops the others; a proxy in front may act on the last. The test
    // client sends a list as one header line per value (its types admit lists for Cookie only).
    const lines = (...keys: string[]) => keys.map((key) => `Bearer ${key}`) as unknown as string;
    for (const keys of [
      [ADMIN_KEY, readKey],
      [readKey, ADMIN_KEY],
    ]) {
      const response = await request(server())
        .get('/v1/api-keys')
        .set('authorization', lines(...keys));
      expectProblem(response, 401, 'AUTH.UNAUTHENTICATED');
      expect(response.body.detail).toMatch(/two different API keys/);
    }
    const same = await request(server()).get('/v1/api-keys').set('authorization', lines(ADMIN_KEY, ADMIN_KEY));
    expect(same.status).toBe(200);
  });

  it('long request paths and queries from a client without a key do not hold the process up', async () => {
    // Each request's path goes through the log's and the problem's credential redaction before
    // any key is checked: a pattern that scans a run of letters again from each of them took
    // seconds of the event loop for one such path.
    const started = performance.now();
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => request(server()).get(`/v1/${'A'.repeat(15_000)}${i}`)),
      ...Array.from({ length: 4 }, (_, i) => request(server()).get(`/v1/findings?${'a1'.repeat(7_500)}=${i}`)),
    ]);
    const live = await request(server()).get('/health/live');
    const elapsed = performance.now() - started;
    for (const answer of answers.slice(0, 4)) expectProblem(answer, 404, 'REQUEST.ROUTE_NOT_FOUND');
    for (const answer of answers.slice(4)) expectProblem(answer, 401, 'AUTH.UNAUTHENTICATED');
    expect(live.status).toBe(200);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('a malformed URL is a 400 problem+json', async () => {
    const response = await api(server()).get('/v1/targets/%E0%A4%A');
    expectProblem(response, 400);
  });

  describe('a query parameter gets one message, that says what it must be', () => {
    const pathOf = (template: string) => fillPath(template, { id: targetId, deliveryId: UUID });

    it('reads the lists and their parameters from the document', () => {
      const keys = queriedOperations().map((operation) => operation.key);
      expect(keys).toEqual(
        expect.arrayContaining(['GET /v1/findings', 'GET /v1/analyses', 'GET /v1/reports', 'GET /v1/webhooks/dead-letters']),
      );
    });

    it('limit=abc and limit=1&limit=2 on /v1/findings', async () => {
      const notANumber = await api(server(), readKey).get('/v1/findings?limit=abc');
      expectProblem(notANumber, 400, 'REQUEST.VALIDATION_FAILED');
      expect(notANumber.body.errors).toEqual([{ field: 'limit', message: 'limit must be an integer from 1 to 200' }]);
      const repeated = await api(server(), readKey).get('/v1/findings?limit=1&limit=2');
      expectProblem(repeated, 400, 'REQUEST.VALIDATION_FAILED');
      expect(repeated.body.errors).toEqual([{ field: 'limit', message: 'limit must be given once' }]);
      const several = await api(server(), readKey).get('/v1/findings?limit=1&limit=2&port=http&sort=best&q=a&q=b');
      expect(several.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'limit', message: 'limit must be given once' },
          { field: 'port', message: 'port must be an integer from 0 to 65535' },
          { field: 'q', message: 'q must be given once' },
        ]),
      );
      expect(several.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['limit', 'port', 'q', 'sort']);
    });

    it('a parameter that takes one value, repeated, is refused saying so; one that takes a list takes it repeated', async () => {
      for (const operation of queriedOperations()) {
        for (const parameter of operation.queryParameters) {
          const value = encodeURIComponent(validValueOf(parameter));
          const response = await api(server(), readKey).get(
            `${pathOf(operation.template)}?${parameter.name}=${value}&${parameter.name}=${value}`,
          );
          const context = `${operation.key} ?${parameter.name}=${value}&${parameter.name}=${value} → ${response.status} ${response.text}`;
          const isList = resolveSchema(loadOpenApiDocument(), parameter.schema ?? {}).type === 'array';
          expect(messagesAbout(response, parameter.name), context).toEqual(isList ? [] : [`${parameter.name} must be given once`]);
        }
      }
    });

    it('a number that is no integer in its range, or an unknown value of a list, gets one message', async () => {
      let numbers = 0;
      for (const operation of queriedOperations()) {
        for (const parameter of operation.queryParameters) {
          const schema = resolveSchema(loadOpenApiDocument(), parameter.schema ?? {});
          const item = schema.type === 'array' ? (schema.items ?? {}) : schema;
          const numeric = item.type === 'integer' || item.type === 'number';
          if (numeric) numbers++;
          const wrong = numeric
            ? ['abc', '1.5', '', '1e400', String(item.maximum! + 1), String(item.minimum! - 1), '-']
            : item.enum
              ? ['bogus']
              : [];
          for (const value of wrong) {
            const response = await api(server(), readKey).get(
              `${pathOf(operation.template)}?${parameter.name}=${encodeURIComponent(value)}`,
            );
            const context = `${operation.key} ?${parameter.name}=${value} → ${response.status} ${response.text}`;
            expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
            const messages = messagesAbout(response, parameter.name);
            expect(messages, context).toHaveLength(1);
            if (numeric) expect(messages[0], context).toBe(`${parameter.name} must be an integer from ${item.minimum} to ${item.maximum}`);
          }
        }
      }
      expect(numbers).toBeGreaterThan(5);
    });
  });
});

describe('failed authentication is rate-limited per client address', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '5' } });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('answers 429 with Retry-After once the address has failed too often, even with a right key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const path = i % 2 === 0 ? '/v1/targets' : '/v1/findings';
      statuses.push((await request(server()).get(path).set('authorization', `Bearer wrong-key-${i}`)).status);
    }
    // A body that cannot be read is no way around the count: without a key, it is a failure like any other.
    const malformed = () => request(server()).post('/v1/targets').set('content-type', 'application/json').send('{"name":');
    statuses.push((await malformed()).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expectProblem(await malformed(), 429, 'REQUEST.RATE_LIMITED');
    const limited = await request(server()).get('/v1/api-keys').set('x-api-key', 'another-guess');
    expectProblem(limited, 429, 'REQUEST.RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const noKey = await request(server()).get('/v1/analyses');
    expectProblem(noKey, 429, 'REQUEST.RATE_LIMITED');
    // While the address is blocked, even the right key is not tried: a guess cannot be confirmed.
    const right = await request(server()).get('/v1/targets').set('authorization', `Bearer ${ADMIN_KEY}`);
    expectProblem(right, 429, 'REQUEST.RATE_LIMITED');
    // Public routes stay open.
    expect((await request(server()).get('/health/live')).status).toBe(200);
  });
});

describe('a key the process already knows, from a blocked address', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '5' } });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('is refused with 429 like any other key, whatever its scope', async () => {
    const created = await request(server())
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ name: 'reader', scopes: ['read'] });
    expect(created.status).toBe(201);
    const reader = `Bearer ${created.body.key}`;
    // Authenticated once: remembered by this process.
    expect((await request(server()).get('/v1/targets').set('authorization', reader)).status).toBe(200);
    // A write with a read key is 403 while the address is not blocked.
    expect((await request(server()).post('/v1/targets').set('authorization', reader).send({})).status).toBe(403);

    for (let i = 0; i < 5; i++)
      expect((await request(server()).get('/v1/targets').set('authorization', `Bearer wrong-key-${i}`)).status).toBe(401);
    // The failure over the limit blocks the address.
    expectProblem(await request(server()).get('/v1/targets').set('authorization', 'Bearer wrong-key-5'), 429, 'REQUEST.RATE_LIMITED');

    const read = await request(server()).get('/v1/targets').set('authorization', reader);
    expectProblem(read, 429, 'REQUEST.RATE_LIMITED');
    expect(Number(read.headers['retry-after'])).toBeGreaterThan(0);
    // Its scope is not revealed either: 429, not 403.
    expectProblem(await request(server()).post('/v1/targets').set('authorization', reader).send({}), 429, 'REQUEST.RATE_LIMITED');
  });
});
