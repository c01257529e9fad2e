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
    await this.admit(request, presentedKey(request), access.scope ?? defaultScopeOf(request.method));
    return true;
  }

  /**
   * Admits a request for the API's documentation (`/docs`, served by Fastify, outside Nest's
   * guards) as any GET: a key with the read scope. A browser, which cannot be told to send a
   * header, may present the key as HTTP Basic credentials (the key as password, any user name).
   */
  async admitToDocumentation(request: FastifyRequest & RequestWithPrincipal & RequestWithDeferredCheck): Promise<void> {
    await this.admit(request, presentedKey(request, { basic: true }), 'read');
    // No rate limiter runs after this one to make the check a known key's request defers.
    if (request[DEFERRED_ADDRESS_CHECK] !== undefined) await this.failures.checkNotBlocked(request.ip);
  }

  /**
   * Sets the request's principal, or throws: 401 without a known key, 429 while the address is
   * blocked for failed authentications, 403 without the `required` scope.
   */
  private async admit(
    request: FastifyRequest & RequestWithPrincipal & RequestWithDeferredCheck,
    presented: string | undefined | typeof AMBIGUOUS,
    required: Scope,
  ): Promise<void> {
    if (presented === AMBIGUOUS) {
      await this.failures.checkNotBlocked(request.ip);
      throw await this.failures.failed(
        request.ip,
        new UnauthenticatedError(
          'The request presents two different API keys (in Authorization and x-api-key, or in two Authorization headers): send one.',
        ),
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

    if (!scopeSatisfies(principal.scopes, required)) {
      // A blocked address learns nothing of the key, not even its scope.
      if (request[DEFERRED_ADDRESS_CHECK] !== undefined) await this.failures.checkNotBlocked(request.ip);
      throw new ForbiddenError(required);
    }
  }
}

interface RouteAccess {
  isPublic: boolean;
  scope: Scope | undefined;
}

/** Two different keys in one request: which one it acts with cannot be told, so it acts with neither. */
const AMBIGUOUS = Symbol('two different API keys');

function presentedKey(request: FastifyRequest, { basic = false } = {}): string | undefined | typeof AMBIGUOUS {
  // Node keeps the first of several Authorization headers and drops the others, where a proxy in
  // front may keep the last: different ones are two keys, whichever this process would have read.
  if (new Set(rawHeaderValues(request, 'authorization')).size > 1) return AMBIGUOUS;
  const authorization = request.headers.authorization;
  const bearer =
    typeof authorization !== 'string'
      ? undefined
      : (/^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? (basic ? basicPassword(authorization) : undefined));
  const header = request.headers['x-api-key'];
  const apiKey = typeof header === 'string' && header.trim() ? header.trim() : undefined;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return AMBIGUOUS;
  return bearer ?? apiKey;
}

/** Every value of a header as the request carried it, one per header line (`name` in lower case). */
function rawHeaderValues(request: FastifyRequest, name: string): string[] {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values;
}

/**
 * The key in HTTP Basic credentials (RFC 7617): the password, or the user name when the password
 * is empty (the key typed into the first field of a browser's prompt).
 */
function basicPassword(authorization: string): string | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization)?.[1];
  if (encoded === undefined) return undefined;
  const credentials = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  const [user, password] = colon < 0 ? [credentials, ''] : [credentials.slice(0, colon), credentials.slice(colon + 1)];
  return (password || user).trim() || undefined;
}
