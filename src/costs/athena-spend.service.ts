import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AthenaQuerySpend, AthenaSpendLedger } from '../aws/athena-query-spend';
import type { AnalysisStatus } from '../analyses/analysis-status';
import { Clock } from '../common/clock/clock';
import type { TargetAccess } from '../targets/target-sources';

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
 * The row's figures once `n` (state, bytes_scanned, cost_usd, timed_out) is recorded over its
 * current ones (`c`). A row Athena has reported ended keeps its figures. Before that: the state
 * moves on (a QUEUED start never takes a RUNNING row back), the bytes are the most any description
 * reported, and the cost is always what Athena bills for the state and bytes kept — nothing once
 * FAILED, else the cost of the figures whose bytes were kept (a row's cost is its bytes' price
 * while unfinished, so the larger bytes carry their own price).
 */
const merged = (n: string) => `
  state = CASE WHEN c.state IN ${FINISHED} OR ${n}.state = 'QUEUED' THEN c.state ELSE ${n}.state END,
  bytes_scanned = CASE WHEN c.state IN ${FINISHED} THEN c.bytes_scanned ELSE GREATEST(c.bytes_scanned, ${n}.bytes_scanned) END,
  cost_usd = CASE WHEN c.state IN ${FINISHED} THEN c.cost_usd
                  WHEN ${n}.state = 'FAILED' THEN 0
                  WHEN ${n}.bytes_scanned >= c.bytes_scanned THEN ${n}.cost_usd
                  ELSE c.cost_usd END,
  timed_out = c.timed_out OR ${n}.timed_out`;

/** A query no flow source saw end, as the sweep reads it: where it runs and whether its analysis still wants it. */
export interface UnsettledAthenaQuery {
  queryExecutionId: string;
  attempt: number;
  recordedAt: Date;
  /** The analysis that started it; null once that analysis is deleted. */
  analysisId: string | null;
  target: { accountId: string; region: string; access: TargetAccess };
  /** The analysis's status and attempt; null once the analysis is deleted. */
  analysis: { status: AnalysisStatus; attempt: number } | null;
}

/** Longest `check_error` kept. */
const CHECK_ERROR_CHARS = 1000;

/**
 * The Athena queries of the analyses (table `athena_query_costs`): one row per QueryExecutionId,
 * written as soon as Athena gives the id (QUEUED, nothing scanned), whenever the flow source sees
 * the query end or gives up on it, and by the sweep (AthenaSpendSweep) for the rows no job
 * finished. Recording is idempotent — a query recorded again (a redelivered job, a retry that
 * finds it) updates its row until Athena has reported it ended, and its figures are final from
 * then on — so a query counts once towards its target's month, whatever became of the job that
 * started it.
 */
@Injectable()
export class AthenaSpendService {
  private readonly logger = new Logger(AthenaSpendService.name);
  /** Writes in flight and work that ends in one (ledger.hold): a shutting-down worker waits for them. */
  private readonly pending = new Set<Promise<unknown>>();

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
    const warned = (what: string) => (error: unknown) => {
      this.logger.warn(`could not record Athena query ${what} of analysis ${run.analysisId}: ${String(error)}`);
      throw error;
    };
    return {
      timedOut: new Set(rows.map((row) => row.id)),
      started: (queryExecutionId) => this.track(this.started(run, queryExecutionId).catch(warned(`${queryExecutionId} (started)`))),
      record: (spend) =>
        this.track(this.record(run, spend).catch(warned(`${spend.queryExecutionId} (${spend.dataScannedBytes} bytes scanned)`))),
      hold: (work) => void this.track(work),
    };
  }

  /** A query Athena has just given the id of: QUEUED, nothing scanned, until it is described. Nothing changes when it has a row. */
  async started(run: { targetId: string; analysisId: string; attempt: number }, queryExecutionId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO athena_query_costs
              (query_execution_id, target_id, analysis_id, attempt, state, bytes_scanned, cost_usd, timed_out, recorded_at, updated_at)
       VALUES ($1, $2, $3, $4, 'QUEUED', 0, 0, false, $5, $5)
       ON CONFLICT (query_execution_id) DO NOTHING`,
      [queryExecutionId, run.targetId, run.analysisId, run.attempt, this.clock.now()],
    );
  }

  async record(run: { targetId: string; analysisId: string; attempt: number }, spend: AthenaQuerySpend): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO athena_query_costs AS c
              (query_execution_id, target_id, analysis_id, attempt, state, bytes_scanned, cost_usd, timed_out, recorded_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (query_execution_id) DO UPDATE SET ${merged('EXCLUDED')}, updated_at = EXCLUDED.updated_at`,
      [spend.queryExecutionId, run.targetId, run.analysisId, run.attempt, spend.state, ...figures(spend), spend.timedOut, now],
    );
  }

  /**
   * Rows no flow source finished (QUEUED or RUNNING) whose last record and last look are both
   * before `before`, the ones never looked at first, then the longest unlooked-at; at most `limit`.
   */
  async unsettled(before: Date, limit: number): Promise<UnsettledAthenaQuery[]> {
    const rows: Array<{
      id: string;
      attempt: number;
      recorded_at: Date;
      analysis_id: string | null;
      account_id: string;
      region: string;
      access: TargetAccess;
      status: AnalysisStatus | null;
      analysis_attempt: number | null;
    }> = await this.dataSource.query(
      `SELECT c.query_execution_id AS id, c.attempt, c.recorded_at, c.analysis_id, t.account_id, t.region, t.access,
              a.status, a.attempt AS analysis_attempt
         FROM athena_query_costs c
         JOIN targets t ON t.id = c.target_id
         LEFT JOIN analyses a ON a.id = c.analysis_id
        WHERE c.state IN ('QUEUED','RUNNING') AND c.updated_at < $1 AND (c.last_checked_at IS NULL OR c.last_checked_at < $1)
        ORDER BY c.last_checked_at NULLS FIRST, c.updated_at, c.query_execution_id
        LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => ({
      queryExecutionId: row.id,
      attempt: row.attempt,
      recordedAt: new Date(row.recorded_at),
      analysisId: row.analysis_id,
      target: { accountId: row.account_id, region: row.region, access: row.access },
      analysis: row.status === null ? null : { status: row.status, attempt: row.analysis_attempt ?? 0 },
    }));
  }

  /** What the sweep found Athena reports of a query, merged as a flow source's record is; its look succeeded at `at`. */
  async checked(spend: AthenaQuerySpend, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE athena_query_costs AS c SET ${merged('n')}, last_checked_at = $6, check_error = NULL
         FROM (VALUES ($2::varchar, $3::bigint, $4::numeric, $5::boolean)) AS n(state, bytes_scanned, cost_usd, timed_out)
        WHERE c.query_execution_id = $1`,
      [spend.queryExecutionId, spend.state, ...figures(spend), spend.timedOut, at],
    );
  }

  /** The sweep could not learn what became of a query: why, kept on its row and counted. */
  async checkFailed(queryExecutionId: string, reason: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE athena_query_costs SET last_checked_at = $2, check_error = $3, check_failures = check_failures + 1
        WHERE query_execution_id = $1`,
      [queryExecutionId, at, reason.slice(0, CHECK_ERROR_CHARS)],
    );
  }

  /**
   * Waits (at most `timeoutMs`) for the writes in flight and the work held by the ledgers (a
   * cancelled analysis's query being stopped and recorded); resolves with how many were left. A
   * write lost past that is not lost for good: the query's row, written when it started, is
   * finished by the sweep.
   */
  async settlePending(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.size > 0) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.pending]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.pending.size > 0) {
      this.logger.warn(`${this.pending.size} Athena spending writes still pending after ${timeoutMs} ms; the sweep finishes their queries`);
    }
    return this.pending.size;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const settled: Promise<unknown> = work.then(
      () => this.pending.delete(settled),
      () => this.pending.delete(settled),
    );
    this.pending.add(settled);
    return work;
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

  /**
   * Puts the figures of an analysis that has ended (ofAnalysis) on its statistics again: the
   * sweep settles queries after their analysis has copied what it knew of them.
   */
  async refreshEnded(analysisId: string): Promise<void> {
    const spend = await this.ofAnalysis(analysisId);
    if (!spend) return;
    await this.dataSource.query(
      `UPDATE analyses SET statistics = COALESCE(statistics, '{}'::jsonb) || $2::jsonb
        WHERE id = $1 AND status NOT IN ('queued', 'running')`,
      [analysisId, JSON.stringify(spend)],
    );
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

/** Bytes and cost as the row keeps them: whole non-negative bytes, a non-negative cost. */
function figures(spend: AthenaQuerySpend): [number, number] {
  return [Math.max(0, Math.trunc(spend.dataScannedBytes)), Math.max(0, spend.billedCostUsd)];
}
