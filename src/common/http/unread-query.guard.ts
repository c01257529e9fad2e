import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors/validation.error';

/**
 * Refuses a query parameter on an API route that reads none (`GET /v1/api-keys?limit=5`), as the
 * routes that read a query refuse one they do not know: ignored, it would let a client believe
 * its filter or limit applied. A global guard after the API key's, the rate limit's and the
 * body's, so a caller without a key learns nothing of it. Routes outside `/v1` (health checks,
 * metrics, the documentation) are left alone: probes and scrapers add parameters of their own.
 */
@Injectable()
export class UnreadQueryGuard implements CanActivate {
  private readonly readsQuery = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.routeOptions.url?.startsWith('/v1/')) return true;
    const query = request.query;
    if (typeof query !== 'object' || query === null) return true;
    const names = Object.keys(query);
    if (names.length === 0 || this.handlerReadsQuery(context)) return true;
    throw new ValidationError(names.map((name) => ({ field: name, message: `property ${name} should not exist` })));
  }

  private handlerReadsQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let reads = this.readsQuery.get(handler);
    if (reads === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      reads = Object.keys(args).some((key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY);
      this.readsQuery.set(handler, reads);
    }
    return reads;
  }
}
