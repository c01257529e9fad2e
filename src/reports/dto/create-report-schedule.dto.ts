import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { REPORT_FORMATS } from '../render/report-renderers';
import { IsOmittable } from '../../common/http/is-omittable.decorator';
import { IsPlainName } from '../../common/http/is-plain-name.decorator';

export class CreateReportScheduleDto {
  @ApiPropertyOptional({ example: 'nightly' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @IsPlainName()
  name?: string;

  @ApiProperty({ type: [String], format: 'uuid' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  targetIds!: string[];

  @ApiProperty({
    example: '0 6 * * *',
    description:
      'Cron: 5 fields, or 6 with seconds first. It may not fire twice within REPORT_SCHEDULE_MIN_INTERVAL_SECONDS (5 minutes by default; ' +
      'the last time of a day and the first of the next count as consecutive).',
  })
  @IsString()
  @Length(9, 120)
  cron!: string;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    default: 'UTC',
    description: 'IANA time zone the cron is read in (a tz database name); a UTC offset (`+05:00`) is refused.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  timeZone?: string;

  @ApiPropertyOptional({ default: 24, minimum: 1, maximum: 744 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(744)
  lookbackHours?: number;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, isArray: true, default: REPORT_FORMATS })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(REPORT_FORMATS, { each: true })
  formats?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Webhooks told with report.ready.' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  webhookIds?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}
