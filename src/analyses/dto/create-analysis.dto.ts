import { ApiProperty } from '@nestjs/swagger';
import { IsDateString, IsUUID } from 'class-validator';

export class CreateAnalysisDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  targetId!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T00:00:00Z', description: 'Start of the window (inclusive).' })
  @IsDateString({ strict: true })
  from!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T00:00:00Z', description: 'End of the window (exclusive).' })
  @IsDateString({ strict: true })
  to!: string;
}
