import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { monthOf, startOfUtcMonth } from '../confirmations/reachability-budget';

/** What a target's analyses scanned and cost in one calendar month (UTC). */
export interface MonthCosts {
  month: string;
  from: Date;
  to: Date;
  /** Analyses that scanned in the month: an Athena query of theirs was recorded in it, or (other sources) they finished in it having scanned. */
  analyses: number;
  /** Athena queries recorded in the month, whatever became of them. */
  queries: number;
  /** Of those, the ones that returned no result: stopped on a timeout, cancelled, failed, or not seen to end yet. */
  queriesWithoutResult: number;
  /** Of those, the ones Athena has not yet been seen to end (QUEUED or RUNNING when last described): their figures are what they had scanned then. */
  queriesUnsettled: number;
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
 * A target's spending in a month. Athena: every query its analyses started (table
 * `athena_query_costs`, by the month it was recorded in), the ones stopped on a timeout, cancelled
 * or failed included, at what Athena bills for each. Other sources (CloudWatch Logs Insights, S3
 * requests), and an Athena analysis with no query recorded (one a worker of the previous version
 * finished after the migration): the figures on the analyses that finished in the month
 * (`statistics.bytesScanned`, `estimatedCostUsd`).
 */
@Injectable()
export class TargetCostsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async month(targetId: string, month: { month: string; from: Date; to: Date }): Promise<MonthCosts> {
    const [row] = (await this.dataSource.query(
      `WITH queries AS (
         SELECT analysis_id, state, bytes_scanned, cost_usd
           FROM athena_query_costs
          WHERE target_id = $1 AND recorded_at >= $2 AND recorded_at < $3
       ), others AS (
         SELECT a.id, a.statistics
           FROM analyses a
          WHERE a.target_id = $1 AND a.finished_at >= $2 AND a.finished_at < $3
            AND NOT EXISTS (SELECT 1 FROM athena_query_costs c WHERE c.analysis_id = a.id)
       )
       SELECT (SELECT COUNT(*) FROM (SELECT analysis_id FROM queries WHERE analysis_id IS NOT NULL
                                     UNION SELECT id FROM others WHERE statistics ? 'bytesScanned') scanned) AS analyses,
              (SELECT COUNT(*) FROM queries) AS queries,
              (SELECT COUNT(*) FROM queries WHERE state <> 'SUCCEEDED') AS without_result,
              (SELECT COUNT(*) FROM queries WHERE state IN ('QUEUED','RUNNING')) AS unsettled,
              (SELECT COALESCE(SUM(bytes_scanned), 0) FROM queries)
                + (SELECT COALESCE(SUM((statistics ->> 'bytesScanned')::numeric), 0) FROM others) AS bytes,
              (SELECT COALESCE(SUM(cost_usd), 0) FROM queries)
                + (SELECT COALESCE(SUM((statistics ->> 'estimatedCostUsd')::numeric), 0) FROM others) AS cost`,
      [targetId, month.from, month.to],
    )) as Array<{ analyses: string; queries: string; without_result: string; unsettled: string; bytes: string; cost: string }>;
    return {
      ...month,
      analyses: Number(row?.analyses ?? 0),
      queries: Number(row?.queries ?? 0),
      queriesWithoutResult: Number(row?.without_result ?? 0),
      queriesUnsettled: Number(row?.unsettled ?? 0),
      bytesScanned: Number(row?.bytes ?? 0),
      costUsd: Number(row?.cost ?? 0),
    };
  }
}
