import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { FINDING_STATUSES, type FindingStatus } from '../finding-status';
import { IsQueryInteger } from '../../common/http/is-query-integer.decorator';
import { PageQuery } from '../../common/http/page.query';
import { PureQuery } from '../../common/http/pure-query.decorator';

export const FINDING_SORTS = ['priority', 'lastSeen', 'severity', 'records'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

const CLASSIFICATIONS = ['likely-misconfiguration', 'likely-noise', 'uncertain'] as const;
const KINDS = ['rule', 'campaign'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** `a,b` or repeated parameters both give a list. */
const toList = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);

@PureQuery()
export class ListFindingsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional({ enum: FINDING_STATUSES, isArray: true, description: 'One or more, comma-separated.' })
  @IsOptional()
  @Transform(toList)
  @IsIn(FINDING_STATUSES, { each: true })
  status?: FindingStatus[];

  @ApiPropertyOptional({ enum: CLASSIFICATIONS, isArray: true })
  @IsOptional()
  @Transform(toList)
  @IsIn(CLASSIFICATIONS, { each: true })
  classification?: string[];

  @ApiPropertyOptional({
    enum: KINDS,
    description: '`rule` (one control × port) or `campaign` (scanner noise of one source or of sources acting together).',
  })
  @IsOptional()
  @IsIn(KINDS)
  kind?: (typeof KINDS)[number];

  @ApiPropertyOptional({ enum: SEVERITIES, isArray: true })
  @IsOptional()
  @Transform(toList)
  @IsIn(SEVERITIES, { each: true })
  severity?: string[];

  @ApiPropertyOptional({ example: 'sg-0a1b2c3d4e5f60002' })
  @IsOptional()
  @Matches(/^sg-[0-9a-f]{8,17}$/, { message: 'securityGroupId must look like sg-0123abcd' })
  securityGroupId?: string;

  @ApiPropertyOptional({ example: 'acl-0c1d2e3f4a5b6c703' })
  @IsOptional()
  @Matches(/^acl-[0-9a-f]{8,17}$/, { message: 'networkAclId must look like acl-0123abcd' })
  networkAclId?: string;

  @ApiPropertyOptional({ example: 'vpc-0a1b2c3d4e5f67890' })
  @IsOptional()
  @Matches(/^vpc-[0-9a-f]{8,17}$/, { message: 'vpcId must look like vpc-0123abcd' })
  vpcId?: string;

  @ApiPropertyOptional({ example: '111122223333', description: 'Findings on interfaces of this account (organisation targets hold many).' })
  @IsOptional()
  @Matches(/^\d{12}$/, { message: 'accountId must be 12 digits' })
  accountId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 65535 })
  @IsOptional()
  @IsQueryInteger(0, 65535)
  port?: number;

  @ApiPropertyOptional({ description: 'Text search over ids, owners, peers, protocol/port and signals.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({
    enum: FINDING_SORTS,
    default: 'priority',
    description: '`priority`: misconfigurations first (by severity), then uncertain, then noise; the most recently seen first within each.',
  })
  @IsOptional()
  @IsIn(FINDING_SORTS)
  sort?: FindingSort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}
