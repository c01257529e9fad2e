// The job's name and payload schema live in the job catalogue, with every other job's.
export { ANALYSIS_RUN_JOB, analysisJobPayloadSchema, type AnalysisJobPayload } from '../queues/job-catalogue';

/** The first run's job id is the analysis id; each explicit retry gets its own. */
export function analysisJobId(analysisId: string, attempt: number): string {
  return attempt === 0 ? analysisId : `${analysisId}-retry-${attempt}`;
}
