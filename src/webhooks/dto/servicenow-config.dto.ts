import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

/** Basic authentication (username + password) or a bearer token. */
export class ServiceNowConfigDto {
  @ApiProperty({ example: 'https://example.service-now.com' })
  @IsString()
  @Length(8, 2000)
  instanceUrl!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  username?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'Stored encrypted, never returned.' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  password?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'OAuth bearer token instead of a password; stored encrypted, never returned.' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  token?: string;

  @ApiPropertyOptional({ description: 'sys_id or name of the assignment group.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  assignmentGroup?: string;

  @ApiPropertyOptional({ example: 'network' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  category?: string;
}
