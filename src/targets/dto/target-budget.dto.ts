import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';

/** Spending limits of a target's Athena scans (USD); `{}` removes them. */
export class TargetBudgetInputDto {
  @ApiPropertyOptional({
    description: 'Refuse an analysis whose scan is estimated to cost more than this (USD).',
    example: 0.5,
    minimum: 0,
    maximum: 1_000_000,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  @Min(0)
  @Max(1_000_000)
  perAnalysisUsd?: number;

  @ApiPropertyOptional({
    description: "Refuse an analysis that would take the month's scans (UTC calendar month) over this (USD).",
    example: 20,
    minimum: 0,
    maximum: 1_000_000,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  @Min(0)
  @Max(1_000_000)
  monthlyUsd?: number;
}
