import { ApiProperty } from '@nestjs/swagger';
import { IsInstant } from '../../common/http/is-instant.decorator';

export class SimulationWindowDto {
  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  from!: string;

  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  to!: string;
}
