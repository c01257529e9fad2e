import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsObject, IsString, Length, ValidateNested } from 'class-validator';
import { ALL_DOMAIN_EVENT_TYPES } from '../../events/domain-event';
import { WEBHOOK_FORMATS } from '../webhook-format';
import { JiraConfigDto } from './jira-config.dto';
import { ServiceNowConfigDto } from './servicenow-config.dto';
import { SlackConfigDto } from './slack-config.dto';
import { WebhookFiltersDto } from './webhook-filters.dto';
import { IsOmittable } from '../../common/http/is-omittable.decorator';
import { IsPlainName } from '../../common/http/is-plain-name.decorator';

/** A subscription; a field may be left out, never sent as `null` (an update would store it). */
export class CreateWebhookDto {
  @ApiPropertyOptional({ example: 'security-team' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @IsPlainName()
  name?: string;

  @ApiPropertyOptional({ example: 'https://hooks.example.com/sgdoctor', description: 'Required for the standard format.' })
  @IsOmittable()
  @IsString()
  @Length(8, 2000)
  url?: string;

  @ApiProperty({ enum: ALL_DOMAIN_EVENT_TYPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ALL_DOMAIN_EVENT_TYPES, { each: true })
  events!: string[];

  @ApiPropertyOptional({ type: WebhookFiltersDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => WebhookFiltersDto)
  filters?: WebhookFiltersDto;

  @ApiPropertyOptional({ enum: WEBHOOK_FORMATS, default: 'standard' })
  @IsOmittable()
  @IsIn(WEBHOOK_FORMATS)
  format?: (typeof WEBHOOK_FORMATS)[number];

  @ApiPropertyOptional({ type: JiraConfigDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => JiraConfigDto)
  jira?: JiraConfigDto;

  @ApiPropertyOptional({ type: ServiceNowConfigDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ServiceNowConfigDto)
  servicenow?: ServiceNowConfigDto;

  @ApiPropertyOptional({ type: SlackConfigDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => SlackConfigDto)
  slack?: SlackConfigDto;
}
