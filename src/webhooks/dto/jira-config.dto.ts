import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEmail, IsOptional, IsString, Length, Matches } from 'class-validator';

export class JiraConfigDto {
  @ApiProperty({ example: 'https://example.atlassian.net' })
  @IsString()
  @Length(8, 2000)
  baseUrl!: string;

  @ApiProperty({ example: 'sgdoctor@example.com' })
  @IsEmail()
  email!: string;

  @ApiProperty({ writeOnly: true, description: 'Atlassian API token; stored encrypted, never returned.' })
  @IsString()
  @Length(1, 1000)
  apiToken!: string;

  @ApiProperty({ example: 'NET' })
  @Matches(/^[A-Z][A-Z0-9_]{0,254}$/, { message: 'projectKey must be a Jira project key such as NET' })
  projectKey!: string;

  @ApiPropertyOptional({ example: 'Task', description: 'Issue type name; or give issueTypeId.' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  issueType?: string;

  @ApiPropertyOptional({ example: '10002' })
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'issueTypeId must be a numeric id' })
  issueTypeId?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[^\s]{1,255}$/, { each: true, message: 'labels may not contain spaces' })
  labels?: string[];

  @ApiPropertyOptional({ example: '31', description: 'Transition applied when the finding is resolved.' })
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'resolveTransitionId must be a numeric id' })
  resolveTransitionId?: string;
}
