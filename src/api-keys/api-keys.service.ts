import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { IsNull, type Repository } from 'typeorm';
import { SCOPES, type Scope } from '../auth/scope';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator';
import type { Principal } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { ApiKeyNotFoundError } from './api-key-not-found.error';
import { generateApiKey, hashApiKey, hashesMatch, keyMatchesHash, lookupIdOf } from './api-key-secret';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyDto } from './dto/api-key.dto';
import { CreatedApiKeyDto } from './dto/created-api-key.dto';
import { Clock } from '../common/clock/clock';

/** The configured bootstrap key authenticates as this principal; it has no row. */
export const BOOTSTRAP_KEY_ID = 'bootstrap-admin';

/** The name of the admin key an API creates at its first start (see createInitialAdminKey). */
export const INITIAL_ADMIN_KEY_NAME = 'initial-admin';

/** Arbitrary, fixed: API processes starting together create one initial admin key, not one each. */
export const INITIAL_ADMIN_KEY_LOCK_ID = 7_316_425_002;

/** How stale `last_used_at` may get before a request refreshes it (saves a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * How long a key that authenticated is trusted without reading its row again. A revocation
 * through this process takes effect at once (revoke() forgets the key), one through another API
 * process as soon as its message arrives (RevokedKeysChannel, over Redis), and one whose message
 * is lost (Redis away) or made directly in the database within this bound.
 */
export const AUTHENTICATED_KEY_CACHE_MS = 5_000;

/** At most this many keys are remembered (the oldest is forgotten first); only keys that authenticated enter. */
const AUTHENTICATED_KEY_CACHE_SIZE = 10_000;

@Injectable()
export class ApiKeysService implements ApiKeyAuthenticator {
  private readonly bootstrapKeyHash: string | undefined;
  /** Keys that authenticated recently, by the SHA-256 of the key: the principal and until when (performance.now()) it holds. */
  private readonly authenticated = new Map<string, { principal: Principal; until: number }>();
  private readonly revokedListeners: Array<(keyId: string) => Promise<void>> = [];

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
    config: ConfigService<AppConfig, true>,
    private readonly clock: Clock,
  ) {
    const adminKey = config.get('auth', { infer: true }).adminApiKey;
    this.bootstrapKeyHash = adminKey ? hashApiKey(adminKey) : undefined;
  }

  async create(name: string, scopes: Scope[]): Promise<CreatedApiKeyDto> {
    const { key, lookupId, hash } = generateApiKey();
    const ordered = SCOPES.filter((scope) => scopes.includes(scope));
    const entity = await this.apiKeys.save(this.apiKeys.create({ name, lookupId, secretHash: hash, scopes: ordered }));
    return Object.assign(new CreatedApiKeyDto(), ApiKeyDto.fromEntity(entity), { key });
  }

  /**
   * At an installation's first start, when no SGDOCTOR_ADMIN_API_KEY is configured and no API
   * key was ever created (revoked ones count), creates an admin key and returns it so it can be
   * shown once; otherwise undefined. Nobody could use the API without one.
   */
  async createInitialAdminKey(): Promise<CreatedApiKeyDto | undefined> {
    if (this.bootstrapKeyHash) return undefined;
    return this.apiKeys.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [INITIAL_ADMIN_KEY_LOCK_ID]);
      const apiKeys = manager.getRepository(ApiKeyEntity);
      if (await apiKeys.exists()) return undefined;
      const { key, lookupId, hash } = generateApiKey();
      const entity = await apiKeys.save(apiKeys.create({ name: INITIAL_ADMIN_KEY_NAME, lookupId, secretHash: hash, scopes: ['admin'] }));
      return Object.assign(new CreatedApiKeyDto(), ApiKeyDto.fromEntity(entity), { key });
    });
  }

  async list(): Promise<ApiKeyDto[]> {
    const entities = await this.apiKeys.find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return entities.map((entity) => ApiKeyDto.fromEntity(entity));
  }

  /** Revocation is permanent; the row stays for the audit trail. Revoking twice is harmless. */
  async revoke(id: string): Promise<void> {
    const entity = await this.apiKeys.findOneBy({ id });
    if (!entity) throw new ApiKeyNotFoundError(id);
    if (!entity.revokedAt) {
      await this.apiKeys.update({ id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    }
    this.forget(id);
    // Other API processes are told (RevokedKeysChannel), so they forget the key too.
    await Promise.all(this.revokedListeners.map((listener) => listener(id)));
  }

  onRevoked(listener: (keyId: string) => Promise<void>): void {
    this.revokedListeners.push(listener);
  }

  /**
   * The principal of a key that authenticated within the last AUTHENTICATED_KEY_CACHE_MS (and
   * was not revoked through this process since), without touching the database; else undefined.
   */
  recentlyAuthenticated(presented: string): Principal | undefined {
    // Hashed once per request: the bootstrap key's check and the cache share the digest.
    const hash = hashApiKey(presented);
    if (this.bootstrapKeyHash && hashesMatch(hash, this.bootstrapKeyHash)) return this.bootstrapPrincipal();
    return this.cached(hash);
  }

  /** The principal a presented key stands for, or undefined when it is unknown or revoked. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.bootstrapKeyHash && keyMatchesHash(presented, this.bootstrapKeyHash)) {
      return this.bootstrapPrincipal();
    }
    const lookupId = lookupIdOf(presented);
    if (!lookupId) return undefined;
    const hash = hashApiKey(presented);
    const cached = this.cached(hash);
    if (cached) return cached;
    const entity = await this.apiKeys.findOneBy({ lookupId, revokedAt: IsNull() });
    if (!entity || !keyMatchesHash(presented, entity.secretHash)) return undefined;
    await this.touch(entity);
    const principal: Principal = { keyId: entity.id, name: entity.name, scopes: entity.scopes };
    this.remember(hash, principal);
    return principal;
  }

  private bootstrapPrincipal(): Principal {
    return { keyId: BOOTSTRAP_KEY_ID, name: BOOTSTRAP_KEY_ID, scopes: ['admin'] };
  }

  private cached(hash: string): Principal | undefined {
    const entry = this.authenticated.get(hash);
    if (!entry) return undefined;
    if (entry.until > performance.now()) return entry.principal;
    this.authenticated.delete(hash);
    return undefined;
  }

  private remember(hash: string, principal: Principal): void {
    this.authenticated.delete(hash);
    if (this.authenticated.size >= AUTHENTICATED_KEY_CACHE_SIZE) {
      const oldest = this.authenticated.keys().next();
      if (!oldest.done) this.authenticated.delete(oldest.value);
    }
    this.authenticated.set(hash, { principal, until: performance.now() + AUTHENTICATED_KEY_CACHE_MS });
  }

  forget(keyId: string): void {
    for (const [hash, entry] of this.authenticated) if (entry.principal.keyId === keyId) this.authenticated.delete(hash);
  }

  private async touch(entity: ApiKeyEntity): Promise<void> {
    const now = this.clock.nowMs();
    if (entity.lastUsedAt && now - entity.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    await this.apiKeys.update({ id: entity.id }, { lastUsedAt: new Date(now) });
  }
}
