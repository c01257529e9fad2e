import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';

export class TargetScopeDto {
  @ApiPropertyOptional({ type: [String], example: ['vpc-0a1b2c3d4e5f67890'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(/^vpc-[0-9a-f]{8,17}$/, { each: true, message: 'each vpcId must look like vpc-0123abcd' })
  vpcIds?: string[];

  @ApiPropertyOptional({ type: [String], example: ['subnet-0a1b2c3d4e5f67890'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(/^subnet-[0-9a-f]{8,17}$/, { each: true, message: 'each subnetId must look like subnet-0123abcd' })
  subnetIds?: string[];
}
