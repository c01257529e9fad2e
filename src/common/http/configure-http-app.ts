import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { ApiKeyGuard } from '../../auth/api-key.guard';
import { MissingHostError } from '../errors/missing-host.error';
import { UnauthenticatedError } from '../errors/unauthenticated.error';
import { REQUEST_ID_HEADER } from '../logging/request-id';
import { createOpenApiDocument } from '../openapi/openapi-document';
import { sendExceptionProblem } from './problem-details.filter';

const DOCS_PATH = 'docs';

/** The routes SwaggerModule adds for the documentation: the UI and its files, the document as JSON and YAML. */
const DOCS_ROUTE = new RegExp(`^/${DOCS_PATH}(?:$|[/-])`);

/**
 * What a 401 from the documentation offers: the key as the password of HTTP Basic credentials,
 * which makes a browser ask for it, or as a bearer token, as everywhere. One header line each:
 * browsers read one challenge of a line.
 */
const DOCS_CHALLENGES = ['Basic realm="sgdoctor", charset="UTF-8"', 'Bearer realm="sgdoctor"'];

/**
 * Everything the HTTP app needs beyond its modules and its adapter (createFastifyAdapter, which
 * reads the bodies), shared by main.ts and the tests so both serve the same thing: the pino
 * logger, the request-id and nosniff response headers, and OpenAPI at /docs (UI) and /docs-json,
 * behind an API key like every route but the health checks.
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
      if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
        sendExceptionProblem(new MissingHostError(), request, reply);
        return reply;
      }
    });
  protectDocumentation(app);
  const document = createOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json`, yamlDocumentUrl: `${DOCS_PATH}-yaml` });
  return document;
}

/**
 * SwaggerModule serves the documentation from Fastify routes of its own, which Nest's guards never
 * see: each of them, as it is added, is given a hook that admits any key that may read (by the
 * route, so an encoded path is judged as the path it is routed to; and no other route pays for it).
 */
function protectDocumentation(app: NestFastifyApplication): void {
  const guard = app.get(ApiKeyGuard);
  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await guard.admitToDocumentation(request);
    } catch (error) {
      sendExceptionProblem(
        error,
        request,
        reply,
        error instanceof UnauthenticatedError ? { 'www-authenticate': DOCS_CHALLENGES } : undefined,
      );
      return reply;
    }
  };
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      if (!DOCS_ROUTE.test(route.url)) return;
      const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [admit, ...own];
    });
}
