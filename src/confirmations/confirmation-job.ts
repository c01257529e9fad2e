// The job's name and payload schema live in the job catalogue, with every other job's.
export { REACHABILITY_CONFIRM_JOB, confirmationJobPayloadSchema, type ConfirmationJobPayload } from '../queues/job-catalogue';

/** One job per confirmation: its id is the confirmation's, so a repeated enqueue is a no-op. */
export function confirmationJobId(confirmationId: string): string {
  return confirmationId;
}

/**
 * Reachability Analyzer's idempotency token for the run (CreateNetworkInsightsPath, and with a
 * suffix StartNetworkInsightsAnalysis): a worker that dies and re-runs the same attempt gets the
 * same path and analysis back instead of paying for a second one. At most 64 characters.
 */
export function confirmationClientToken(confirmationId: string, attemptsMade: number): string {
  return `sgdoctor-${confirmationId}-${attemptsMade}`;
}
