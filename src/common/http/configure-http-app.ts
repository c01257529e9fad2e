import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from '../logging/request-id';
import { createOpenApiDocument } from '../openapi/openapi-document';

/**
 * Everything the HTTP app needs beyond its modules and its adapter (createFastifyAdapter, which
 * reads the bodies), shared by main.ts and the tests so both serve the same thing: the pino
 * logger, the request-id and nosniff response headers, and OpenAPI at /docs (UI) and /docs-json.
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
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}
