import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ReportDto } from './report.dto';

export class ReportPageDto {
  @ApiProperty({ type: [ReportDto] })
  items!: ReportDto[];

  @ApiPropertyOptional({ type: String, nullable: true })
  nextCursor!: string | null;
}
