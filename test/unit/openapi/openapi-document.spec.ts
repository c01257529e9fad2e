import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DECORATORS, type OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_PUBLIC_KEY } from '../../../src/auth/public.decorator';
import { REQUIRED_SCOPE_KEY } from '../../../src/auth/require-scope.decorator';
import type { Scope } from '../../../src/auth/scope';
import { ErrorCode } from '../../../src/common/errors/error-code';
import { createOpenApiDocument } from '../../../src/common/openapi/openapi-document';
import { createPreviewApp } from '../../../src/openapi/build-openapi-document';
import { canonicalJson } from '../../../src/openapi/canonical-json';
import { jsonDifferences } from '../../../src/openapi/json-differences';

interface Route {
  /** `GET /v1/targets/{id}`, as in the document. */
  key: string;
  method: string;
  path: string;
  public: boolean;
  scope: Scope;
}

interface Operation {
  'x-required-scope'?: string;
  summary?: string;
  description?: string;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}

const PROBLEM = 'application/problem+json';
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
const READ_METHODS = new Set(['get', 'head', 'options']);

/** Every HTTP route of the API app's controllers, with what the global guard makes of it. */
function routesOf(app: INestApplication): Route[] {
  const reflector = new Reflector();
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      if (Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, controller)?.[0]) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name] as unknown;
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
        const own = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = `/${[base, own]
          .flatMap((part) => part.split('/'))
          .filter(Boolean)
          .join('/')}`.replace(/:(\w+)/g, '{$1}');
        const targets = [handler, controller];
        routes.push({
          key: `${method.toUpperCase()} ${path}`,
          method,
          path,
          public: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
          scope:
            reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE_KEY, targets) ?? (READ_METHODS.has(method) ? 'read' : 'write'),
        });
      }
    }
  }
  return routes.sort((a, b) => a.key.localeCompare(b.key));
}

function operationsOf(document: OpenAPIObject): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return operations;
}

function errorStatuses(operation: Operation): string[] {
  return Object.keys(operation.responses).filter((status) => /^[45]\d\d$/.test(status));
}

describe('the OpenAPI document', () => {
  let app: INestApplication;
  let document: OpenAPIObject;
  let routes: Route[];
  let operations: Map<string, Operation>;

  beforeAll(async () => {
    app = await createPreviewApp();
    document = createOpenApiDocument(app);
    routes = routesOf(app);
    operations = operationsOf(document);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('has an operation for every route, and no other', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect([...operations.keys()].sort()).toEqual(routes.map((route) => route.key).sort());
  });

  it('gives every operation a summary, a description and a success response with its schema', () => {
    const missing: string[] = [];
    for (const [key, operation] of operations) {
      if (!operation.summary?.trim()) missing.push(`${key}: no summary`);
      if (!operation.description?.trim()) missing.push(`${key}: no description`);
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) missing.push(`${key}: no success response`);
      // Several only for one resource answered two ways (a new confirmation 202, a pending one 200): one schema for all.
      const schemas = new Set(success.map(([, response]) => JSON.stringify(response.content ?? null)));
      if (schemas.size > 1) missing.push(`${key}: ${success.length} success responses of different schemas`);
      for (const [status, response] of success) {
        if (!response.description?.trim() && status !== '204') missing.push(`${key}: ${status} has no description`);
        if (status === '204') {
          if (response.content) missing.push(`${key}: 204 with a body`);
          continue;
        }
        const media = Object.entries(response.content ?? {});
        if (media.length === 0 || media.some(([, content]) => !content.schema)) missing.push(`${key}: ${status} has no schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents 401, 429 and 500 on every route that needs an API key, 403 where the scope is above read, and none of them on public routes', () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const statuses = errorStatuses(operations.get(route.key)!);
      const expected = { '401': !route.public, '429': !route.public, '500': !route.public, '403': !route.public && route.scope !== 'read' };
      for (const [status, present] of Object.entries(expected)) {
        if (statuses.includes(status) !== present) wrong.push(`${route.key}: ${present ? 'no' : 'an unexpected'} ${status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(routes.filter((route) => route.public).map((route) => route.key)).toEqual(['GET /health/live', 'GET /health/ready']);
  });

  it('names in x-required-scope the scope the guard requires of every route that needs an API key, and none on public routes', () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const documented = operations.get(route.key)!['x-required-scope'];
      const expected = route.public ? undefined : route.scope;
      if (documented !== expected) wrong.push(`${route.key}: ${String(documented)} instead of ${String(expected)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('documents what validation answers: 400 for ids, queries and bodies, 404 for ids, 413 and 415 for bodies', () => {
    const wrong: string[] = [];
    for (const [key, operation] of operations) {
      const statuses = errorStatuses(operation);
      const parameters = operation.parameters ?? [];
      const needs = [
        ...(parameters.some((p) => p.in === 'path') ? ['400', '404'] : []),
        ...(parameters.some((p) => p.in === 'query') ? ['400'] : []),
        ...(operation.requestBody ? ['400', '413', '415'] : []),
      ];
      for (const status of new Set(needs)) if (!statuses.includes(status)) wrong.push(`${key}: no ${status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives every error of an authenticated route an application/problem+json body of the shared ProblemDetails schemas, naming its codes', () => {
    const wrong: string[] = [];
    for (const route of routes.filter((r) => !r.public)) {
      const operation = operations.get(route.key)!;
      for (const status of errorStatuses(operation)) {
        const response = operation.responses[status];
        const expected = status === '400' ? '#/components/schemas/ValidationProblemDetails' : '#/components/schemas/ProblemDetails';
        if (Object.keys(response.content ?? {}).join() !== PROBLEM) wrong.push(`${route.key} ${status}: not only ${PROBLEM}`);
        else if (response.content![PROBLEM].schema?.$ref !== expected) wrong.push(`${route.key} ${status}: schema is not ${expected}`);
        const named = [...(response.description ?? '').matchAll(/`([A-Z_]+(?:\.[A-Z_]+)*)`/g)].map((match) => match[1]);
        if (!named.some((code) => ERROR_CODES.has(code))) wrong.push(`${route.key} ${status}: names no error code`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('types every field of a request body: no bare object (a string union with null reads as one to the plugin), free-form ones say so', () => {
    type Schema = { type?: string; $ref?: string; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[] };
    const schemas = document.components!.schemas as Record<string, Schema>;
    const seen = new Set<string>();
    const wrong: string[] = [];
    const visit = (schema: Schema | undefined, at: string): void => {
      if (!schema) return;
      if (schema.$ref) {
        const name = schema.$ref.split('/').pop()!;
        if (!seen.has(name)) {
          seen.add(name);
          visit(schemas[name], name);
        }
        return;
      }
      for (const part of schema.allOf ?? []) visit(part, at);
      visit(schema.items, `${at}[]`);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const bare = property.type === 'object' && !property.properties && !('additionalProperties' in property);
        if (bare && !property.$ref && !property.allOf) wrong.push(`${at}.${name}`);
        visit(property, `${at}.${name}`);
      }
    };
    for (const operation of operations.values()) {
      const body = operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) visit(media.schema, 'body');
    }
    expect(wrong).toEqual([]);
  });

  it('describes problem details as the filter writes them, the validation variant with its errors', () => {
    const schemas = document.components!.schemas as Record<
      string,
      { required?: string[]; properties: Record<string, { type?: string; items?: { $ref?: string } }> }
    >;
    expect(schemas.ProblemDetails.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(schemas.ValidationProblemDetails.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(schemas.ValidationProblemDetails.properties.errors).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/FieldError' },
    });
    expect(Object.keys(schemas.FieldError.properties).sort()).toEqual(['field', 'message']);
  });

  it('is what openapi.json holds (npm run openapi:generate rewrites it)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'openapi.json'), 'utf8');
    const generated = canonicalJson(document);
    expect(jsonDifferences(JSON.parse(committed), JSON.parse(generated)), 'openapi.json is stale: run `npm run openapi:generate`').toEqual(
      [],
    );
    expect(generated === committed, 'openapi.json was not written by `npm run openapi:generate`').toBe(true);
  });
});
