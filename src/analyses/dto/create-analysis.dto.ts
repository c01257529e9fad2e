import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { IsInstant } from '../../common/http/is-instant.decorator';

export class CreateAnalysisDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  targetId!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T00:00:00Z', description: 'Start of the window (inclusive).' })
  @IsInstant()
  from!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T00:00:00Z', description: 'End of the window (exclusive).' })
  @IsInstant()
  to!: string;
}
