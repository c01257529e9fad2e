import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { QueueHandlers } from '../../queues/job-catalogue';
import { dispatchJob, parseJobPayload } from '../../queues/job-dispatch.util';
import { JobHandlerRegistry } from '../../queues/job-handler-registry';
import { QueueName } from '../../queues/queue-names';
import { REACHABILITY_CONFIRM_JOB, confirmationJobPayloadSchema } from '../confirmation-job';
import type { ConfirmationStatus } from '../confirmation-status';
import { ConfirmationRunner } from './confirmation-runner.service';

/** The `reachability` queue: one Reachability Analyzer confirmation per job. */
@Injectable()
export class ConfirmationProcessor extends WorkerHost {
  private readonly logger = new Logger(ConfirmationProcessor.name);
  private readonly handlers: QueueHandlers<typeof QueueName.Reachability, ConfirmationStatus | 'gone'> = {
    [REACHABILITY_CONFIRM_JOB]: (job) => this.confirm(job),
  };

  constructor(
    private readonly runner: ConfirmationRunner,
    registry: JobHandlerRegistry,
  ) {
    super();
    registry.register(QueueName.Reachability, this.handlers, ConfirmationProcessor.name);
  }

  process(job: Job): Promise<ConfirmationStatus | 'gone'> {
    return dispatchJob(QueueName.Reachability, this.handlers, job);
  }

  /**
   * A job that failed without the runner recording it (a stalled job given up on, a database
   * error before the call) must not leave its confirmation queued or running, holding budget.
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    const parsed = confirmationJobPayloadSchema.safeParse(job?.data);
    if (!parsed.success) return;
    try {
      await this.runner.failUnfinished(parsed.data.confirmationId, error.message);
    } catch (recordError) {
      this.logger.error(`could not record the failure of confirmation ${parsed.data.confirmationId}: ${String(recordError)}`);
    }
  }

  private async confirm(job: Job): Promise<ConfirmationStatus | 'gone'> {
    const payload = parseJobPayload(job, confirmationJobPayloadSchema);
    const outcome = await this.runner.run(payload, job.attemptsMade);
    this.logger.log(`${REACHABILITY_CONFIRM_JOB} ${payload.confirmationId}: ${outcome}`);
    return outcome;
  }
}
