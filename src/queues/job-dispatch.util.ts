import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';

/**
 * A queue's handlers, one per job name it carries. Typed over the union of the names, so a job
 * name added to the union without a handler fails to compile.
 */
export type JobHandlers<Name extends string, Result> = Record<Name, (job: Job, token?: string) => Promise<Result>>;

/**
 * Runs the handler for `job.name`. A name the queue does not carry can never succeed, so it is
 * an UnrecoverableError rather than a retry (always as a rejected promise, never a synchronous
 * throw). Only the map's own keys count: a job named `constructor` must not reach Object.prototype.
 */
export async function dispatchJob<Name extends string, Result>(
  queue: string,
  handlers: JobHandlers<Name, Result>,
  job: Job,
  token?: string,
): Promise<Result> {
  if (!Object.hasOwn(handlers, job.name)) throw new UnrecoverableError(`unknown job "${job.name}" on the ${queue} queue`);
  return handlers[job.name as Name](job, token);
}

/**
 * The job's payload checked against its schema, first thing in a handler: a payload that does
 * not parse can never succeed, so it is an UnrecoverableError rather than a retry.
 */
export function parseJobPayload<T>(job: Job, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `invalid ${job.name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
