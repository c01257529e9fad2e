import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { RedisHealthClient } from './redis-health.client';

/** Each dependency must answer within this time for the service to count as ready. */
const CHECK_TIMEOUT_MS = 1500;

/** The state of each checked dependency by name (`database`, `redis`): `status` up or down, and why when down. */
const CHECK_STATES: SchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string' } },
    required: ['status'],
    additionalProperties: true,
  },
};

/** What @nestjs/terminus answers: overall status, the checks that passed (`info`), failed (`error`), and both (`details`). */
const HEALTH_CHECK_RESULT: SchemaObject = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: CHECK_STATES,
    error: CHECK_STATES,
    details: CHECK_STATES,
  },
  required: ['status', 'details'],
  example: {
    status: 'ok',
    info: { database: { status: 'up' }, redis: { status: 'up' } },
    error: {},
    details: { database: { status: 'up' }, redis: { status: 'up' } },
  },
};

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisHealthClient,
  ) {}

  /** The process is up and serving HTTP; says nothing about its dependencies. */
  @Get('live')
  @ApiOperation({
    summary: 'Liveness',
    description:
      'Answers 200 while the process serves HTTP, whatever the state of PostgreSQL and Redis: restart the process only when this fails. No API key needed.',
  })
  @ApiOkResponse({
    description: 'The process is alive.',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** PostgreSQL and Redis both answer: 200, else 503 with the failing checks. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness',
    description:
      'Answers 200 when PostgreSQL and Redis both answer within 1.5 s, else 503 naming the one that does not; it recovers by ' +
      'itself. Route traffic to the instance only while this is 200. No API key needed.',
  })
  @ApiOkResponse({ description: 'PostgreSQL and Redis answer.', schema: HEALTH_CHECK_RESULT })
  @ApiServiceUnavailableResponse({
    description: 'A dependency does not answer: `error` names it. The body is the health report (application/json), not a problem.',
    schema: HEALTH_CHECK_RESULT,
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(() => this.dataSource.query('SELECT 1').then(() => undefined))
            .withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('redis')
            .attempt(() => this.redis.ping())
            .withTimeout(CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        void reply.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }
}
