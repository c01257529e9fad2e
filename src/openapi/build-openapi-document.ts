import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { createFastifyAdapter } from '../common/http/fastify-adapter.factory';
import { createOpenApiDocument } from '../common/openapi/openapi-document';
import { loadAppConfig } from '../config/app-config';

/**
 * The API's OpenAPI document without PostgreSQL or Redis: the app is created in Nest's preview
 * mode, which builds the module graph and reads the controllers' decorators but runs no
 * provider factory, so nothing connects. The addresses below are unreachable on purpose.
 */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadAppConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    REDIS_URL: 'redis://127.0.0.1:1',
  });
  const app = await NestFactory.create(AppModule.forRoot({ config, withWorker: false }), createFastifyAdapter(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
