import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import type { AthenaSpendSweepReport } from '../../costs/athena-spend-sweep.service';
import { AthenaSpendSweep } from '../../costs/athena-spend-sweep.service';
import { ATHENA_SPEND_SWEEP_JOB, athenaSpendSweepPayloadSchema, upsertAthenaSpendSweep } from '../../costs/athena-spend-sweep-job';
import { AthenaSpendService } from '../../costs/athena-spend.service';
import { EventsService } from '../../events/events.service';
import type { QueueHandlers } from '../../queues/job-catalogue';
import { dispatchJob, parseJobPayload } from '../../queues/job-dispatch.util';
import { JobHandlerRegistry } from '../../queues/job-handler-registry';
import { drainWorker, listenToWorkerErrors } from '../../queues/drain-worker.util';
import { QueueName } from '../../queues/queue-names';
import { ANALYSIS_RUN_JOB, analysisJobPayloadSchema } from '../analysis-job';
import { AnalysisRunner, PermanentAnalysisFailure, type RunOutcome } from '../pipeline/analysis-runner.service';
import { ContinuousAnalysisService, type TickOutcome } from '../continuous/continuous-analysis.service';
import { CONTINUOUS_TICK_JOB, continuousTickPayloadSchema } from '../../continuous/continuous-job';

/** Longest a shutting-down worker waits for Athena spending still being recorded. */
const PENDING_SPEND_WAIT_MS = 10_000;

/**
 * The `analysis` queue's one worker. Dispatches on the job name through an exhaustive map;
 * payloads are parsed before anything else (a bad one can never succeed: UnrecoverableError).
 */
@Injectable()
export class AnalysisProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AnalysisProcessor.name);
  private readonly handlers: QueueHandlers<typeof QueueName.Analysis, RunOutcome | TickOutcome['outcome'] | AthenaSpendSweepReport> = {
    [ANALYSIS_RUN_JOB]: (job) => this.runAnalysis(job),
    [CONTINUOUS_TICK_JOB]: (job) => this.tick(job),
    [ATHENA_SPEND_SWEEP_JOB]: (job) => this.sweepSpend(job),
  };

  constructor(
    private readonly runner: AnalysisRunner,
    private readonly events: EventsService,
    private readonly continuous: ContinuousAnalysisService,
    private readonly spendSweep: AthenaSpendSweep,
    private readonly spend: AthenaSpendService,
    @InjectQueue(QueueName.Analysis) private readonly queue: Queue,
    private readonly config: ConfigService<AppConfig, true>,
    registry: JobHandlerRegistry,
  ) {
    super();
    registry.register(QueueName.Analysis, this.handlers, AnalysisProcessor.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    listenToWorkerErrors(this, QueueName.Analysis);
    await upsertAthenaSpendSweep(this.queue, this.config.get('analysis', { infer: true }).spendSweepIntervalMs);
  }

  /**
   * Finishes the jobs in hand before the connections they need close (see drainWorker), then waits
   * a while for the Athena spending their cancelled queries are still recording (a stop and its
   * settling run in the background): what is lost past that, the sweep finishes from the row
   * written when the query started.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await drainWorker(this);
    await this.spend.settlePending(PENDING_SPEND_WAIT_MS);
  }

  /**
   * Correlating a large day computes for minutes, longer than the job's lock: it runs in slices
   * with a turn for timers every 50 ms (runStepsInTurns, in AnalysisRunner), so BullMQ's own
   * renewal keeps the lock and the job never runs twice.
   */
  process(job: Job): Promise<RunOutcome | TickOutcome['outcome'] | AthenaSpendSweepReport> {
    return dispatchJob(QueueName.Analysis, this.handlers, job);
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

  /** The sweep of the Athena queries no job saw end (AthenaSpendSweep). */
  private async sweepSpend(job: Job): Promise<AthenaSpendSweepReport> {
    parseJobPayload(job, athenaSpendSweepPayloadSchema);
    return this.spendSweep.sweep();
  }

  /** A continuous target's tick: starts its next rolling analysis, or says why not (on the target). */
  private async tick(job: Job): Promise<TickOutcome['outcome']> {
    const { targetId } = parseJobPayload(job, continuousTickPayloadSchema);
    const result = await this.continuous.tick(targetId);
    this.logger.log(`${CONTINUOUS_TICK_JOB} ${targetId}: ${result.outcome}${'analysisId' in result ? ` ${result.analysisId}` : ''}`);
    return result.outcome;
  }
}
