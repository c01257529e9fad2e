import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../queues/queue-names';
import { whileQueueReachable } from '../queues/queue-reachability.util';
import { JobProducer } from '../queues/job-producer';
import { manualRunJobId, REPORT_RUN_JOB, type ReportRunPayload } from './report-job';
import type { ReportScheduleEntity } from './report-schedule.entity';

/**
 * Keeps one BullMQ job scheduler per enabled report schedule (scheduler id = schedule id). Job
 * schedulers live in Redis: they survive restarts, and each tick produces one job whatever the
 * number of workers. Upserting is idempotent, so the worker re-applies every schedule at start.
 */
@Injectable()
export class ReportSchedulerService {
  constructor(
    @InjectQueue(QueueName.Report) private readonly queue: Queue,
    private readonly jobs: JobProducer,
  ) {}

  async apply(schedule: ReportScheduleEntity): Promise<void> {
    if (!schedule.enabled) {
      await this.remove(schedule.id);
      return;
    }
    const data: ReportRunPayload = { scheduleId: schedule.id };
    await whileQueueReachable(this.queue, 'the report schedule', () =>
      this.queue.upsertJobScheduler(
        schedule.id,
        { pattern: schedule.cron, tz: schedule.timeZone },
        { name: REPORT_RUN_JOB, data, opts: { attempts: 3, backoff: { type: 'exponential', delay: 30_000 } } },
      ),
    );
  }

  async remove(scheduleId: string): Promise<void> {
    await whileQueueReachable(this.queue, 'the report schedule', () => this.queue.removeJobScheduler(scheduleId));
  }

  /** Drops schedulers whose schedule no longer exists (deleted while Redis was unreachable). */
  async prune(knownIds: ReadonlySet<string>): Promise<void> {
    const schedulers = await this.queue.getJobSchedulers(0, -1);
    for (const scheduler of schedulers) {
      if (scheduler.key && !knownIds.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
  }

  /**
   * "Run now": a job of its own, outside the schedule's ticks. `recoveries` counts the times the
   * reconciler queued the run again (kept in the job's data).
   */
  async runNow(scheduleId: string, runId: string, requestedAt: Date, recoveries = 0): Promise<void> {
    const data: ReportRunPayload = { scheduleId, manual: { runId, requestedAt: requestedAt.toISOString() } };
    if (recoveries > 0) data.recoveries = recoveries;
    await whileQueueReachable(this.queue, 'the report run', () =>
      this.jobs.enqueue(REPORT_RUN_JOB, data, {
        jobId: manualRunJobId(runId),
        attempts: 3,
        backoff: { type: 'exponential', delay: 10_000 },
      }),
    );
  }
}
