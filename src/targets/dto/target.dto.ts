import { ApiProperty } from '@nestjs/swagger';
import type { TargetEntity } from '../target.entity';
import type { ConfigSourceSettings, FlowSourceSettings, TargetAccess, TargetScope } from '../target-sources';
import type { ContinuousSettings, ContinuousState, TargetBudget } from '../target-settings';

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

  @ApiProperty({
    nullable: true,
    example: { perAnalysisUsd: 0.5, monthlyUsd: 20 },
    description: 'Spending limits of its scans (USD, null: no limit); null: none.',
  })
  budget!: TargetBudget | null;

  @ApiProperty({
    nullable: true,
    example: { everyMinutes: 5, deliveryDelayMinutes: 10 },
    description: 'Rolling analyses; null: analyses only on request.',
  })
  continuous!: ContinuousSettings | null;

  @ApiProperty({
    nullable: true,
    example: {
      watermark: '2026-11-24T10:20:00.000Z',
      lastAnalysisId: null,
      lastWindow: { from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T10:25:00.000Z' },
      lastTickAt: '2026-11-24T10:35:00.000Z',
      lastTick: 'skipped-busy',
      message: 'analysis … is still running: this tick is skipped',
      skippedTicks: 1,
    },
    description:
      'The rolling analyses: the watermark (flows before it are analysed), the last window started and what the last tick did ' +
      '(`started`, `skipped-busy` while an analysis of the target is queued or running, `skipped-no-new-data`); null when never continuous.',
  })
  continuousStatus!: ContinuousState | null;

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
      budget: entity.budget ?? null,
      continuous: entity.continuous ?? null,
      continuousStatus: entity.continuousState ?? null,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    });
  }
}
