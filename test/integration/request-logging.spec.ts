import { Body, Controller, Get, Logger, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFastifyAdapter } from '../../src/common/http/fastify-adapter.factory';
import { LoggingModule } from '../../src/common/logging/logging.module';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config';

@Controller('logged')
class LoggingController {
  private readonly logger = new Logger('LoggingController');

  @Get()
  async read(): Promise<{ ok: true }> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.logger.warn('read after a wait');
    return { ok: true };
  }

  @Post()
  write(@Body() body: unknown): { ok: true } {
    this.logger.warn({ size: JSON.stringify(body).length }, 'wrote a body');
    return { ok: true };
  }

  @Get('quiet')
  quiet(): { ok: true } {
    return { ok: true };
  }
}

function moduleFor(config: AppConfig) {
  @Module({ imports: [LoggingModule.forRoot(config)], controllers: [LoggingController] })
  class LoggingTestModule {}
  return LoggingTestModule;
}

describe('request logging', () => {
  let app: NestFastifyApplication;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const config = loadAppConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    app = await NestFactory.create<NestFastifyApplication>(moduleFor(config), createFastifyAdapter(config), { bufferLogs: true });
    app.useLogger(app.get(PinoNestLogger));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    // The lines the root logger writes, captured instead of written to stdout.
    const root = PinoLogger.root as unknown as Record<symbol, unknown>;
    root[pino.symbols.streamSym] = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  });

  beforeEach(() => {
    lines.length = 0;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('gives the lines a handler writes the request id, after an await and after a body was read', async () => {
    await request(app.getHttpServer()).get('/logged').set('x-request-id', 'read-1').expect(200);
    await request(app.getHttpServer())
      .post('/logged')
      .set('x-request-id', 'write-1')
      .send({ data: 'x'.repeat(100_000) })
      .expect(201);
    expect(lines.find((line) => line.msg === 'read after a wait')).toMatchObject({ reqId: 'read-1', level: 40 });
    expect(lines.find((line) => line.msg === 'wrote a body')).toMatchObject({ reqId: 'write-1', level: 40, size: 100_011 });
    // 2xx completion lines are at info, below this level: not written.
    expect(lines.some((line) => line.msg === 'request completed')).toBe(false);
  });

  it('writes a client error completion line (warn) with its request id and route', async () => {
    await request(app.getHttpServer()).get('/logged/missing').set('x-request-id', 'missing-1').expect(404);
    expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({ reqId: 'missing-1', statusCode: 404, level: 40 });
  });

  it('makes no logger per request, and gives lines outside a request no request id', async () => {
    const child = vi.spyOn(PinoLogger.root, 'child');
    try {
      for (let i = 0; i < 20; i++) await request(app.getHttpServer()).get('/logged/quiet').expect(200);
      await request(app.getHttpServer()).get('/logged').expect(200);
      expect(child).not.toHaveBeenCalled();
    } finally {
      child.mockRestore();
    }
    new Logger('Outside').warn('no request here');
    expect(lines.find((line) => line.msg === 'no request here')).not.toHaveProperty('reqId');
  });
});
