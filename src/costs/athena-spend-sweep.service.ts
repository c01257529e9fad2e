import { Logger } from '@nestjs/common';
import type { AthenaFlowSource } from '../aws/athena-flow-source';
import { isFinished } from '../aws/athena-query-spend';
import type { Clock } from '../common/clock/clock';
import { awsTargetOf } from '../snapshots/aws-target-of.util';
import type { AthenaSpendService, UnsettledAthenaQuery } from './athena-spend.service';

export interface AthenaSpendSweepOptions {
  /** A row unfinished and neither recorded nor looked at for this long is asked of Athena (and looked at again this long after). */
  settleAfterMs: number;
  /** Rows looked at per sweep; the next sweep takes the rest. */
  batch: number;
}

/** What one sweep did. */
export interface AthenaSpendSweepReport {
  /** Rows asked of Athena. */
  checked: number;
  /** Of those, the ones Athena reported ended: their figures are final now. */
  settled: number;
  /** Queries stopped because no analysis will read them. */
  stopped: number;
  /** Looks that failed (kept on the row: `check_error`, `check_failures`). */
  failed: number;
}

/**
 * Finishes the rows of `athena_query_costs` that no flow source did: a query is recorded when
 * Athena gives its id, and its job may end without seeing it end (a killed worker, GetQueryExecution
 * failing past the SDK's retries on the last attempt, a stop that failed on the timeout or on a
 * cancelled analysis). For each such row left alone for `settleAfterMs`, it asks Athena, with the
 * target's credentials, what the query has scanned and records it; a query still queued or running
 * whose analysis will not read it — the analysis ended, was deleted, or was retried under a new
 * attempt — is stopped first (Athena bills what it scanned until then). A query an analysis still
 * runs is only described: its worker, or the retry that re-attaches to it, decides its fate. An
 * analysis that has ended gets the figures settled on its statistics again. A look that fails is
 * kept on the row and counted, and the row is looked at again later.
 */
export class AthenaSpendSweep {
  private readonly logger = new Logger(AthenaSpendSweep.name);

  constructor(
    private readonly spend: AthenaSpendService,
    private readonly clock: Clock,
    private readonly athena: Pick<AthenaFlowSource, 'describeSpend' | 'stopQuery'>,
    private readonly options: AthenaSpendSweepOptions,
  ) {}

  async sweep(): Promise<AthenaSpendSweepReport> {
    const report: AthenaSpendSweepReport = { checked: 0, settled: 0, stopped: 0, failed: 0 };
    const rows = await this.spend.unsettled(new Date(this.clock.nowMs() - this.options.settleAfterMs), this.options.batch);
    // Analyses that have ended copied what they knew of their queries then: they show what is known now.
    const ended = new Set<string>();
    for (const row of rows) {
      report.checked += 1;
      const target = awsTargetOf(row.target);
      try {
        let spend = await this.athena.describeSpend(target, row.queryExecutionId);
        if (!isFinished(spend.state) && !wanted(row)) {
          await this.athena.stopQuery(target, row.queryExecutionId);
          report.stopped += 1;
          spend = await this.athena.describeSpend(target, row.queryExecutionId);
        }
        await this.spend.checked(spend, this.clock.now());
        if (isFinished(spend.state)) report.settled += 1;
        if (row.analysisId !== null && !wanted(row)) ended.add(row.analysisId);
      } catch (error) {
        report.failed += 1;
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(`could not settle Athena query ${row.queryExecutionId} of target account ${target.accountId}: ${reason}`);
        await this.spend.checkFailed(row.queryExecutionId, reason, this.clock.now());
      }
    }
    for (const analysisId of ended) await this.spend.refreshEnded(analysisId);
    if (report.checked > 0) {
      this.logger.log(
        `Athena spending sweep: ${report.checked} unfinished queries looked at, ${report.settled} settled, ${report.stopped} stopped, ${report.failed} failed`,
      );
    }
    return report;
  }
}

/** The query's analysis may still read it: that analysis is queued or running the attempt that started it. */
function wanted(row: UnsettledAthenaQuery): boolean {
  return (
    row.analysis !== null && (row.analysis.status === 'queued' || row.analysis.status === 'running') && row.analysis.attempt === row.attempt
  );
}
