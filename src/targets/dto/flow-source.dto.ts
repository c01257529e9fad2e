import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
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

const isS3 = (o: FlowSourceDto) => o.type === 's3';

/** An export task writes gzip text only: the file format may be left out (text) or stated as such. */
const needsFileFormat = (o: FlowSourceDto) => isS3(o) && (o.delivery !== 'cloudwatch-export' || o.fileFormat !== undefined);

/**
 * Where REJECT records come from: an Athena table over the flow logs, files under the data root,
 * a flow log's CloudWatch Logs log group (Logs Insights), or flow-log files in S3 read without Athena.
 */
export class FlowSourceDto {
  @ApiProperty({ enum: ['athena', 'files', 'cloudwatch-logs', 's3'] })
  @IsIn(['athena', 'files', 'cloudwatch-logs', 's3'])
  type!: 'athena' | 'files' | 'cloudwatch-logs' | 's3';

  @ApiPropertyOptional({
    description:
      "cloudwatch-logs: the log group the flow log publishes to; default: found through DescribeFlowLogs (the flowLogId's, or every one the account's flow logs publish to in the region).",
    example: '/vpc/flow-logs/shop-prod',
  })
  @IsOptional()
  @Matches(/^[\w./#-]{1,512}$/, { message: 'logGroupName must be a CloudWatch Logs log group name (letters, digits, _ - / . #)' })
  logGroupName?: string;

  @ApiPropertyOptional({
    description: 'cloudwatch-logs: the flow log whose log group and LogFormat to use.',
    example: 'fl-0a1b2c3d4e5f67890',
  })
  @IsOptional()
  @Matches(/^fl-[0-9a-f]{8,17}$/, { message: 'flowLogId must be a flow log id (fl-…)' })
  flowLogId?: string;

  @ApiPropertyOptional({
    description: 's3: the bucket the flow logs (or Firehose, or a CloudWatch Logs export task) deliver to.',
    example: 'shop-flow-logs-111122223333',
  })
  @ValidateIf(isS3)
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'bucket must be an S3 bucket name' })
  bucket?: string;

  @ApiPropertyOptional({
    description:
      "s3: the flow log's prefix in the bucket (flow-logs: before `AWSLogs/`; firehose: the delivery stream's prefix, used as written; cloudwatch-export: the export task's destinationPrefix, default `exportedlogs`).",
    example: 'vpc',
    maxLength: 1024,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^[^\s]*$/, { message: 'prefix must not contain white space' })
  prefix?: string;

  @ApiPropertyOptional({
    description: "s3: the account in the delivery path (a central bucket); default: the target's.",
    example: '111122223333',
  })
  @IsOptional()
  @Matches(/^\d{12}$/, { message: 'accountId must be 12 digits' })
  accountId?: string;

  @ApiPropertyOptional({ description: "s3: the region in the delivery path; default: the target's.", example: 'eu-west-1' })
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { message: 'region must be an AWS region such as eu-west-1' })
  region?: string;

  @ApiPropertyOptional({
    enum: ['text', 'parquet'],
    description: "s3: the flow log's file format (text: gzip, as AWS delivers it); cloudwatch-export: text, the default.",
  })
  @ValidateIf(needsFileFormat)
  @IsIn(['text', 'parquet'])
  fileFormat?: 'text' | 'parquet';

  @ApiPropertyOptional({ description: 's3: Hive-compatible S3 prefixes (`aws-account-id=…/…/year=…/month=…/day=…`). Default false.' })
  @IsOptional()
  @IsBoolean()
  hiveCompatible?: boolean;

  @ApiPropertyOptional({ description: 's3: hourly partitions (`…/DD/HH/` or `hour=HH/`). Default false.' })
  @IsOptional()
  @IsBoolean()
  perHourPartitions?: boolean;

  @ApiPropertyOptional({
    enum: ['flow-logs', 'firehose', 'cloudwatch-export'],
    description:
      's3: who delivers the files: VPC Flow Logs (default), Data Firehose (`<prefix>YYYY/MM/DD/HH/`, no header line: set logFormat), or a CloudWatch Logs export task (`<prefix>/<task id>/<log stream>/000000.gz`, no header line: set logFormat; the objects under the prefix written since an hour before the window began are read).',
  })
  @IsOptional()
  @IsIn(['flow-logs', 'firehose', 'cloudwatch-export'])
  delivery?: 'flow-logs' | 'firehose' | 'cloudwatch-export';

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

  @ApiPropertyOptional({ description: "athena: result location (default: the workgroup's).", example: 's3://my-athena-results/sgdoctor/' })
  @IsOptional()
  @Matches(/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/, { message: 'outputLocation must be an s3:// URL' })
  outputLocation?: string;

  @ApiPropertyOptional({
    type: AthenaLayoutDto,
    description: "athena: table partitioning; default: read from the table's partition keys (GetTableMetadata).",
  })
  @ValidateIf((o: FlowSourceDto) => isAthena(o) && o.layout !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => AthenaLayoutDto)
  layout?: AthenaLayoutDto;

  @ApiPropertyOptional({
    description:
      'The flow log LogFormat; athena, cloudwatch-logs: read from DescribeFlowLogs when absent; files, s3: used for files without a header (Firehose, CloudWatch Logs exports).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  logFormat?: string;

  @ApiPropertyOptional({
    description:
      "athena: the S3 destination of the flow log the table reads (`arn:aws:s3:::bucket/prefix` or `s3://bucket/prefix`); picks that flow log's LogFormat when logFormat is absent and several flow logs deliver to S3.",
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
