import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { createFastifyAdapter } from '../common/http/fastify-adapter.factory';
import { createOpenApiDocument } from '../common/openapi/openapi-document';
import { loadAppConfig } from '../config/app-config';

/**
 * The API app in Nest's preview mode: the module graph and the controllers' decorators, but no
 * provider factory runs, so nothing connects. The addresses below are unreachable on purpose.
 */
export async function createPreviewApp(): Promise<INestApplication> {
  const config = loadAppConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    REDIS_URL: 'redis://127.0.0.1:1',
  });
  return NestFactory.create(AppModule.forRoot({ config, withWorker: false }), createFastifyAdapter(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
}

/** The API's OpenAPI document, without PostgreSQL or Redis. */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await createPreviewApp();
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
