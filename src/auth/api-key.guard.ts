import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../common/errors/forbidden.error';
import { UnauthenticatedError } from '../common/errors/unauthenticated.error';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { DEFERRED_ADDRESS_CHECK, PRINCIPAL_PROPERTY, type RequestWithDeferredCheck, type RequestWithPrincipal } from './principal';
import { IS_PUBLIC_KEY } from './public.decorator';
import { REQUIRED_SCOPE_KEY } from './require-scope.decorator';
import { RouteSettings } from './route-settings';
import { defaultScopeOf, scopeSatisfies, type Scope } from './scope';

/**
 * Applied to every route: a request needs a valid API key (`Authorization: Bearer <key>` or
 * `x-api-key`) with the route's scope, unless the route is @Public(). Failed authentications are
 * limited per client address (AuthFailureLimiter).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** What a route's decorators say: whether it is public, and the scope it requires. */
  private readonly routes = new RouteSettings<RouteAccess>((handler, controller) => ({
    isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller])),
    scope: this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE_KEY, [handler, controller]),
  }));

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const access = this.routes.of(context);
    if (access.isPublic) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal & RequestWithDeferredCheck>();
    const presented = presentedKey(request);
    if (presented === AMBIGUOUS) {
      await this.failures.checkNotBlocked(request.ip);
      throw await this.failures.failed(
        request.ip,
        new UnauthenticatedError('The request presents two different API keys (Authorization and x-api-key): send one.'),
      );
    }
    // A key this process authenticated moments ago: no lookup, and the address block is checked
    // by the rate limiter (ApiKeyThrottlerGuard) against the blocks this process knows of, before any answer.
    let principal = presented ? this.apiKeys.recentlyAuthenticated(presented) : undefined;
    if (principal) {
      request[DEFERRED_ADDRESS_CHECK] = request.ip;
    } else {
      await this.failures.checkNotBlocked(request.ip);
      if (!presented) throw await this.failures.failed(request.ip, new UnauthenticatedError());
      principal = await this.apiKeys.authenticate(presented);
      if (!principal) throw await this.failures.failed(request.ip, new UnauthenticatedError('The API key is unknown or revoked.'));
    }
    request[PRINCIPAL_PROPERTY] = principal;

    const required = access.scope ?? defaultScopeOf(request.method);
    if (!scopeSatisfies(principal.scopes, required)) {
      // A blocked address learns nothing of the key, not even its scope.
      if (request[DEFERRED_ADDRESS_CHECK] !== undefined) await this.failures.checkNotBlocked(request.ip);
      throw new ForbiddenError(required);
    }
    return true;
  }
}

interface RouteAccess {
  isPublic: boolean;
  scope: Scope | undefined;
}

/** Two different keys in one request: which one it acts with cannot be told, so it acts with neither. */
const AMBIGUOUS = Symbol('two different API keys');

function presentedKey(request: FastifyRequest): string | undefined | typeof AMBIGUOUS {
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  const header = request.headers['x-api-key'];
  const apiKey = typeof header === 'string' && header.trim() ? header.trim() : undefined;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return AMBIGUOUS;
  return bearer ?? apiKey;
}
