import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { type AnalyzerRun, ReachabilityAnalyzer } from '../../aws/reachability-analyzer';
import { Clock } from '../../common/clock/clock';
import { compareWithAnalyzer } from '../../engine/path/analyzer-comparison';
import { awsTargetOf } from '../../snapshots/aws-target-of.util';
import { TargetsService } from '../../targets/targets.service';
import { confirmationClientToken, type ConfirmationJobPayload } from '../confirmation-job';
import type { ConfirmationStatus } from '../confirmation-status';
import { ReachabilityConfirmationEntity } from '../reachability-confirmation.entity';

/**
 * Runs one confirmation: asks Reachability Analyzer (which always deletes its path and analysis
 * afterwards), records the start (and so the charge) as soon as AWS reports it, then stores AWS's
 * analysis and its comparison with sgdoctor's answer, or why it failed.
 */
@Injectable()
export class ConfirmationRunner {
  private readonly logger = new Logger(ConfirmationRunner.name);

  constructor(
    @InjectRepository(ReachabilityConfirmationEntity) private readonly confirmations: Repository<ReachabilityConfirmationEntity>,
    private readonly targets: TargetsService,
    private readonly analyzer: ReachabilityAnalyzer,
    private readonly clock: Clock,
  ) {}

  async run(payload: ConfirmationJobPayload, attemptsMade: number): Promise<ConfirmationStatus | 'gone'> {
    const { confirmationId: id } = payload;
    const confirmation = await this.confirmations.findOneBy({ id });
    // Deleted with its target: nothing to ask, nothing to store.
    if (!confirmation) return 'gone';
    if (confirmation.status === 'succeeded' || confirmation.status === 'failed') return confirmation.status;
    const target = await this.targets.findEntity(confirmation.targetId);
    if (!target) return 'gone';
    await this.confirmations.update({ id }, { status: 'running', startedAt: this.clock.now() });

    let run: AnalyzerRun;
    try {
      run = await this.analyzer.analyze(
        awsTargetOf(target),
        confirmation.analyzerPath,
        confirmationClientToken(id, attemptsMade),
        undefined,
        async ({ networkInsightsPathId, networkInsightsAnalysisId }) => {
          // Counted once per analysis: a re-run of the same attempt gets the same analysis back (same client token).
          await this.confirmations
            .createQueryBuilder()
            .update(ReachabilityConfirmationEntity)
            .set({ networkInsightsPathId, networkInsightsAnalysisId, analysesStarted: () => 'analyses_started + 1' })
            .where('id = :id AND network_insights_analysis_id IS DISTINCT FROM :analysisId', { id, analysisId: networkInsightsAnalysisId })
            .execute();
        },
      );
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await this.record(id, { status: 'failed', finishedAt: this.clock.now(), failure: { code: 'ANALYZER.REQUEST_FAILED', reason } });
      throw new UnrecoverableError(`confirmation ${id}: ${reason}`);
    }

    if (run.status === 'succeeded' && run.analysis) {
      await this.record(id, {
        status: 'succeeded',
        finishedAt: this.clock.now(),
        analysis: run.analysis,
        comparison: compareWithAnalyzer(confirmation.sgdoctor, run.analysis),
        cleanup: run.cleanup,
      });
    } else {
      const failure =
        run.status === 'timed-out'
          ? { code: 'ANALYZER.TIMED_OUT' as const, reason: run.statusMessage ?? 'the analysis did not finish in time' }
          : { code: 'ANALYZER.FAILED' as const, reason: run.statusMessage ?? 'Reachability Analyzer reported the analysis failed' };
      await this.record(id, { status: 'failed', finishedAt: this.clock.now(), analysis: run.analysis, failure, cleanup: run.cleanup });
    }
    if (!run.cleanup.deleted)
      this.logger.warn(`confirmation ${id}: ${run.networkInsightsPathId} was not deleted: ${run.cleanup.error ?? 'unknown error'}`);
    return run.status === 'succeeded' ? 'succeeded' : 'failed';
  }

  /** Marks a confirmation failed if it is still queued or running (its job ended without recording an outcome). */
  async failUnfinished(id: string, reason: string): Promise<void> {
    await this.confirmations
      .createQueryBuilder()
      .update(ReachabilityConfirmationEntity)
      .set({ status: 'failed', finishedAt: this.clock.now(), failure: { code: 'ANALYZER.REQUEST_FAILED', reason } })
      .where('id = :id AND status IN (:...unfinished)', { id, unfinished: ['queued', 'running'] })
      .execute();
  }

  /** An update of stored columns. AWS's JSON (open-ended members) defeats TypeORM's deep-partial typing, hence the cast. */
  private async record(id: string, patch: Partial<ReachabilityConfirmationEntity>): Promise<void> {
    await this.confirmations.update({ id }, patch as QueryDeepPartialEntity<ReachabilityConfirmationEntity>);
  }
}
