import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import type { Repository } from 'typeorm';
import type { QueueHandlers } from '../../queues/job-catalogue';
import { dispatchJob, parseJobPayload } from '../../queues/job-dispatch.util';
import { JobHandlerRegistry } from '../../queues/job-handler-registry';
import { drainWorker, listenToWorkerErrors } from '../../queues/drain-worker.util';
import { QueueName } from '../../queues/queue-names';
import { REPORT_RUN_JOB, reportRunPayloadSchema } from '../report-job';
import { ReportScheduleEntity } from '../report-schedule.entity';
import { ReportSchedulerService } from '../report-scheduler.service';
import { ReportRunner, type ReportRunOutcome } from './report-runner.service';

/**
 * The `report` queue. At start it re-applies every schedule to its job scheduler (idempotent,
 * and heals a Redis that lost its keys); then it runs whatever the schedulers and "run now" queue.
 */
@Injectable()
export class ReportProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReportProcessor.name);
  private readonly handlers: QueueHandlers<typeof QueueName.Report, ReportRunOutcome> = {
    [REPORT_RUN_JOB]: (job) => this.runReport(job),
  };

  constructor(
    private readonly runner: ReportRunner,
    private readonly scheduler: ReportSchedulerService,
    @InjectRepository(ReportScheduleEntity) private readonly schedules: Repository<ReportScheduleEntity>,
    registry: JobHandlerRegistry,
  ) {
    super();
    registry.register(QueueName.Report, this.handlers, ReportProcessor.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    listenToWorkerErrors(this, QueueName.Report);
    try {
      const all = await this.schedules.find();
      for (const schedule of all) await this.scheduler.apply(schedule);
      await this.scheduler.prune(new Set(all.map((schedule) => schedule.id)));
      if (all.length > 0) this.logger.log(`applied ${all.length} report schedules`);
    } catch (error) {
      // A worker starts while Redis is away; the reconciler applies the schedules once it is back.
      this.logger.warn(`report schedules not applied at start: ${String(error)}`);
    }
  }

  /** Finishes the jobs in hand before the connections they need close (see drainWorker). */
  beforeApplicationShutdown(): Promise<void> {
    return drainWorker(this);
  }

  process(job: Job): Promise<ReportRunOutcome> {
    return dispatchJob(QueueName.Report, this.handlers, job);
  }

  private async runReport(job: Job): Promise<ReportRunOutcome> {
    const payload = parseJobPayload(job, reportRunPayloadSchema);
    // A scheduler's job carries its tick: the report's period ends there, whenever it runs.
    const tickMs = typeof job.opts.prevMillis === 'number' ? job.opts.prevMillis : undefined;
    try {
      return await this.runner.run(payload, { tickMs });
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // Not recorded when the database is down too: the reconciler then finds the run without a live job.
      if (payload.manual && last) await this.runner.failRun(payload.manual.runId, String(error)).catch(() => undefined);
      throw error;
    }
  }
}
