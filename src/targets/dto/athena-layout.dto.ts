import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, ValidateIf } from 'class-validator';

const COLUMN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;
const COLUMN_MESSAGE = 'must be a column name (letters, digits, _ -)';

/** How the flow-log table is partitioned (see the Athena flow source); read from the table itself when absent. */
export class AthenaLayoutDto {
  @ApiProperty({ enum: ['none', 'date-string', 'date-parts'] })
  @IsIn(['none', 'date-string', 'date-parts'])
  type!: 'none' | 'date-string' | 'date-parts';

  @ApiPropertyOptional({ description: 'date-string: the partition column.', example: 'day' })
  @ValidateIf((o: AthenaLayoutDto) => o.type === 'date-string')
  @Matches(COLUMN, { message: `column ${COLUMN_MESSAGE}` })
  column?: string;

  @ApiPropertyOptional({ enum: ['yyyy/MM/dd', 'yyyy-MM-dd', 'yyyyMMdd', 'yyyy/MM/dd/HH', 'yyyy-MM-dd-HH'] })
  @ValidateIf((o: AthenaLayoutDto) => o.type === 'date-string')
  @IsIn(['yyyy/MM/dd', 'yyyy-MM-dd', 'yyyyMMdd', 'yyyy/MM/dd/HH', 'yyyy-MM-dd-HH'])
  format?: 'yyyy/MM/dd' | 'yyyy-MM-dd' | 'yyyyMMdd' | 'yyyy/MM/dd/HH' | 'yyyy-MM-dd-HH';

  @ApiPropertyOptional({ description: 'date-parts: year column.', example: 'year' })
  @ValidateIf((o: AthenaLayoutDto) => o.type === 'date-parts')
  @Matches(COLUMN, { message: `year ${COLUMN_MESSAGE}` })
  year?: string;

  @ApiPropertyOptional({ example: 'month' })
  @ValidateIf((o: AthenaLayoutDto) => o.type === 'date-parts')
  @Matches(COLUMN, { message: `month ${COLUMN_MESSAGE}` })
  month?: string;

  @ApiPropertyOptional({ example: 'day' })
  @ValidateIf((o: AthenaLayoutDto) => o.type === 'date-parts')
  @Matches(COLUMN, { message: `day ${COLUMN_MESSAGE}` })
  day?: string;

  @ApiPropertyOptional({ example: 'hour' })
  @IsOptional()
  @Matches(COLUMN, { message: `hour ${COLUMN_MESSAGE}` })
  hour?: string;

  @ApiPropertyOptional({ enum: ['string', 'integer'], description: 'Read from the table when the target is created.' })
  @IsOptional()
  @IsIn(['string', 'integer'])
  valueType?: 'string' | 'integer';

  @ApiPropertyOptional({
    description: 'Partition column holding the account id (found by name when absent: aws-account-id, accid …).',
    example: 'aws-account-id',
  })
  @IsOptional()
  @Matches(COLUMN, { message: `accountColumn ${COLUMN_MESSAGE}` })
  accountColumn?: string;

  @ApiPropertyOptional({
    description: 'Partition column holding the region (found by name when absent: aws-region, region).',
    example: 'aws-region',
  })
  @IsOptional()
  @Matches(COLUMN, { message: `regionColumn ${COLUMN_MESSAGE}` })
  regionColumn?: string;
}
