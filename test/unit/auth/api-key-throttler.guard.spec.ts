import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SkipThrottle, Throttle, ThrottlerModule } from '@nestjs/throttler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyThrottlerGuard } from '../../../src/auth/api-key-throttler.guard';
import { AuthFailureLimiter } from '../../../src/auth/auth-failure-limiter';
import { ProblemDetailsFilter } from '../../../src/common/http/problem-details.filter';

@Controller('plain')
class PlainController {
  @Get()
  get(): string {
    return 'ok';
  }

  @Get('one')
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  one(): string {
    return 'ok';
  }

  @Get('skipped')
  @SkipThrottle()
  skipped(): string {
    return 'ok';
  }
}

@Controller('computed')
@Throttle({ default: { limit: () => 2, ttl: 60_000 } })
class ComputedController {
  @Get()
  get(): string {
    return 'ok';
  }

  @Get('own')
  @Throttle({ default: { limit: 4, ttl: 60_000 } })
  own(): string {
    return 'ok';
  }
}

@Controller('unlimited')
@SkipThrottle()
class UnlimitedController {
  @Get()
  get(): string {
    return 'ok';
  }
}

describe('ApiKeyThrottlerGuard with route settings read once', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      // The module's own in-memory storage: the guard's Redis path is the integration tests'.
      imports: [ThrottlerModule.forRoot({ throttlers: [{ name: 'default', ttl: 60_000, limit: 3 }] })],
      controllers: [PlainController, ComputedController, UnlimitedController],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // Reached only for an address ApiKeyGuard left to check, and no ApiKeyGuard runs here.
        { provide: AuthFailureLimiter, useValue: {} },
      ],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await (app as INestApplication | undefined)?.close();
  });

  /** The statuses and remaining counts of `times` requests to `url`, each one twice over (the second from the remembered settings). */
  async function statuses(url: string, times: number): Promise<Array<[number, string | undefined]>> {
    const out: Array<[number, string | undefined]> = [];
    for (let i = 0; i < times; i++) {
      const response = await app.inject({ method: 'GET', url });
      out.push([response.statusCode, response.headers['x-ratelimit-remaining'] as string | undefined]);
    }
    return out;
  }

  it("limits a route by the throttler's own settings", async () => {
    expect(await statuses('/plain', 4)).toEqual([
      [200, '2'],
      [200, '1'],
      [200, '0'],
      [429, undefined],
    ]);
  });

  it("takes a handler's limit over the throttler's", async () => {
    expect((await statuses('/plain/one', 2)).map(([status]) => status)).toEqual([200, 429]);
  });

  it('counts nothing and sets no header on a skipped handler or controller', async () => {
    expect(await statuses('/plain/skipped', 5)).toEqual(Array(5).fill([200, undefined]));
    expect(await statuses('/unlimited', 5)).toEqual(Array(5).fill([200, undefined]));
  });

  it("calls a limit given as a function for each request, and takes a handler's over its controller's", async () => {
    expect((await statuses('/computed', 3)).map(([status]) => status)).toEqual([200, 200, 429]);
    expect((await statuses('/computed/own', 5)).map(([status]) => status)).toEqual([200, 200, 200, 200, 429]);
  });
});
