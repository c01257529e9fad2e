import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { initialContinuousState, rollingWindow } from '../../continuous/continuous-window';
import { JobProducer } from '../../queues/job-producer';
import type { ContinuousState } from '../../targets/target-settings';
import { TargetsService } from '../../targets/targets.service';
import { ANALYSIS_RUN_JOB, analysisJobId, type AnalysisJobPayload } from '../analysis-job';
import { ACTIVE_ANALYSIS_STATUSES } from '../analysis-status';
import { AnalysisEntity } from '../analysis.entity';

/** Who rolling analyses are requested by (AnalysisDto.requestedBy). */
export const CONTINUOUS_REQUESTER = 'continuous';

export type TickOutcome =
  | { outcome: 'started'; analysisId: string; window: { from: Date; to: Date } }
  | { outcome: 'skipped-busy'; analysisId: string | null }
  | { outcome: 'skipped-no-new-data' }
  | { outcome: 'not-continuous' };

/**
 * One tick of a continuous target: a rolling analysis over what was delivered since the
 * watermark (see rollingWindow), unless an analysis of the target is still queued or running —
 * then the tick is skipped and the target says so, so a slow analysis delays the next window
 * (which then covers more) instead of queueing analyses behind it.
 *
 * The watermark moves when the rolling analysis that reached it has succeeded (seen at the next
 * tick): a failed or cancelled one leaves it, and the next window covers its data again. Rolling
 * analyses are ordinary analyses, so the reconciler recovers them like any other.
 */
@Injectable()
export class ContinuousAnalysisService {
  private readonly logger = new Logger(ContinuousAnalysisService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobProducer,
    private readonly targets: TargetsService,
    private readonly clock: Clock,
  ) {}

  async tick(targetId: string): Promise<TickOutcome> {
    const now = this.clock.now();
    const outcome = await this.dataSource.transaction(async (manager): Promise<TickOutcome> => {
      // One tick per target at a time: the row lock orders a tick and a change of the target.
      const target = await this.targets.lockContinuous(manager, targetId);
      if (!target?.continuous) return { outcome: 'not-continuous' };
      const settings = target.continuous;
      const state: ContinuousState = { ...(target.continuousState ?? initialContinuousState(now, settings.deliveryDelayMinutes)) };
      state.lastTickAt = now.toISOString();
      const save = () => this.targets.saveContinuousState(manager, targetId, state);

      if (state.lastAnalysisId) {
        const last = await manager.findOne(AnalysisEntity, {
          where: { id: state.lastAnalysisId },
          select: { id: true, status: true, windowTo: true },
        });
        if (last?.status === 'succeeded' && last.windowTo.getTime() > Date.parse(state.watermark))
          state.watermark = last.windowTo.toISOString();
      }
      const active = await manager.findOne(AnalysisEntity, {
        where: { targetId, status: In(ACTIVE_ANALYSIS_STATUSES) },
        select: { id: true, status: true },
      });
      if (active) {
        state.lastTick = 'skipped-busy';
        state.skippedTicks += 1;
        state.message = `analysis ${active.id} is still ${active.status}: this tick is skipped, the next window starts at the same watermark`;
        await save();
        return { outcome: 'skipped-busy', analysisId: active.id };
      }
      const window = rollingWindow(new Date(state.watermark), now, settings.deliveryDelayMinutes);
      if (!window) {
        state.lastTick = 'skipped-no-new-data';
        state.message = `nothing delivered after the watermark yet (delivery delay ${settings.deliveryDelayMinutes} min)`;
        await save();
        return { outcome: 'skipped-no-new-data' };
      }
      const id = randomUUID();
      // An analysis asked for through the API since the check above holds the target's one active
      // slot (partial unique index): the insert is then a no-op, and the tick a skipped one.
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(AnalysisEntity)
        .values({
          id,
          targetId,
          status: 'queued',
          windowFrom: window.from,
          windowTo: window.to,
          requestedBy: CONTINUOUS_REQUESTER,
          statistics: {},
          attempt: 0,
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((inserted.raw as unknown[]).length === 0) {
        state.lastTick = 'skipped-busy';
        state.skippedTicks += 1;
        state.message =
          'another analysis of the target was just queued: this tick is skipped, the next window starts at the same watermark';
        await save();
        return { outcome: 'skipped-busy', analysisId: null };
      }
      state.lastAnalysisId = id;
      state.lastWindow = { from: window.from.toISOString(), to: window.to.toISOString() };
      state.lastTick = 'started';
      state.message = null;
      await save();
      return { outcome: 'started', analysisId: id, window };
    });
    if (outcome.outcome === 'started') await this.enqueue(outcome.analysisId);
    return outcome;
  }

  private async enqueue(analysisId: string): Promise<void> {
    const payload: AnalysisJobPayload = { analysisId, attempt: 0 };
    try {
      await this.jobs.enqueue(ANALYSIS_RUN_JOB, payload, { jobId: analysisJobId(analysisId, 0) });
    } catch (error) {
      // The analysis is recorded queued: the reconciler queues its job when Redis answers again.
      this.logger.warn(`rolling analysis ${analysisId} recorded but not queued yet: ${String(error)}`);
    }
  }
}
