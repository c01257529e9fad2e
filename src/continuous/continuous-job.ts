import { CONTINUOUS_TICK_JOB, continuousTickPayloadSchema, type JobPayload } from '../queues/job-catalogue';

/** A tick of a continuous target's job scheduler, on the analysis queue (see the job catalogue). */
export { CONTINUOUS_TICK_JOB, continuousTickPayloadSchema };

export type ContinuousTickPayload = JobPayload<typeof CONTINUOUS_TICK_JOB>;

/** One job scheduler per continuous target. */
export function continuousSchedulerId(targetId: string): string {
  return `continuous:${targetId}`;
}
