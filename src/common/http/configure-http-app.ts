import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from '../logging/request-id';

export const API_KEY_SECURITY = 'api-key';

/**
 * Everything the HTTP app needs beyond its modules, shared by main.ts and the tests so both
 * serve the same thing: the pino logger, the request-id and nosniff response headers, and OpenAPI at
 * /docs (UI) and /docs-json.
 */
export function configureHttpApp(app: NestFastifyApplication): OpenAPIObject {
  app.useLogger(app.get(Logger));
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      // Browsers take every answer for the type it declares, never sniff a script out of it.
      void reply.header('x-content-type-options', 'nosniff');
    });
  const document = SwaggerModule.createDocument(app, openApiConfig());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}

function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('sgdoctor')
    .setDescription(
      'Finds the security-group and network-ACL rules that block traffic that should flow, and exactly what to change. ' +
        'Errors are RFC 9457 application/problem+json.',
    )
    .setVersion(packageVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An sgdoctor API key.' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SECURITY)
    .build();
}

function packageVersion(): string {
  try {
    // src/common/http and dist/common/http are both three levels below the package root.
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
