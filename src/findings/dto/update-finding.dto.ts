import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsInstant } from '../../common/http/is-instant.decorator';
import { FINDING_STATUSES, type FindingStatus } from '../finding-status';

export class UpdateFindingDto {
  @ApiProperty({ enum: FINDING_STATUSES, description: 'open → acknowledged | resolved | suppressed; resolved → open; …' })
  @IsIn(FINDING_STATUSES)
  status!: FindingStatus;

  @ApiPropertyOptional({ description: 'Why; required to suppress.', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'suppressed only: when the suppression ends.' })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
}
