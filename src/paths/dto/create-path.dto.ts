import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const ENDPOINT = /^(eni-[0-9a-z]+|i-[0-9a-z]+|[0-9a-fA-F:.]+)$/;

/** "Can `from` reach `to` on `protocol`/`port`?" over a target's snapshot. */
export class CreatePathDto {
  @ApiProperty({
    description: 'Source: an interface id (eni-…), an instance id (i-…) or an IP address, in the snapshot or not.',
    example: 'i-0b1a2c3d4e5f60041',
  })
  @IsString()
  @MaxLength(64)
  @Matches(ENDPOINT, { message: 'from must be an interface id (eni-…), an instance id (i-…) or an IP address' })
  from!: string;

  @ApiProperty({ description: 'Destination: an interface id, an instance id or an IP address.', example: '10.20.10.11' })
  @IsString()
  @MaxLength(64)
  @Matches(ENDPOINT, { message: 'to must be an interface id (eni-…), an instance id (i-…) or an IP address' })
  to!: string;

  @ApiProperty({ description: 'tcp, udp, icmp, icmpv6 or a protocol number (0-255).', example: 'tcp' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @IsString()
  @MaxLength(8)
  protocol!: string;

  @ApiPropertyOptional({ description: 'Destination port (required for tcp/udp) or ICMP type.', minimum: 0, maximum: 65535 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  port?: number;

  @ApiPropertyOptional({ description: "The client's port; default: the client's whole ephemeral range.", minimum: 1, maximum: 65535 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  sourcePort?: number;

  @ApiPropertyOptional({
    enum: ['latest', 'fresh'],
    default: 'latest',
    description: "latest: the target's last analysed snapshot; fresh: read the configuration now.",
  })
  @IsOptional()
  @IsIn(['latest', 'fresh'])
  snapshot?: 'latest' | 'fresh';
}
