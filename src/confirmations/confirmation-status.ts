export const CONFIRMATION_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

/** queued (job waiting) → running (AWS analysis started) → succeeded (AWS answered) | failed (AWS failed, timed out, or a call was refused). */
export type ConfirmationStatus = (typeof CONFIRMATION_STATUSES)[number];

export type ConfirmationSubject = 'finding' | 'path';

/** Why a confirmation failed: AWS's `StatusMessage`, a timeout, or the error of the call that was refused. */
export interface ConfirmationFailure {
  code: 'ANALYZER.FAILED' | 'ANALYZER.TIMED_OUT' | 'ANALYZER.REQUEST_FAILED' | 'QUEUE.UNAVAILABLE';
  reason: string;
}
