import { ApiProperty } from '@nestjs/swagger';
import { FindingSummaryDto } from './finding-summary.dto';

export class FindingPageDto {
  @ApiProperty({ type: FindingSummaryDto, isArray: true })
  items!: FindingSummaryDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last one.' })
  nextCursor!: string | null;
}
