import { ApiProperty } from '@nestjs/swagger';
import { IsDateString } from 'class-validator';

export class SimulationWindowDto {
  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  to!: string;
}
