import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { EventsService } from '../../events/events.service';
import { dispatchJob, parseJobPayload, type JobHandlers } from '../../queues/job-dispatch.util';
import { drainWorker, listenToWorkerErrors } from '../../queues/drain-worker.util';
import { JobLockKeeper } from '../../queues/job-lock-keeper';
import { QueueName } from '../../queues/queue-names';
import { ANALYSIS_RUN_JOB, analysisJobPayloadSchema } from '../analysis-job';
import { AnalysisRunner, PermanentAnalysisFailure, type RunOutcome } from '../pipeline/analysis-runner.service';

/**
 * The `analysis` queue's one worker. Dispatches on the job name through an exhaustive map;
 * payloads are parsed before anything else (a bad one can never succeed: UnrecoverableError).
 */
export class AnalysisProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AnalysisProcessor.name);
  /** Keeps job locks from a thread while a stage computes (see JobLockKeeper). */
  private lockKeeper: JobLockKeeper | undefined;
  private readonly handlers: JobHandlers<typeof ANALYSIS_RUN_JOB, RunOutcome> = {
    [ANALYSIS_RUN_JOB]: (job) => this.runAnalysis(job),
  };

  constructor(
    private readonly runner: AnalysisRunner,
    private readonly events: EventsService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    listenToWorkerErrors(this, QueueName.Analysis);
    // Started before any job, so its thread is connected when a job's lock first needs it.
    this.lockKeeper ??= new JobLockKeeper(this.worker, (message) => this.logger.warn(`could not extend a job lock: ${message}`));
  }

  /** Finishes the jobs in hand before the connections they need close (see drainWorker). */
  async beforeApplicationShutdown(): Promise<void> {
    await drainWorker(this);
    await this.lockKeeper?.close();
  }

  /**
   * Runs the job with its lock kept from a separate thread (`withJobLockKept`): correlating a
   * large day computes for minutes, longer than the lock, and a lost lock runs the job twice.
   */
  process(job: Job, token?: string): Promise<RunOutcome> {
    this.lockKeeper ??= new JobLockKeeper(this.worker, (message) => this.logger.warn(`could not extend a job lock: ${message}`));
    return this.lockKeeper.keep(job, token, () => dispatchJob(QueueName.Analysis, this.handlers, job));
  }

  private async runAnalysis(job: Job): Promise<RunOutcome> {
    const payload = parseJobPayload(job, analysisJobPayloadSchema);
    // Events a killed worker committed but never enqueued go out now (idempotent per event id).
    await this.events.publishPending();
    try {
      const outcome = await this.runner.run(payload, {
        progress: (percent) => job.updateProgress(percent),
        isLastAttempt: () => job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
      this.logger.log(`${ANALYSIS_RUN_JOB} ${payload.analysisId}: ${outcome}`);
      return outcome;
    } catch (error) {
      if (error instanceof PermanentAnalysisFailure) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  /**
   * The processor class with worker options from the validated config (lock duration and the
   * stalled-job check decide how soon a killed worker's job runs again). The decorator is applied
   * here because @nestjs/bullmq reads worker options from class metadata.
   */
  static configured(options: { concurrency: number; lockDuration: number; stalledInterval: number }): typeof AnalysisProcessor {
    class ConfiguredAnalysisProcessor extends AnalysisProcessor {}
    Processor(QueueName.Analysis, options)(ConfiguredAnalysisProcessor);
    return ConfiguredAnalysisProcessor;
  }
}
