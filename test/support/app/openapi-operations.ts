import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { expect } from 'vitest';
import { SCOPES, type Scope } from '../../../src/auth/scope';
import { REQUIRED_SCOPE_EXTENSION } from '../../../src/common/openapi/openapi-document';

/** The subset of JSON Schema the document's components use (as @nestjs/swagger writes it). */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  example?: unknown;
  default?: unknown;
  readOnly?: boolean;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface RawOperation {
  security?: Array<Record<string, string[]>>;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface DocumentedOperation {
  /** `POST /v1/targets/{id}/paths`, as in the document. */
  key: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  /** The path template, with `{name}` parameters. */
  template: string;
  /** The scope an API key needs; undefined for a public operation (no `security`). */
  requiredScope: Scope | undefined;
  pathParameters: OpenApiParameter[];
  queryParameters: OpenApiParameter[];
  /** The application/json body schema, $refs and allOf resolved at the top level. */
  body: JsonSchema | undefined;
  bodyRequired: boolean;
  /** The HTTP statuses the operation documents. */
  statuses: string[];
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** openapi.json at the repository root: what `npm run openapi:check` keeps equal to the routes. */
export function loadOpenApiDocument(): OpenApiDocument {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'openapi.json'), 'utf8')) as OpenApiDocument;
}

/** Every operation of the document, in document order (read from it, never listed by hand). */
export function documentedOperations(document: OpenApiDocument = loadOpenApiDocument()): DocumentedOperation[] {
  const operations: DocumentedOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const secured = (operation.security ?? []).length > 0;
      const scope = operation[REQUIRED_SCOPE_EXTENSION];
      if (secured && !(SCOPES as readonly unknown[]).includes(scope)) {
        throw new Error(`${method.toUpperCase()} ${template} needs a key but names no scope in ${REQUIRED_SCOPE_EXTENSION}`);
      }
      const parameters = operation.parameters ?? [];
      const json = operation.requestBody?.content?.['application/json']?.schema;
      operations.push({
        key: `${method.toUpperCase()} ${template}`,
        method: method as DocumentedOperation['method'],
        template,
        requiredScope: secured ? (scope as Scope) : undefined,
        pathParameters: parameters.filter((p) => p.in === 'path'),
        queryParameters: parameters.filter((p) => p.in === 'query'),
        body: json ? resolveSchema(document, json) : undefined,
        bodyRequired: operation.requestBody?.required === true,
        statuses: Object.keys(operation.responses),
      });
    }
  }
  return operations;
}

/** A schema with its $ref followed and a single-element allOf (how Nest wraps a described $ref) unwrapped. */
export function resolveSchema(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; hops < 32; hops++) {
    if (current.$ref) {
      const name = current.$ref.replace('#/components/schemas/', '');
      const target = document.components.schemas[name];
      if (!target) throw new Error(`unresolved ${current.$ref}`);
      const { $ref: _ref, ...rest } = current;
      current = { ...target, ...rest };
      continue;
    }
    if (current.allOf?.length === 1) {
      const { allOf, ...rest } = current;
      current = { ...allOf[0], ...rest };
      continue;
    }
    return current;
  }
  throw new Error('a $ref cycle');
}

/** The template with each `{name}` replaced by its value, percent-encoded. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} of ${template}`);
    return encodeURIComponent(value);
  });
}

/** A supertest request of the operation's method. */
export function send(server: Parameters<typeof request>[0], method: DocumentedOperation['method'], path: string): request.Test {
  const agent = request(server);
  switch (method) {
    case 'get':
      return agent.get(path);
    case 'post':
      return agent.post(path);
    case 'put':
      return agent.put(path);
    case 'patch':
      return agent.patch(path);
    case 'delete':
      return agent.delete(path);
    case 'head':
      return agent.head(path);
    case 'options':
      return agent.options(path);
  }
}

/** A client error (or the given status) in the problem+json shape: type, title, status, code. */
export function expectProblem(response: request.Response, status: number, context: string): void {
  const shown = `${context} → ${response.status} ${response.headers['content-type'] ?? ''} ${response.text?.slice(0, 500)}`;
  expect(response.status, shown).toBe(status);
  expect(response.headers['content-type'], shown).toMatch(/^application\/problem\+json/);
  expect(response.body, shown).toMatchObject({ status, type: expect.any(String), title: expect.any(String), code: expect.any(String) });
}
