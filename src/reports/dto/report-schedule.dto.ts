import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nextFireTimes } from '../cron-schedule.util';
import type { ReportScheduleEntity } from '../report-schedule.entity';

export class ReportScheduleDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: [String] })
  targetIds!: string[];

  @ApiProperty()
  cron!: string;

  @ApiProperty()
  timeZone!: string;

  @ApiProperty()
  lookbackHours!: number;

  @ApiProperty({ type: [String] })
  formats!: string[];

  @ApiProperty({ type: [String] })
  webhookIds!: string[];

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ type: [String], description: 'The next three fire times (UTC), when enabled.' })
  nextRuns!: string[];

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  lastRunAt!: string | null;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static fromEntity(entity: ReportScheduleEntity, now: Date): ReportScheduleDto {
    return Object.assign(new ReportScheduleDto(), {
      id: entity.id,
      name: entity.name,
      targetIds: entity.targetIds,
      cron: entity.cron,
      timeZone: entity.timeZone,
      lookbackHours: entity.lookbackHours,
      formats: entity.formats,
      webhookIds: entity.webhookIds,
      enabled: entity.enabled,
      nextRuns: entity.enabled ? nextFireTimes(entity.cron, entity.timeZone, 3, now) : [],
      lastRunAt: entity.lastRunAt?.toISOString() ?? null,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    });
  }
}
