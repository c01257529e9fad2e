import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsString, ValidateIf } from 'class-validator';

/** Where the network configuration comes from: the live EC2 API, or snapshot files under the data root. */
export class ConfigSourceDto {
  @ApiProperty({ enum: ['ec2', 'snapshot-file'] })
  @IsIn(['ec2', 'snapshot-file'])
  type!: 'ec2' | 'snapshot-file';

  @ApiPropertyOptional({ type: [String], description: 'snapshot-file: snapshot JSON files under the data root (merged).', example: ['snapshot.json'] })
  @ValidateIf((o: ConfigSourceDto) => o.type === 'snapshot-file')
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  paths?: string[];
}
