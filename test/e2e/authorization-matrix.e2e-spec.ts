import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, scopeSatisfies, type Scope } from '../../src/auth/scope';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { documentedOperations, expectProblem, fillPath, send, type DocumentedOperation } from '../support/app/openapi-operations';

const ADMIN_KEY = 'test-admin-key-authorization-matrix-0123456789';
/** An id that names nothing: a caller the guard lets through gets a 404 (or a 400 for the body), never the resource. */
const ABSENT_ID = '00000000-0000-4000-8000-00000000a11c';

/**
 * Every operation of openapi.json (read from the document, so a new route is covered as soon as
 * it is documented) × every way of presenting a key. What the guard answers must match the
 * document: public operations are open; the others answer 401 problem+json to no key, a
 * malformed one, an unknown one and a revoked one, 403 problem+json to a key below the
 * operation's x-required-scope, and let a key with that scope through to validation or the
 * handler (whatever it answers then, it is not 401, 403 or 5xx).
 */
const operations = documentedOperations();

type Credential = { name: string; headers: (keys: Keys) => Record<string, string> };
type Keys = Record<Scope | 'revoked', string>;

const UNAUTHENTICATED: Credential[] = [
  { name: 'no key', headers: () => ({}) },
  { name: 'an empty bearer', headers: () => ({ authorization: 'Bearer ' }) },
  { name: 'a malformed bearer', headers: () => ({ authorization: 'Bearer not-a-key at all' }) },
  { name: 'basic credentials', headers: () => ({ authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` }) },
  { name: 'a malformed x-api-key', headers: () => ({ 'x-api-key': 'sgd_zz_' }) },
  // Well formed (sgd_<12 hex>_<43 base64url>) but issued by nobody.
  {
    name: 'an unknown key',
    headers: () => ({ authorization: `Bearer sgd_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}` }),
  },
  { name: 'the admin key with one character changed', headers: () => ({ 'x-api-key': `${ADMIN_KEY.slice(0, -1)}X` }) },
  { name: 'a revoked admin key', headers: (keys) => ({ authorization: `Bearer ${keys.revoked}` }) },
  { name: 'a revoked admin key in x-api-key', headers: (keys) => ({ 'x-api-key': keys.revoked }) },
  // Which of two keys a request acts with cannot be told: it acts with neither.
  {
    name: 'a valid bearer beside another x-api-key',
    headers: (keys) => ({ authorization: `Bearer ${keys.admin}`, 'x-api-key': keys.read }),
  },
];

function bodyOf(operation: DocumentedOperation): object | undefined {
  return operation.body ? {} : undefined;
}

describe('authorization matrix of every documented operation', () => {
  let testApp: TestApp;
  const keys = {} as Keys;
  const server = () => testApp.app.getHttpServer();

  async function call(operation: DocumentedOperation, headers: Record<string, string>): Promise<request.Response> {
    const values = Object.fromEntries(operation.pathParameters.map((p) => [p.name, ABSENT_ID]));
    const test = send(server(), operation.method, fillPath(operation.template, values)).set(headers);
    const body = bodyOf(operation);
    return body ? test.send(body) : test;
  }

  beforeAll(async () => {
    // Every unauthenticated call counts against this address; the limit is not under test here.
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '1000000' } });
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    for (const scope of SCOPES) {
      const created = await send(server(), 'post', '/v1/api-keys')
        .set(admin)
        .send({ name: `matrix-${scope}`, scopes: [scope] });
      expect(created.status, created.text).toBe(201);
      keys[scope] = created.body.key;
    }
    const revoked = await send(server(), 'post', '/v1/api-keys')
      .set(admin)
      .send({ name: 'matrix-revoked', scopes: ['admin'] });
    expect(revoked.status, revoked.text).toBe(201);
    expect((await send(server(), 'delete', `/v1/api-keys/${revoked.body.id}`).set(admin)).status).toBe(204);
    keys.revoked = revoked.body.key;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('reads a scope for every operation that needs a key, and finds the public ones and every scope in use', () => {
    expect(operations.length).toBeGreaterThan(30);
    const publicKeys = operations.filter((op) => !op.requiredScope).map((op) => op.key);
    expect(publicKeys.every((key) => key.startsWith('GET /health/'))).toBe(true);
    expect(publicKeys.length).toBeGreaterThan(0);
    expect(new Set(operations.map((op) => op.requiredScope).filter(Boolean))).toEqual(new Set(SCOPES));
  });

  describe.each(operations.filter((op) => op.requiredScope).map((op) => [op.key, op] as const))('%s', (_key, operation) => {
    const required = operation.requiredScope!;

    it('answers 401 problem+json to no key, a malformed, an unknown or a revoked key', async () => {
      for (const credential of UNAUTHENTICATED) {
        const response = await call(operation, credential.headers(keys));
        expectProblem(response, 401, `${operation.key} with ${credential.name}`);
        expect(response.body.code).toBe('AUTH.UNAUTHENTICATED');
      }
    });

    it.each(SCOPES.map((scope) => [scope] as const))(
      `with a %s key: 403 problem+json below ${required}, let through at or above it`,
      async (scope) => {
        for (const header of ['authorization', 'x-api-key'] as const) {
          const value = header === 'authorization' ? `Bearer ${keys[scope]}` : keys[scope];
          const response = await call(operation, { [header]: value });
          const context = `${operation.key} with a ${scope} key in ${header}`;
          if (!scopeSatisfies([scope], required)) {
            expectProblem(response, 403, context);
            expect(response.body).toMatchObject({ code: 'AUTH.FORBIDDEN', requiredScope: required });
            expect(operation.statuses, `${operation.key} answers 403 but does not document it`).toContain('403');
          } else {
            expect([401, 403], `${context} → ${response.status} ${response.text}`).not.toContain(response.status);
            expect(response.status, `${context} → ${response.text}`).toBeLessThan(500);
            if (response.status >= 400) expectProblem(response, response.status, context);
          }
        }
      },
    );
  });

  describe.each(operations.filter((op) => !op.requiredScope).map((op) => [op.key, op] as const))('%s (public)', (_key, operation) => {
    it('is open to callers with no key, a bad key or a revoked one', async () => {
      for (const credential of [
        ...UNAUTHENTICATED,
        { name: 'a read key', headers: (k: Keys) => ({ authorization: `Bearer ${k.read}` }) },
      ]) {
        const response = await call(operation, credential.headers(keys));
        expect(response.status, `${operation.key} with ${credential.name} → ${response.text}`).toBe(200);
      }
    });
  });
});
