import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const CLASSIFICATIONS = ['likely-misconfiguration', 'uncertain', 'likely-noise'] as const;

/** Each list narrows the events delivered; absent or empty: no narrowing. */
export class WebhookFiltersDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  targetIds?: string[];

  @ApiPropertyOptional({ enum: SEVERITIES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(SEVERITIES, { each: true })
  severities?: string[];

  @ApiPropertyOptional({ enum: CLASSIFICATIONS, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(CLASSIFICATIONS, { each: true })
  classifications?: string[];
}
