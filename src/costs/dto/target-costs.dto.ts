import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { MONTH } from '../target-costs.service';

export class TargetCostsQuery {
  @ApiPropertyOptional({
    description: 'Calendar month (UTC), `YYYY-MM` from 0001-01; default: the current one.',
    example: '2026-11',
    pattern: MONTH.source,
  })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM, from 0001-01' })
  month?: string;
}

export class TargetBudgetDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Largest estimated cost of one scan (USD); null: no limit.', example: 0.5 })
  perAnalysisUsd!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Largest cost of the scans of a calendar month (UTC) (USD); null: no limit.',
    example: 20,
  })
  monthlyUsd!: number | null;
}

export class TargetCostsDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ example: '2026-11' })
  month!: string;

  @ApiProperty({ format: 'date-time', description: 'Start of the month (inclusive).' })
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'End of the month (exclusive).' })
  to!: string;

  @ApiProperty({
    description:
      'Analyses that scanned in the month: one of their Athena queries was recorded in it (whatever became of the analysis), ' +
      'or, for other flow sources, they finished in it having scanned.',
  })
  analyses!: number;

  @ApiProperty({ description: 'Athena queries started by those analyses and recorded in the month, every attempt counted once.' })
  queries!: number;

  @ApiProperty({
    description:
      'Of those queries, the ones that returned no result: stopped on the query timeout, cancelled or failed, or not seen to end yet. ' +
      'Athena bills a stopped or cancelled query for what it scanned before it ended.',
  })
  queriesWithoutResult!: number;

  @ApiProperty({
    description:
      'Of those queries, the ones not yet seen to end (their job ended first: a worker killed, Athena unreachable, a stop that failed): ' +
      'their bytes and cost are what they had scanned when last described, until the worker’s sweep asks Athena for their final figures ' +
      '(stopping those no analysis will read). 0 when every figure is final.',
  })
  queriesUnsettled!: number;

  @ApiProperty({ description: 'Bytes Athena reported scanned by those queries (failed ones included).' })
  bytesScanned!: number;

  @ApiProperty({
    description:
      "Their cost at Athena's on-demand price (USD 5 per TB, rounded up to the megabyte, 10 MB minimum per query): " +
      'cancelled and stopped queries for what they scanned, failed ones nothing.',
  })
  costUsd!: number;

  @ApiProperty({ type: TargetBudgetDto, nullable: true, description: "The target's budget; null when it has none." })
  budget!: TargetBudgetDto | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The monthly budget less the cost; null without a monthly budget.' })
  remainingUsd!: number | null;
}
