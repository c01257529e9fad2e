import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsUUID } from 'class-validator';
import { IsOmittable } from '../../common/http/is-omittable.decorator';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const CLASSIFICATIONS = ['likely-misconfiguration', 'uncertain', 'likely-noise'] as const;

/** Each list narrows the events delivered; absent or empty: no narrowing (`null` is refused: it would be stored). */
export class WebhookFiltersDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  targetIds?: string[];

  @ApiPropertyOptional({ enum: SEVERITIES, isArray: true })
  @IsOmittable()
  @IsArray()
  @IsIn(SEVERITIES, { each: true })
  severities?: string[];

  @ApiPropertyOptional({ enum: CLASSIFICATIONS, isArray: true })
  @IsOmittable()
  @IsArray()
  @IsIn(CLASSIFICATIONS, { each: true })
  classifications?: string[];
}
