import { ApiProperty } from '@nestjs/swagger';
import type { TargetEntity } from '../target.entity';
import type { ConfigSourceSettings, FlowSourceSettings, TargetAccess, TargetScope } from '../target-sources';

export class TargetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: '111122223333' })
  accountId!: string;

  @ApiProperty({ example: 'eu-west-1' })
  region!: string;

  @ApiProperty({ example: { type: 'default-chain' } })
  access!: TargetAccess;

  @ApiProperty({ example: { vpcIds: [], subnetIds: [] } })
  scope!: TargetScope;

  @ApiProperty({ example: { type: 'files', paths: ['flows'], logFormat: null }, description: 'Local paths are relative to the data root.' })
  flowSource!: FlowSourceSettings;

  @ApiProperty({ example: { type: 'snapshot-file', paths: ['snapshot.json'] } })
  configSource!: ConfigSourceSettings;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static fromEntity(entity: TargetEntity): TargetDto {
    return Object.assign(new TargetDto(), {
      id: entity.id,
      name: entity.name,
      accountId: entity.accountId,
      region: entity.region,
      access: entity.access,
      scope: entity.scope,
      flowSource: entity.flowSource,
      configSource: entity.configSource,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    });
  }
}
