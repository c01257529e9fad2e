import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsQueryInteger } from './is-query-integer.decorator';

/** Cursor pagination shared by every list endpoint: list queries extend it with their filters. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsQueryInteger(1, 200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (same filters and sort).' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
