import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';

/** An optional limit in USD, from 0 to 1,000,000 with at most six decimals. */
function UsdLimit(description: string, example: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description, example, minimum: 0, maximum: 1_000_000 }),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 }),
    Min(0),
    Max(1_000_000),
  );
}

/** Spending limits of a target's Athena scans (USD); `{}` removes them. */
export class TargetBudgetInputDto {
  @UsdLimit('Refuse an analysis whose scan is estimated to cost more than this (USD).', 0.5)
  perAnalysisUsd?: number;

  @UsdLimit("Refuse an analysis that would take the month's scans (UTC calendar month) over this (USD).", 20)
  monthlyUsd?: number;
}
