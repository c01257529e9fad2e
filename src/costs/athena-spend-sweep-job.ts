import type { Queue } from 'bullmq';
import { ATHENA_SPEND_SWEEP_JOB, athenaSpendSweepPayloadSchema } from '../queues/job-catalogue';

/** The sweep of unfinished Athena queries (AthenaSpendSweep), on the analysis queue (see the job catalogue). */
export { ATHENA_SPEND_SWEEP_JOB, athenaSpendSweepPayloadSchema };

/** Its one job scheduler, every ATHENA_SPEND_SWEEP_INTERVAL_MS. */
export const ATHENA_SPEND_SWEEP_SCHEDULER = 'athena-spend-sweep';

/** Creates the sweep's job scheduler, or sets its interval (idempotent: every worker does it at start). */
export async function upsertAthenaSpendSweep(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(ATHENA_SPEND_SWEEP_SCHEDULER, { every: everyMs }, { name: ATHENA_SPEND_SWEEP_JOB, opts: { attempts: 1 } });
}
