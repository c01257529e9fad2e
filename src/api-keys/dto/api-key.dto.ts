import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, type Scope } from '../../auth/scope';
import { displayPrefix } from '../api-key-secret';
import type { ApiKeyEntity } from '../api-key.entity';

/** An API key as listed: never its secret. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'The non-secret start of the key, to tell keys apart.', example: 'sgd_3f9a0c12b4e7' })
  prefix!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes!: Scope[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastUsedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revokedAt!: string | null;

  static fromEntity(entity: ApiKeyEntity): ApiKeyDto {
    return Object.assign(new ApiKeyDto(), {
      id: entity.id,
      name: entity.name,
      prefix: displayPrefix(entity.lookupId),
      scopes: entity.scopes,
      createdAt: entity.createdAt.toISOString(),
      lastUsedAt: entity.lastUsedAt?.toISOString() ?? null,
      revokedAt: entity.revokedAt?.toISOString() ?? null,
    });
  }
}
