import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Which of the finding's interfaces and peers to confirm; default: the busiest of each. */
export class ConfirmFindingDto {
  @ApiPropertyOptional({
    description: "One of the finding's interfaces (traffic.interfaces[].id); default: the busiest.",
    example: 'eni-0a1b2c3d4e5f60011',
  })
  @IsOptional()
  @IsString()
  @Matches(/^eni-[0-9a-z]+$/, { message: 'interfaceId must be an interface id (eni-…)' })
  interfaceId?: string;

  @ApiPropertyOptional({
    description: "One of the finding's peers, by address or interface id (traffic.peers[]); default: the busiest.",
    example: '10.20.30.41',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^(eni-[0-9a-z]+|[0-9a-fA-F:.]+)$/, { message: 'peer must be an IP address or an interface id (eni-…)' })
  peer?: string;
}
