import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, JobState, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ANALYSIS_RUN_JOB, analysisJobId } from '../analyses/analysis-job';
import type { AnalysisFailure } from '../analyses/analysis-statistics';
import { Clock } from '../common/clock/clock';
import { DomainEventType } from '../events/domain-event';
import { EventsService, WEBHOOK_FANOUT_JOB } from '../events/events.service';
import { QueueName } from '../queues/queue-names';
import { JobProducer } from '../queues/job-producer';
import { manualRunJobId } from '../reports/report-job';
import { ReportSchedulerService } from '../reports/report-scheduler.service';
import { ReportSchedulesService } from '../reports/report-schedules.service';
import { deliverJobId, EVENTS_SWEEP_EVERY_MS, EVENTS_SWEEP_JOB, EVENTS_SWEEP_SCHEDULER } from '../webhooks/jobs/webhook-jobs';
import { WebhookDeliveriesService } from '../webhooks/webhook-deliveries.service';
import { ContinuousScheduler } from '../continuous/continuous-scheduler.service';
import { TargetsService } from '../targets/targets.service';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { ATHENA_SPEND_SWEEP_SCHEDULER, upsertAthenaSpendSweep } from '../costs/athena-spend-sweep-job';

/** Job states in which BullMQ will still run the job: nothing to repair. */
const LIVE_STATES: ReadonlySet<JobState | 'unknown'> = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
/**
 * Times the reconciler queues an analysis (or a manual report run) again after its job failed
 * (stalled twice, or its retries ran out on an outage) before it records it as failed.
 */
export const MAX_ANALYSIS_RECOVERIES = 3;
/** Rows looked at per kind and pass; the next pass takes the rest. */
const BATCH = 1000;

export interface ReconcileReport {
  analysesRequeued: number;
  analysesFailed: number;
  reportRunsRequeued: number;
  reportRunsFailed: number;
  deliveriesRequeued: number;
  fanOutsRequeued: number;
  eventsPublished: number;
  schedulersRecreated: number;
}

interface ActiveAnalysisRow {
  id: string;
  attempt: number;
  status: string;
  stage: string | null;
  target_id: string;
  window_from: Date;
  window_to: Date;
}

interface ReportRunRow {
  id: string;
  schedule_id: string;
  requested_at: Date;
}

interface PendingDeliveryRow {
  id: string;
  attempts: number;
  redeliveries: number;
  resumes: number;
  next_attempt_at: Date | null;
}

/**
 * PostgreSQL records the work; Redis only carries it. One pass compares the two and repairs the
 * queues: analyses and manual report runs queued or running, and webhook deliveries pending,
 * whose job is missing, failed or finished are queued again under the same job id (an analysis
 * whose job failed after MAX_ANALYSIS_RECOVERIES such recoveries is recorded failed, with the
 * job's reason, and can be retried through the API); events published but never fanned out are fanned out again; unpublished
 * events are published; the job schedulers of the report schedules, of the continuous targets, of the events sweep and of the Athena spending sweep are
 * re-created when Redis lost them. Each repair re-reads its row after reading the job, so work
 * that finished in between is left alone. Run by ReconcileLoop, one worker at a time.
 */
@Injectable()
export class WorkReconciler {
  private readonly logger = new Logger(WorkReconciler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Analysis) private readonly analysisQueue: Queue,
    @InjectQueue(QueueName.WebhookDelivery) private readonly webhookQueue: Queue,
    @InjectQueue(QueueName.Report) private readonly reportQueue: Queue,
    private readonly events: EventsService,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly schedulers: ReportSchedulerService,
    private readonly reportSchedules: ReportSchedulesService,
    private readonly jobs: JobProducer,
    private readonly clock: Clock,
    private readonly continuous: ContinuousScheduler,
    private readonly targets: TargetsService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      analysesRequeued: 0,
      analysesFailed: 0,
      reportRunsRequeued: 0,
      reportRunsFailed: 0,
      deliveriesRequeued: 0,
      fanOutsRequeued: 0,
      eventsPublished: 0,
      schedulersRecreated: 0,
    };
    await this.reconcileAnalyses(report);
    await this.reconcileReportRuns(report);
    report.eventsPublished = await this.events.publishPending();
    await this.reconcileFanOuts(report);
    await this.reconcileDeliveries(report);
    await this.reconcileSchedulers(report);
    return report;
  }

  private async reconcileAnalyses(report: ReconcileReport): Promise<void> {
    const rows = await this.activeAnalyses();
    for (const row of rows) {
      const jobId = analysisJobId(row.id, row.attempt);
      const state = await this.analysisQueue.getJobState(jobId);
      if (LIVE_STATES.has(state)) continue;
      // Read after the job: an analysis that finished meanwhile is no longer active.
      const current = (await this.activeAnalyses(row.id))[0];
      if (!current || current.attempt !== row.attempt) continue;
      const job = state === 'unknown' ? undefined : await this.analysisQueue.getJob(jobId);
      const recoveries = recoveriesOf(job);
      if (state === 'failed' && recoveries >= MAX_ANALYSIS_RECOVERIES) {
        if (await this.failAnalysis(current, job?.failedReason ?? 'the job failed')) report.analysesFailed += 1;
        continue;
      }
      await job?.remove();
      const next = state === 'unknown' ? recoveries : recoveries + 1;
      await this.jobs.enqueue(ANALYSIS_RUN_JOB, { analysisId: row.id, attempt: row.attempt, recoveries: next }, { jobId });
      this.logger.warn(`analysis ${row.id} was ${current.status} with its job ${state === 'unknown' ? 'missing' : state}: queued again`);
      report.analysesRequeued += 1;
    }
  }

  private async activeAnalyses(id?: string): Promise<ActiveAnalysisRow[]> {
    return (await this.dataSource.query(
      `SELECT id, attempt, status, stage, target_id, window_from, window_to FROM analyses
       WHERE status IN ('queued', 'running') AND ($1::uuid IS NULL OR id = $1::uuid)
       ORDER BY created_at LIMIT $2`,
      [id ?? null, BATCH],
    )) as ActiveAnalysisRow[];
  }

  /** Records the analysis failed (with an analysis.failed event) unless it moved on meanwhile. */
  private async failAnalysis(row: ActiveAnalysisRow, jobReason: string): Promise<boolean> {
    const failure: AnalysisFailure = {
      reason: `the analysis job failed ${MAX_ANALYSIS_RECOVERIES + 1} times (last: ${jobReason}); retry it when the cause is fixed`,
      code: 'ANALYSIS.JOB_FAILED',
      stage: row.stage,
      permanent: false,
      at: this.clock.now().toISOString(),
    };
    const eventIds = await this.dataSource.transaction(async (manager) => {
      const updated = (await manager.query(
        `UPDATE analyses SET status = 'failed', failure = $3::jsonb, finished_at = $4, updated_at = now()
         WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'running') RETURNING id`,
        [row.id, row.attempt, JSON.stringify(failure), this.clock.now()],
      )) as [unknown[], number];
      if (updated[0].length === 0) return [];
      const event = await this.events.record(manager, {
        type: DomainEventType.AnalysisFailed,
        subject: { targetId: row.target_id, analysisId: row.id },
        data: {
          analysisId: row.id,
          targetId: row.target_id,
          window: { from: new Date(row.window_from).toISOString(), to: new Date(row.window_to).toISOString() },
          failure,
        },
        occurredAt: this.clock.now(),
      });
      return [event.id];
    });
    if (eventIds.length === 0) return false;
    this.logger.warn(`analysis ${row.id} recorded failed: ${failure.reason}`);
    await this.events.publish(eventIds).catch((error: unknown) => this.logger.warn(`could not publish analysis.failed: ${String(error)}`));
    return true;
  }

  /** Manual report runs recorded queued or running whose job is gone, failed or finished. */
  private async reconcileReportRuns(report: ReconcileReport): Promise<void> {
    const query = `SELECT id, schedule_id, requested_at FROM report_runs WHERE status IN ('queued', 'running') AND ($1::uuid IS NULL OR id = $1::uuid) ORDER BY created_at LIMIT $2`;
    const rows = (await this.dataSource.query(query, [null, BATCH])) as ReportRunRow[];
    for (const row of rows) {
      const jobId = manualRunJobId(row.id);
      const state = await this.reportQueue.getJobState(jobId);
      if (LIVE_STATES.has(state)) continue;
      const [current] = (await this.dataSource.query(query, [row.id, 1])) as ReportRunRow[];
      if (!current) continue;
      const job = state === 'unknown' ? undefined : await this.reportQueue.getJob(jobId);
      const recoveries = recoveriesOf(job);
      if (state === 'failed' && recoveries >= MAX_ANALYSIS_RECOVERIES) {
        await this.dataSource.query(
          `UPDATE report_runs SET status = 'failed', failure = $2, updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
          [row.id, `the report run failed ${MAX_ANALYSIS_RECOVERIES + 1} times (last: ${job?.failedReason ?? 'unknown'})`],
        );
        report.reportRunsFailed += 1;
        continue;
      }
      await job?.remove();
      await this.schedulers.runNow(row.schedule_id, row.id, new Date(row.requested_at), state === 'unknown' ? recoveries : recoveries + 1);
      this.logger.warn(`report run ${row.id} had its job ${state === 'unknown' ? 'missing' : state}: queued again`);
      report.reportRunsRequeued += 1;
    }
  }

  /** Published events whose fan-out job Redis lost before it created their deliveries. */
  private async reconcileFanOuts(report: ReconcileReport): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM events WHERE published_at IS NOT NULL AND fanned_out_at IS NULL ORDER BY published_at, id LIMIT $1`,
      [BATCH],
    )) as Array<{ id: string }>;
    for (const { id } of rows) {
      const state = await this.webhookQueue.getJobState(id);
      if (LIVE_STATES.has(state)) continue;
      const still = (await this.dataSource.query(`SELECT 1 FROM events WHERE id = $1 AND fanned_out_at IS NULL`, [id])) as unknown[];
      if (still.length === 0) continue;
      if (state !== 'unknown') await (await this.webhookQueue.getJob(id))?.remove();
      await this.jobs.enqueue(WEBHOOK_FANOUT_JOB, { eventId: id }, { jobId: id });
      report.fanOutsRequeued += 1;
    }
  }

  private async reconcileDeliveries(report: ReconcileReport): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT id, attempts, redeliveries, resumes, next_attempt_at FROM webhook_deliveries WHERE status = 'pending' ORDER BY created_at, id LIMIT $1`,
      [BATCH],
    )) as PendingDeliveryRow[];
    for (const row of rows) {
      const jobId = deliverJobId(row.id, row.redeliveries, row.resumes);
      const state = await this.webhookQueue.getJobState(jobId);
      if (LIVE_STATES.has(state)) continue;
      const [current] = (await this.dataSource.query(
        `SELECT id, attempts, redeliveries, resumes, next_attempt_at FROM webhook_deliveries WHERE id = $1 AND status = 'pending'`,
        [row.id],
      )) as PendingDeliveryRow[];
      if (!current || current.redeliveries !== row.redeliveries || current.resumes !== row.resumes) continue;
      if (state !== 'unknown') await (await this.webhookQueue.getJob(jobId))?.remove();
      const due = current.next_attempt_at ? new Date(current.next_attempt_at).getTime() - this.clock.nowMs() : 0;
      await this.deliveries.requeue(current, due);
      report.deliveriesRequeued += 1;
    }
    if (report.deliveriesRequeued > 0) this.logger.warn(`${report.deliveriesRequeued} pending webhook deliveries had no job: queued again`);
  }

  /** The schedules in PostgreSQL are the truth; a scheduler Redis lost is created again. */
  private async reconcileSchedulers(report: ReconcileReport): Promise<void> {
    const schedules = await this.reportSchedules.all();
    for (const schedule of schedules) {
      const exists = (await this.reportQueue.getJobScheduler(schedule.id)) !== undefined;
      if (exists === schedule.enabled) continue;
      await this.schedulers.apply(schedule);
      if (schedule.enabled) report.schedulersRecreated += 1;
    }
    await this.schedulers.prune(new Set(schedules.map((schedule) => schedule.id)));
    if ((await this.webhookQueue.getJobScheduler(EVENTS_SWEEP_SCHEDULER)) === undefined) {
      await this.webhookQueue.upsertJobScheduler(EVENTS_SWEEP_SCHEDULER, { every: EVENTS_SWEEP_EVERY_MS }, { name: EVENTS_SWEEP_JOB });
      report.schedulersRecreated += 1;
    }
    if ((await this.analysisQueue.getJobScheduler(ATHENA_SPEND_SWEEP_SCHEDULER)) === undefined) {
      await upsertAthenaSpendSweep(this.analysisQueue, this.config.get('analysis', { infer: true }).spendSweepIntervalMs);
      report.schedulersRecreated += 1;
    }
    // Continuous targets' rolling-analysis schedulers, on the analysis queue.
    report.schedulersRecreated += await this.continuous.reconcile(await this.targets.continuousTargets());
  }
}

function recoveriesOf(job: Job | undefined): number {
  const value = (job?.data as { recoveries?: unknown } | undefined)?.recoveries;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}
