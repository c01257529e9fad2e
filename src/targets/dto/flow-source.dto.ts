import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AthenaLayoutDto } from './athena-layout.dto';

const isAthena = (o: FlowSourceDto) => o.type === 'athena';

/** An S3 bucket (name rules of S3) with an optional prefix, as a flow log's LogDestination ARN (any partition) or an s3:// URL. */
const S3_DESTINATION = /^(arn:aws(-[a-z]+)*:s3:::|s3:\/\/)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;

/** Where REJECT records come from: an Athena table over the flow logs, or files under the data root. */
export class FlowSourceDto {
  @ApiProperty({ enum: ['athena', 'files'] })
  @IsIn(['athena', 'files'])
  type!: 'athena' | 'files';

  @ApiPropertyOptional({ description: 'athena: workgroup (default: primary).', example: 'primary' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'workgroup must be 1-128 letters, digits, . _ -' })
  workgroup?: string;

  @ApiPropertyOptional({ description: 'athena: data catalog (default: AwsDataCatalog).' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/, { message: 'catalog must be letters, digits, _ -' })
  catalog?: string;

  @ApiPropertyOptional({ description: 'athena: database.', example: 'vpc_flow_logs' })
  @ValidateIf(isAthena)
  @Matches(/^[A-Za-z0-9_]{1,255}$/, { message: 'database must be letters, digits, _' })
  database?: string;

  @ApiPropertyOptional({ description: 'athena: table.', example: 'flow_logs' })
  @ValidateIf(isAthena)
  @Matches(/^[A-Za-z0-9_]{1,255}$/, { message: 'table must be letters, digits, _' })
  table?: string;

  @ApiPropertyOptional({ description: 'athena: result location (default: the workgroup\'s).', example: 's3://my-athena-results/sgdoctor/' })
  @IsOptional()
  @Matches(/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/, { message: 'outputLocation must be an s3:// URL' })
  outputLocation?: string;

  @ApiPropertyOptional({ type: AthenaLayoutDto, description: "athena: table partitioning; default: read from the table's partition keys (GetTableMetadata)." })
  @ValidateIf((o: FlowSourceDto) => isAthena(o) && o.layout !== undefined)
  @ValidateNested()
  @Type(() => AthenaLayoutDto)
  layout?: AthenaLayoutDto;

  @ApiPropertyOptional({ description: 'The flow log LogFormat; athena: read from DescribeFlowLogs when absent; files: used for files without a header.' })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  logFormat?: string;

  @ApiPropertyOptional({
    description:
      'athena: the S3 destination of the flow log the table reads (`arn:aws:s3:::bucket/prefix` or `s3://bucket/prefix`); picks that flow log\'s LogFormat when logFormat is absent and several flow logs deliver to S3.',
    example: 'arn:aws:s3:::shop-flow-logs-111122223333/vpc',
    maxLength: 1024,
  })
  @IsOptional()
  @MaxLength(1024)
  @Matches(S3_DESTINATION, { message: 'logDestination must be an S3 bucket ARN (arn:aws:s3:::bucket/prefix) or an s3:// URL' })
  logDestination?: string;

  @ApiPropertyOptional({ type: [String], description: 'files: files or directories under the data root.', example: ['flows'] })
  @ValidateIf((o: FlowSourceDto) => o.type === 'files')
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  paths?: string[];
}
