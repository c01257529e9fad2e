import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint. Like every route but health it needs an API key (read scope; a
 * scraper sends it with its `authorization` setting): request rates, routes and queue depths are
 * the service's own business. Not throttled, so a scrape never uses up a key's limit.
 */
@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
