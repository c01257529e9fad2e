import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { SCOPES, type Scope } from '../auth/scope';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator';
import type { Principal } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { ApiKeyNotFoundError } from './api-key-not-found.error';
import { generateApiKey, hashApiKey, keyMatchesHash, lookupIdOf } from './api-key-secret';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyDto } from './dto/api-key.dto';
import { CreatedApiKeyDto } from './dto/created-api-key.dto';
import { Clock } from '../common/clock/clock';

/** The configured bootstrap key authenticates as this principal; it has no row. */
export const BOOTSTRAP_KEY_ID = 'bootstrap-admin';

/** The name of the admin key an API creates at its first start (see createInitialAdminKey). */
export const INITIAL_ADMIN_KEY_NAME = 'initial-admin';

/** Arbitrary, fixed: API processes starting together create one initial admin key, not one each. */
const INITIAL_ADMIN_KEY_LOCK_ID = 7_316_425_002;

/** How stale `last_used_at` may get before a request refreshes it (saves a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService implements ApiKeyAuthenticator {
  private readonly bootstrapKeyHash: string | undefined;

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
  }

  /** The principal a presented key stands for, or undefined when it is unknown or revoked. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.bootstrapKeyHash && keyMatchesHash(presented, this.bootstrapKeyHash)) {
      return { keyId: BOOTSTRAP_KEY_ID, name: BOOTSTRAP_KEY_ID, scopes: ['admin'] };
    }
    const lookupId = lookupIdOf(presented);
    if (!lookupId) return undefined;
    const entity = await this.apiKeys.findOneBy({ lookupId, revokedAt: IsNull() });
    if (!entity || !keyMatchesHash(presented, entity.secretHash)) return undefined;
    await this.touch(entity);
    return { keyId: entity.id, name: entity.name, scopes: entity.scopes };
  }

  private async touch(entity: ApiKeyEntity): Promise<void> {
    const now = this.clock.nowMs();
    if (entity.lastUsedAt && now - entity.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    await this.apiKeys.update({ id: entity.id }, { lastUsedAt: new Date(now) });
  }
}
