import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { monthOf, startOfUtcMonth } from '../confirmations/reachability-budget';

/** What a target's analyses scanned and cost in one calendar month (UTC). */
export interface MonthCosts {
  month: string;
  from: Date;
  to: Date;
  /** Analyses that finished in the month having scanned (succeeded, or failed after their query). */
  analyses: number;
  bytesScanned: number;
  costUsd: number;
}

/** `YYYY-MM` from 0001-01 (there is no year 0 in the calendar the months are counted in). */
export const MONTH = /^(?!0000)(\d{4})-(0[1-9]|1[0-2])$/;

/** The month `YYYY-MM` as `[from, to)`; null when it is not one. */
export function parseMonth(text: string): { month: string; from: Date; to: Date } | null {
  const match = MONTH.exec(text);
  if (!match) return null;
  return monthOf(startOfUtcMonth(Number(match[1]), Number(match[2]) - 1));
}

/**
 * Sums the scans recorded on a target's analyses (`statistics.bytesScanned` and
 * `estimatedCostUsd`, Athena's figures for the query) by the month they finished in.
 */
@Injectable()
export class TargetCostsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async month(targetId: string, month: { month: string; from: Date; to: Date }): Promise<MonthCosts> {
    const [row] = (await this.dataSource.query(
      `SELECT COUNT(*) FILTER (WHERE statistics ? 'bytesScanned') AS analyses,
              COALESCE(SUM((statistics ->> 'bytesScanned')::numeric), 0) AS bytes,
              COALESCE(SUM((statistics ->> 'estimatedCostUsd')::numeric), 0) AS cost
         FROM analyses
        WHERE target_id = $1 AND finished_at >= $2 AND finished_at < $3`,
      [targetId, month.from, month.to],
    )) as Array<{ analyses: string; bytes: string; cost: string }>;
    return {
      ...month,
      analyses: Number(row?.analyses ?? 0),
      bytesScanned: Number(row?.bytes ?? 0),
      costUsd: Number(row?.cost ?? 0),
    };
  }
}
