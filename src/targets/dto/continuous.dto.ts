import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** Rolling analyses of newly delivered flow logs. */
export class ContinuousInputDto {
  @ApiPropertyOptional({ description: 'false turns continuous analysis off (default true).', default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Minutes between rolling analyses (required unless enabled is false).',
    example: 5,
    minimum: 1,
    maximum: 1440,
  })
  @ValidateIf((o: ContinuousInputDto) => o.enabled !== false || o.everyMinutes !== undefined)
  @IsInt()
  @Min(1)
  @Max(1440)
  everyMinutes?: number;

  @ApiPropertyOptional({
    description:
      'How long flow logs take to be delivered: a rolling analysis reads up to this many minutes before now. Default 10 (S3, Athena, files), 5 (CloudWatch Logs).',
    example: 10,
    minimum: 0,
    maximum: 1440,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1440)
  deliveryDelayMinutes?: number;
}
