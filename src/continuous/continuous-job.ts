import { z } from 'zod';

/** A tick of a continuous target's job scheduler, on the analysis queue. */
export const CONTINUOUS_TICK_JOB = 'analysis.continuous-tick';

export const continuousTickPayloadSchema = z.object({ targetId: z.uuid() });

export type ContinuousTickPayload = z.infer<typeof continuousTickPayloadSchema>;

/** One job scheduler per continuous target. */
export function continuousSchedulerId(targetId: string): string {
  return `continuous:${targetId}`;
}
