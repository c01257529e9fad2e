import { ApiProperty } from '@nestjs/swagger';
import { AnalysisDto } from './analysis.dto';

export class AnalysisPageDto {
  @ApiProperty({ type: AnalysisDto, isArray: true })
  items!: AnalysisDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last one.' })
  nextCursor!: string | null;
}
