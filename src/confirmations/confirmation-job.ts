import { z } from 'zod';

export const REACHABILITY_CONFIRM_JOB = 'reachability.confirm';

/** The payload of `reachability.confirm`: the confirmation's id; everything else is read from its row. */
export const confirmationJobPayloadSchema = z.object({
  confirmationId: z.uuid(),
});

export type ConfirmationJobPayload = z.infer<typeof confirmationJobPayloadSchema>;

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
