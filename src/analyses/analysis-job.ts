import { z } from 'zod';

export const ANALYSIS_RUN_JOB = 'analysis.run';

/** The payload of `analysis.run`: ids only; everything else is read from the database. */
export const analysisJobPayloadSchema = z.object({
  analysisId: z.uuid(),
  attempt: z.number().int().min(0),
});

export type AnalysisJobPayload = z.infer<typeof analysisJobPayloadSchema>;

/** The first run's job id is the analysis id; each explicit retry gets its own. */
export function analysisJobId(analysisId: string, attempt: number): string {
  return attempt === 0 ? analysisId : `${analysisId}-retry-${attempt}`;
}
