import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsObject, IsOptional, IsUUID, ValidateNested } from 'class-validator';
import { FixChangeDto } from './fix-change.dto';
import { SimulationWindowDto } from './simulation-window.dto';

export class CreateSimulationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  targetId!: string;

  @ApiProperty({ type: FixChangeDto, isArray: true })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => FixChangeDto)
  changes!: FixChangeDto[];

  @ApiPropertyOptional({ type: SimulationWindowDto, description: 'Only recorded flows seen in this window; default: all.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SimulationWindowDto)
  window?: SimulationWindowDto;
}
