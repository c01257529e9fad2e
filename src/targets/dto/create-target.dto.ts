import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { ConfigSourceDto } from './config-source.dto';
import { ContinuousInputDto } from './continuous.dto';
import { TargetBudgetInputDto } from './target-budget.dto';
import { FlowSourceDto } from './flow-source.dto';
import { TargetAccessDto } from './target-access.dto';
import { TargetScopeDto } from './target-scope.dto';
import { IsOmittable } from '../../common/http/is-omittable.decorator';
import { IsPlainName } from '../../common/http/is-plain-name.decorator';

export class CreateTargetDto {
  @ApiPropertyOptional({ description: 'Shown in listings; default `<accountId>/<region>`.', example: 'shop-prod' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @IsPlainName()
  name?: string;

  @ApiProperty({ example: '111122223333' })
  @Matches(/^\d{12}$/, { message: 'accountId must be 12 digits' })
  accountId!: string;

  @ApiProperty({ example: 'eu-west-1' })
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'region must be an AWS region such as eu-west-1' })
  region!: string;

  @ApiPropertyOptional({ type: TargetAccessDto, description: 'Default: the SDK default credential chain.' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => TargetAccessDto)
  access?: TargetAccessDto;

  @ApiPropertyOptional({ type: TargetScopeDto, description: 'Limit analyses to these VPCs/subnets; default: the whole region.' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => TargetScopeDto)
  scope?: TargetScopeDto;

  @ApiProperty({ type: FlowSourceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => FlowSourceDto)
  flowSource!: FlowSourceDto;

  @ApiProperty({ type: ConfigSourceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ConfigSourceDto)
  configSource!: ConfigSourceDto;

  @ApiPropertyOptional({
    type: TargetBudgetInputDto,
    description:
      'Spending limits of its Athena scans, checked before every scan against an estimate from the S3 listing of its partitions; `{}` removes them.',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => TargetBudgetInputDto)
  budget?: TargetBudgetInputDto;

  @ApiPropertyOptional({
    type: ContinuousInputDto,
    description: 'Rolling analyses of newly delivered flow logs every few minutes; `{"enabled": false}` turns them off.',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => ContinuousInputDto)
  continuous?: ContinuousInputDto;
}
