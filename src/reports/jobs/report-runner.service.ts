import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager } from 'typeorm';
import { AnalysesService } from '../../analyses/analyses.service';
import { AnalysisAlreadyRunningError } from '../../analyses/analysis-already-running.error';
import { AppError } from '../../common/errors/app.error';
import type { IntegrationsConfig } from '../../config/app-config';
import { DomainEventType } from '../../events/domain-event';
import { EventsService } from '../../events/events.service';
import { reportLinks } from '../dto/report.dto';
import { buildReportData } from '../render/build-report-data';
import type { ReportPeriod } from '../render/report-data';
import type { ReportRunPayload } from '../report-job';
import { ReportScheduleEntity } from '../report-schedule.entity';
import { ReportEntity } from '../report.entity';
import { ReportInputLoader } from './report-input.loader';
import { Clock } from '../../common/clock/clock';

const HOUR_MS = 3_600_000;
const POLL_MS = 1_000;

export interface ReportRunContext {
  /** The scheduler's tick (ms) for scheduled runs; absent for manual runs. */
  tickMs?: number;
}

export type ReportRunOutcome = { reportId: string; created: boolean } | { skipped: string };

/**
 * One run of a report schedule: fresh analyses of its targets over the look-back window, a
 * bounded wait for them, then the report built from the stored findings, stored once per run
 * (unique run key) with its report.ready event in the same transaction.
 */
@Injectable()
export class ReportRunner {
  private readonly logger = new Logger(ReportRunner.name);
  private readonly waitMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly analyses: AnalysesService,
    private readonly loader: ReportInputLoader,
    private readonly events: EventsService,
    private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.waitMs = config.get<IntegrationsConfig>('integrations', { infer: true })!.reportAnalysisWaitMs;
  }

  async run(payload: ReportRunPayload, context: ReportRunContext): Promise<ReportRunOutcome> {
    const schedule = await this.dataSource.manager.findOneBy(ReportScheduleEntity, { id: payload.scheduleId });
    if (!schedule) return { skipped: `schedule ${payload.scheduleId} no longer exists` };
    const tickMs = context.tickMs ?? this.clock.nowMs();
    const runKey = payload.manual ? `manual:${payload.manual.runId}` : `schedule:${schedule.id}:${tickMs}`;
    const existing = await this.dataSource.manager.findOneBy(ReportEntity, { runKey });
    if (existing) {
      if (payload.manual) await this.settleRun(this.dataSource.manager, payload.manual.runId, existing.id);
      return { reportId: existing.id, created: false };
    }
    if (payload.manual) {
      await this.dataSource.query(`UPDATE report_runs SET status = 'running', updated_at = now() WHERE id = $1 AND status = 'queued'`, [
        payload.manual.runId,
      ]);
    }

    const end = new Date(payload.manual ? payload.manual.requestedAt : tickMs);
    const period: ReportPeriod = { from: new Date(end.getTime() - schedule.lookbackHours * HOUR_MS).toISOString(), to: end.toISOString() };
    const { analysisIds, notStarted } = await this.startAnalyses(schedule, period);
    await this.waitFor(analysisIds);

    const reportId = randomUUID();
    const input = await this.loader.load({
      reportId,
      title: `sgdoctor report: ${schedule.name}`,
      scheduleId: schedule.id,
      targetIds: schedule.targetIds,
      period,
      analysisIds,
      notStarted,
      generatedAt: this.clock.now(),
    });
    const data = buildReportData(input);
    const created = await this.store(schedule, {
      reportId,
      runKey,
      trigger: payload.manual ? 'manual' : 'schedule',
      runId: payload.manual?.runId,
      period,
      analysisIds,
      data,
    });
    this.logger.log(`report ${created.reportId} of schedule ${schedule.id} (${runKey}) ${created.created ? 'stored' : 'already stored'}`);
    return created;
  }

  /** A manual run is done when its report is stored (in the same transaction). */
  private async settleRun(manager: EntityManager, runId: string, reportId: string): Promise<void> {
    await manager.query(`UPDATE report_runs SET status = 'succeeded', report_id = $2, failure = NULL, updated_at = now() WHERE id = $1`, [
      runId,
      reportId,
    ]);
  }

  /** Records a manual run failed for good (its job will not be tried again). */
  async failRun(runId: string, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE report_runs SET status = 'failed', failure = $2, updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [runId, reason],
    );
  }

  /** One analysis per target; a target already being analysed lends its running analysis. */
  private async startAnalyses(
    schedule: ReportScheduleEntity,
    period: ReportPeriod,
  ): Promise<{ analysisIds: string[]; notStarted: Array<{ targetId: string; reason: string }> }> {
    const ids: string[] = [];
    const notStarted: Array<{ targetId: string; reason: string }> = [];
    for (const targetId of schedule.targetIds) {
      try {
        const analysis = await this.analyses.create(
          { targetId, from: period.from, to: period.to },
          `report-schedule:${schedule.id}`.slice(0, 64),
        );
        ids.push(analysis.id);
      } catch (error) {
        if (error instanceof AnalysisAlreadyRunningError && typeof error.details.runningAnalysisId === 'string') {
          ids.push(error.details.runningAnalysisId);
        } else if (error instanceof AppError) {
          // A deleted target, or a window the target cannot serve: report on what can be analysed.
          this.logger.warn(`report schedule ${schedule.id}: no analysis of target ${targetId}: ${error.message}`);
          notStarted.push({ targetId, reason: error.message });
        } else {
          throw error;
        }
      }
    }
    return { analysisIds: ids, notStarted };
  }

  /** Polls until every analysis finished, or the configured wait ran out (the report then says what it has). */
  private async waitFor(analysisIds: string[]): Promise<void> {
    const deadline = performance.now() + this.waitMs;
    while (analysisIds.length > 0 && performance.now() < deadline) {
      const active = await this.analyses.countActive(analysisIds);
      if (active === 0) return;
      await sleep(POLL_MS);
    }
    if (analysisIds.length > 0) this.logger.warn(`report: analyses ${analysisIds.join(', ')} did not all finish within ${this.waitMs} ms`);
  }

  private async store(
    schedule: ReportScheduleEntity,
    report: {
      reportId: string;
      runKey: string;
      trigger: 'schedule' | 'manual';
      runId?: string;
      period: ReportPeriod;
      analysisIds: string[];
      data: ReturnType<typeof buildReportData>;
    },
  ): Promise<{ reportId: string; created: boolean }> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(ReportEntity)
        .values({
          id: report.reportId,
          scheduleId: schedule.id,
          runKey: report.runKey,
          trigger: report.trigger,
          periodFrom: new Date(report.period.from),
          periodTo: new Date(report.period.to),
          formats: schedule.formats,
          analysisIds: report.analysisIds,
          data: report.data,
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((inserted.raw as unknown[]).length === 0) {
        const existing = await manager.findOneByOrFail(ReportEntity, { runKey: report.runKey });
        if (report.runId) await this.settleRun(manager, report.runId, existing.id);
        return { reportId: existing.id, created: false, eventIds: [] as string[] };
      }
      if (report.runId) await this.settleRun(manager, report.runId, report.reportId);
      await manager.update(ReportScheduleEntity, { id: schedule.id }, { lastRunAt: this.clock.now() });
      const totals = report.data.totals;
      const event = await this.events.record(manager, {
        type: DomainEventType.ReportReady,
        subject: { targetId: null, reportId: report.reportId },
        data: {
          reportId: report.reportId,
          scheduleId: schedule.id,
          scheduleName: schedule.name,
          period: report.period,
          targetIds: schedule.targetIds,
          webhookIds: schedule.webhookIds,
          totals: {
            rejectedRecords: totals.rejectedRecords,
            openFindings: totals.findings.open.total,
            newFindings: totals.findings.new.total,
            resolvedFindings: totals.findings.resolved.total,
            recurringFindings: totals.findings.recurring.total,
          },
          links: reportLinks(report.reportId, schedule.formats),
        },
      });
      return { reportId: report.reportId, created: true, eventIds: [event.id] };
    });
    await this.events.publish(outcome.eventIds);
    return { reportId: outcome.reportId, created: outcome.created };
  }
}
