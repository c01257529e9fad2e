import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ReportEntity } from '../report.entity';

/** A report in listings: when, what period, how it was triggered, and where to read it. */
export class ReportDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' })
  scheduleId!: string | null;

  @ApiProperty({ description: 'schedule:<scheduleId>:<tick ms> or manual:<runId>.' })
  runKey!: string;

  @ApiProperty({ enum: ['schedule', 'manual'] })
  trigger!: string;

  @ApiProperty()
  periodFrom!: string;

  @ApiProperty()
  periodTo!: string;

  @ApiProperty({ type: [String] })
  formats!: string[];

  @ApiProperty({ type: [String] })
  analysisIds!: string[];

  @ApiProperty({ type: Object, description: 'format → path of the rendered report.' })
  links!: Record<string, string>;

  @ApiProperty()
  createdAt!: string;

  static fromEntity(entity: ReportEntity): ReportDto {
    return Object.assign(new ReportDto(), {
      id: entity.id,
      scheduleId: entity.scheduleId,
      runKey: entity.runKey,
      trigger: entity.trigger,
      periodFrom: entity.periodFrom.toISOString(),
      periodTo: entity.periodTo.toISOString(),
      formats: entity.formats,
      analysisIds: entity.analysisIds,
      links: reportLinks(entity.id, entity.formats),
      createdAt: entity.createdAt.toISOString(),
    });
  }
}

export function reportLinks(id: string, formats: readonly string[]): Record<string, string> {
  return Object.fromEntries(formats.map((format) => [format, `/v1/reports/${id}?format=${format}`]));
}
