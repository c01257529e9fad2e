import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

export class TargetAccessDto {
  @ApiProperty({ enum: ['default-chain', 'assume-role'], description: 'The SDK default credential chain, or a role assumed through STS.' })
  @IsIn(['default-chain', 'assume-role'])
  type!: 'default-chain' | 'assume-role';

  @ApiPropertyOptional({ example: 'arn:aws:iam::111122223333:role/sgdoctor-read' })
  @ValidateIf((o: TargetAccessDto) => o.type === 'assume-role' || o.roleArn !== undefined)
  @Matches(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { message: 'roleArn must be an IAM role ARN' })
  roleArn?: string;

  @ApiPropertyOptional({ description: 'External id the role trust policy requires.' })
  @IsOptional()
  @IsString()
  @Length(2, 1224)
  @Matches(/^[\w+=,.@:/-]+$/, { message: 'externalId has characters STS does not accept' })
  externalId?: string;
}
