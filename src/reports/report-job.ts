import { z } from 'zod';

/** Runs one report of a schedule: fired by its job scheduler, or queued by "run now". */
export const REPORT_RUN_JOB = 'report.run';

export const reportRunPayloadSchema = z.object({
  scheduleId: z.uuid(),
  /** Set by POST /v1/report-schedules/:id/run: the run's own key and the moment it was asked for. */
  manual: z.object({ runId: z.uuid(), requestedAt: z.iso.datetime() }).optional(),
});

export type ReportRunPayload = z.infer<typeof reportRunPayloadSchema>;

/** The job of a manual run, one per run id. */
export function manualRunJobId(runId: string): string {
  return `manual-${runId}`;
}
