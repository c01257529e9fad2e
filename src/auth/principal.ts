import type { Scope } from './scope';

/** Who is calling: the API key a request authenticated with. */
export interface Principal {
  keyId: string;
  name: string;
  scopes: Scope[];
}

/** The Fastify request property the guard fills in. */
export const PRINCIPAL_PROPERTY = 'principal';

export type RequestWithPrincipal = { [PRINCIPAL_PROPERTY]?: Principal };

/**
 * Set by ApiKeyGuard when it authenticated a key without a round trip (a key known in this
 * process) and left the check that the client address is not blocked for failed
 * authentications to the rate limiter, which checks it against the blocks this process made or
 * read from Redis at most BLOCK_RECHECK_MS ago (RedisThrottlerStorage.recentlyBlockedFor).
 */
export const DEFERRED_ADDRESS_CHECK = 'sgdoctorDeferredAddressCheck';

export type RequestWithDeferredCheck = { [DEFERRED_ADDRESS_CHECK]?: string };
