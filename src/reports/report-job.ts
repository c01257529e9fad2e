/** Runs one report of a schedule: fired by its job scheduler, or queued by "run now" (see the job catalogue). */
export { REPORT_RUN_JOB, reportRunPayloadSchema, type ReportRunPayload } from '../queues/job-catalogue';

/** The job of a manual run, one per run id. */
export function manualRunJobId(runId: string): string {
  return `manual-${runId}`;
}
