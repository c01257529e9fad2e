import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { defaultScopeOf } from '../../auth/scope';

export const API_KEY_SECURITY = 'api-key';

/** The operation extension that names the scope an API key needs (`read`, `write` or `admin`). */
export const REQUIRED_SCOPE_EXTENSION = 'x-required-scope';

/**
 * The OpenAPI document of an app's routes. Reads decorators only, so an app created in preview
 * mode (no database, no Redis) gives the same document as the running service.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return withDefaultScopes(SwaggerModule.createDocument(app, openApiConfig()));
}

/**
 * @RequireScope() writes `x-required-scope`; an operation that needs a key without naming a
 * scope gets the one the guard applies by method, so every secured operation says what it needs.
 */
function withDefaultScopes(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const secured = Array.isArray(operation.security) && operation.security.length > 0;
      if (secured && operation[REQUIRED_SCOPE_EXTENSION] === undefined) operation[REQUIRED_SCOPE_EXTENSION] = defaultScopeOf(method);
    }
  }
  return document;
}

function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('sgdoctor')
    .setDescription(
      'Finds the security-group and network-ACL rules that block traffic that should flow, and exactly what to change.\n\n' +
        'Every `/v1` route needs an API key (`Authorization: Bearer <key>` or `x-api-key`) with a scope: ' +
        '`read` (GET), `write` (changes), `admin` (API keys, webhooks), each including the ones before it; ' +
        'each operation names its own in `x-required-scope`. ' +
        'Every error is RFC 9457 `application/problem+json` (schema ProblemDetails) with a stable `code`. ' +
        'A path the API does not have is 404 `REQUEST.ROUTE_NOT_FOUND`; a method its path does not take is 405 ' +
        '`REQUEST.METHOD_NOT_ALLOWED`, with an `Allow` header naming those it does, key or no key.',
    )
    .setVersion(packageVersion())
    .addTag('targets', 'AWS accounts and regions to analyse, with where their flow logs and network configuration come from.')
    .addTag(
      'analyses',
      'Runs over a time window: snapshot the configuration, read the REJECT records, attribute each to a rule, keep findings.',
    )
    .addTag(
      'findings',
      'Traffic a rule blocks, classified (likely misconfiguration, likely noise, uncertain), with the smallest verified fix.',
    )
    .addTag('simulations', 'What proposed rule changes would let through, before they are made.')
    .addTag('webhooks', 'Signed Standard Webhooks, Slack, Jira and ServiceNow subscriptions to events, and their delivery log.')
    .addTag('reports', 'Scheduled reports of findings and trends, in JSON, CSV, Markdown and HTML.')
    .addTag('api-keys', 'API keys and their scopes (admin only).')
    .addTag('health', 'Liveness and readiness for orchestrators; no API key needed.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An sgdoctor API key.' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An sgdoctor API key.' }, API_KEY_SECURITY)
    .build();
}

function packageVersion(): string {
  try {
    // src/common/openapi and dist/common/openapi are both three levels below the package root.
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
