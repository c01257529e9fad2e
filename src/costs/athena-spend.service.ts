import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AthenaQuerySpend, AthenaSpendLedger } from '../aws/athena-query-spend';
import { Clock } from '../common/clock/clock';

/** One Athena query of an analysis, as the analysis's statistics show it. */
export interface AnalysisAthenaQuery {
  queryExecutionId: string;
  /** The analysis attempt that started it. */
  attempt: number;
  state: AthenaQuerySpend['state'];
  bytesScanned: number;
  costUsd: number;
  timedOut: boolean;
}

/** What an analysis's Athena queries scanned and cost, all attempts together. */
export interface AnalysisAthenaSpend {
  bytesScanned: number;
  estimatedCostUsd: number;
  athenaQueries: AnalysisAthenaQuery[];
}

const FINISHED = `('SUCCEEDED','FAILED','CANCELLED')`;

/**
 * The Athena queries of the analyses (table `athena_query_costs`): one row per QueryExecutionId,
 * written whenever the flow source sees a query end, or gives up on one. Recording is idempotent —
 * a query recorded again (a redelivered job, a retry that finds it) updates its row until Athena
 * has reported it ended, and its figures are final from then on — so a query counts once towards
 * its target's month, whatever became of the job that started it.
 */
@Injectable()
export class AthenaSpendService {
  private readonly logger = new Logger(AthenaSpendService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The ledger of one run of an analysis: it records into the table, and knows the queries earlier attempts gave up on. */
  async ledgerFor(run: { targetId: string; analysisId: string; attempt: number }): Promise<AthenaSpendLedger> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT query_execution_id AS id FROM athena_query_costs WHERE analysis_id = $1 AND timed_out`,
      [run.analysisId],
    );
    return {
      timedOut: new Set(rows.map((row) => row.id)),
      record: async (spend) => {
        try {
          await this.record(run, spend);
        } catch (error) {
          this.logger.warn(
            `could not record Athena query ${spend.queryExecutionId} of analysis ${run.analysisId} (${spend.dataScannedBytes} bytes scanned): ${String(error)}`,
          );
          throw error;
        }
      },
    };
  }

  async record(run: { targetId: string; analysisId: string; attempt: number }, spend: AthenaQuerySpend): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO athena_query_costs AS c
              (query_execution_id, target_id, analysis_id, attempt, state, bytes_scanned, cost_usd, timed_out, recorded_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (query_execution_id) DO UPDATE SET
              state = CASE WHEN c.state IN ${FINISHED} THEN c.state ELSE EXCLUDED.state END,
              bytes_scanned = CASE WHEN c.state IN ${FINISHED} THEN c.bytes_scanned ELSE GREATEST(c.bytes_scanned, EXCLUDED.bytes_scanned) END,
              cost_usd = CASE WHEN c.state IN ${FINISHED} THEN c.cost_usd ELSE EXCLUDED.cost_usd END,
              timed_out = c.timed_out OR EXCLUDED.timed_out,
              updated_at = EXCLUDED.updated_at`,
      [
        spend.queryExecutionId,
        run.targetId,
        run.analysisId,
        run.attempt,
        spend.state,
        Math.max(0, Math.trunc(spend.dataScannedBytes)),
        Math.max(0, spend.billedCostUsd),
        spend.timedOut,
        now,
      ],
    );
  }

  /**
   * Whether this attempt of the analysis already has a query that SUCCEEDED: its retried job
   * re-attaches to that query by its token and reads its results again, scanning nothing more.
   */
  async hasResult(run: { analysisId: string; attempt: number }): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM athena_query_costs WHERE analysis_id = $1 AND attempt = $2 AND state = 'SUCCEEDED' LIMIT 1`,
      [run.analysisId, run.attempt],
    );
    return rows.length > 0;
  }

  /** The analysis's Athena queries (every attempt, oldest first) and their sums; null when it started none. */
  async ofAnalysis(analysisId: string): Promise<AnalysisAthenaSpend | null> {
    const rows: Array<{ id: string; attempt: number; state: AthenaQuerySpend['state']; bytes: string; cost: string; timed_out: boolean }> =
      await this.dataSource.query(
        `SELECT query_execution_id AS id, attempt, state, bytes_scanned::text AS bytes, cost_usd::text AS cost, timed_out
           FROM athena_query_costs WHERE analysis_id = $1 ORDER BY recorded_at, query_execution_id`,
        [analysisId],
      );
    if (rows.length === 0) return null;
    const athenaQueries = rows.map((row) => ({
      queryExecutionId: row.id,
      attempt: row.attempt,
      state: row.state,
      bytesScanned: Number(row.bytes),
      costUsd: Number(row.cost),
      timedOut: row.timed_out,
    }));
    return {
      bytesScanned: athenaQueries.reduce((sum, q) => sum + q.bytesScanned, 0),
      estimatedCostUsd: athenaQueries.reduce((sum, q) => sum + q.costUsd, 0),
      athenaQueries,
    };
  }
}
