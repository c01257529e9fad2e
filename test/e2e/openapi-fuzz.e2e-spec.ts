import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, analyse, api, sampleTargetBody } from '../support/app/analysis-api';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { athenaError, athenaOperation, ec2Error } from '../support/aws/aws-wire-responses';
import { FakeHttpHandler } from '../support/aws/fake-http-handler';
import type { TestApp } from '../support/app/test-app';
import { until } from '../support/app/until';
import { requestArbitrary, uuidsIn, type FuzzContext, type FuzzRequest } from '../support/app/openapi-arbitraries';
import { documentedOperations, fillPath, loadOpenApiDocument, send, type DocumentedOperation } from '../support/app/openapi-operations';

/**
 * Every operation of openapi.json, fuzzed with fast-check from its own parameters and body
 * schema (valid values to reach the handlers, and hostile ones: wrong types, extremes, unicode,
 * deep nesting, prototype-pollution keys, bad UUIDs, replayed, tampered and forged cursors,
 * unknown fields, other media types), with an admin key, against the real API and worker on an
 * analysed sample target. Every answer must be a success or a client error in problem+json;
 * none a 5xx, and the process must still be live at the end.
 *
 * Reproducible: the seed of each operation derives from FUZZ_SEED (printed on failure with the
 * counterexample); FUZZ_RUNS sets the runs per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_204);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const document = loadOpenApiDocument();
// Deletions last, so the seeded resources are there for every other operation.
const operations = documentedOperations(document).sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));

function seedOf(operation: DocumentedOperation): number {
  return createHash('sha256').update(`${SEED}:${operation.key}`).digest().readInt32BE(0);
}

/** Every AWS call is refused as AWS refuses an unauthorised caller: nothing leaves the machine. */
const refusingAws = new FakeHttpHandler((recorded) => {
  if (athenaOperation(recorded)) return athenaError('AccessDeniedException', 'User is not authorized to perform: athena:*', 400);
  if (recorded.hostname.startsWith('sts')) {
    return {
      status: 403,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>fuzz</RequestId></ErrorResponse>',
    };
  }
  return ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);
});

describe('fuzzing every documented operation', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();
  const context: FuzzContext = { document, ids: [], cursors: [] };
  const statuses = new Map<string, Map<number, number>>();

  function remember(body: unknown): void {
    const ids = new Set(context.ids);
    uuidsIn(body, ids);
    context.ids = [...ids].sort();
    const cursor = (body as { nextCursor?: unknown } | undefined)?.nextCursor;
    if (typeof cursor === 'string' && !context.cursors.includes(cursor)) context.cursors.push(cursor);
  }

  /** Calls every GET of the document (one path parameter at most, from the ids known so far) to learn ids and cursors. */
  async function discover(): Promise<void> {
    for (const operation of operations.filter((op) => op.method === 'get' && op.requiredScope && op.pathParameters.length <= 1)) {
      // The first page for ids, a page of one for a cursor.
      const queries = operation.queryParameters.some((p) => p.name === 'limit') ? ['', '?limit=1'] : [''];
      const assignments = operation.pathParameters.length ? context.ids.map((id) => ({ [operation.pathParameters[0].name]: id })) : [{}];
      for (const values of assignments) {
        for (const query of queries) {
          const response = await send(server(), 'get', fillPath(operation.template, values) + query).set(
            'authorization',
            `Bearer ${ADMIN_KEY}`,
          );
          if (response.status === 200) remember(response.body);
        }
      }
    }
  }

  beforeAll(async () => {
    testApp = await createAwsTestApp({
      env: {
        RATE_LIMIT_PER_MINUTE: '1000000',
        SGDOCTOR_ENCRYPTION_KEY: '0'.repeat(64),
        // Webhooks may point at 127.0.0.1:9 (nothing listens there); every generated URL is confined to it.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        WEBHOOK_TIMEOUT_MS: '500',
      },
      clientConfig: { requestHandler: refusingAws as never, maxAttempts: 1 },
    });
    const http = api(server());
    const webhook = await http.post('/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['finding.opened', 'analysis.completed', 'report.ready'],
    });
    expect(webhook.status, webhook.text).toBe(201);
    remember(webhook.body);
    const target = await http.post('/v1/targets', sampleTargetBody());
    expect(target.status, target.text).toBe(201);
    remember(target.body);
    remember(await analyse(server(), target.body.id));
    const schedule = await http.post('/v1/report-schedules', { targetIds: [target.body.id], cron: '0 6 * * *' });
    expect(schedule.status, schedule.text).toBe(201);
    remember(schedule.body);
    expect((await http.post(`/v1/report-schedules/${schedule.body.id}/run`)).status).toBe(202);
    await until(
      () => http.get('/v1/reports'),
      (page) => page.body.items?.length > 0,
    );
    remember((await http.post('/v1/api-keys', { name: 'fuzz', scopes: ['read'] })).body);
    await discover();
    await discover();
  });

  afterAll(async () => {
    const summary = [...statuses].map(
      ([key, counts]) =>
        `${key}: ${[...counts]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    console.info(
      `fuzzed with FUZZ_SEED=${SEED}, ${RUNS} runs per operation, ${context.ids.length} known ids, ${context.cursors.length} cursors\n${summary.join('\n')}`,
    );
    await testApp?.close();
  });

  it('seeded ids and cursors to aim at', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(context.ids.length).toBeGreaterThan(10);
    expect(context.cursors.length).toBeGreaterThan(0);
  });

  it.each(operations.map((op) => [op.key, op] as const))('%s answers only 2xx/4xx problem+json', async (_key, operation) => {
    const counts = new Map<number, number>();
    statuses.set(operation.key, counts);
    await fc.assert(
      fc.asyncProperty(requestArbitrary(context, operation, ADMIN_KEY), async (fuzz: FuzzRequest) => {
        let test = send(server(), operation.method, fuzz.path).set(fuzz.headers).timeout(20_000);
        if (fuzz.body !== undefined) test = test.send(fuzz.body);
        const response: request.Response = await test;
        counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
        const shown = `${operation.key} as ${operation.method.toUpperCase()} ${fuzz.path.slice(0, 300)} (${fuzz.shape}) → ${response.status} ${response.headers['content-type'] ?? ''} ${response.text?.slice(0, 400)}`;
        expect(response.status, shown).toBeLessThan(500);
        expect(response.status, shown).toBeGreaterThanOrEqual(200);
        if (response.status >= 400) {
          expect(response.headers['content-type'], shown).toMatch(/^application\/problem\+json/);
          expect(response.body, shown).toMatchObject({
            status: response.status,
            type: expect.any(String),
            title: expect.any(String),
            code: expect.any(String),
          });
        }
      }),
      { numRuns: RUNS, seed: seedOf(operation), endOnFailure: true },
    );
  });

  it('leaves the process live and ready, and no prototype polluted', async () => {
    expect((await send(server(), 'get', '/health/live')).status).toBe(200);
    expect((await send(server(), 'get', '/health/ready')).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await api(server()).get('/v1/targets')).status).toBe(200);
  });
});
