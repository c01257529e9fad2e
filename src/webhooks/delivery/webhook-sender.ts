import { DeliveryError } from './delivery.errors';
import { classifyDeliveryResponse, DeliveryOutcome, retryDelayMs } from './delivery-policy';
import type { SafeHttpClient } from './safe-http-client';
import { buildSignatureHeaders } from './standard-webhooks';

export interface WebhookDestination {
  url: string;
  /** `whsec_…`; null for destinations that authenticate by URL (Slack) or not at all. */
  secret: string | null;
}

export interface DeliveryAttempt {
  /** 1 for the first delivery. */
  attempt: number;
  outcome: DeliveryOutcome;
  status: number | null;
  durationMs: number;
  errorCode: string | null;
  errorMessage: string | null;
  /** First bytes of the receiver's answer, for the delivery log. */
  responseSnippet: string | null;
  /** When outcome is `retry`: how long to wait; null when the schedule is exhausted (dead letter). */
  nextDelayMs: number | null;
  /** True when this attempt ends the delivery without success: retries exhausted. */
  deadLetter: boolean;
}

/** Delay before attempt `attempt` (1-based), or null when there is none (dead letter). */
export type NextDelay = (attempt: number, retryAfterMs: number | undefined) => number | null;

export interface WebhookSenderOptions {
  now?: () => Date;
  /** Defaults to the Standard Webhooks schedule with ±20 % jitter (`retryDelayMs`). */
  nextDelay?: NextDelay;
  snippetBytes?: number;
}

/**
 * Performs one delivery attempt and says what should happen next. It never throws for a
 * receiver's failure: every outcome is a value the queue processor records and acts on.
 */
export class WebhookSender {
  private readonly now: () => Date;
  private readonly nextDelay: NextDelay;
  private readonly snippetBytes: number;

  constructor(
    private readonly http: SafeHttpClient,
    options: WebhookSenderOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.nextDelay = options.nextDelay ?? ((attempt, retryAfterMs) => retryDelayMs(attempt, { retryAfterMs }));
    this.snippetBytes = options.snippetBytes ?? 1024;
  }

  /**
   * Standard Webhooks delivery of an already serialised body: the caller stores the bytes once
   * so every attempt sends (and signs) exactly the same body under the same `messageId`.
   */
  async deliver(destination: WebhookDestination, messageId: string, body: string, attempt: number): Promise<DeliveryAttempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (destination.secret !== null) {
      Object.assign(headers, buildSignatureHeaders(destination.secret, messageId, body, this.now()));
    } else {
      headers['webhook-id'] = messageId;
    }
    return this.attempt(destination.url, headers, body, attempt);
  }

  private async attempt(url: string, headers: Record<string, string>, body: string, attempt: number): Promise<DeliveryAttempt> {
    const started = Date.now();
    try {
      const response = await this.http.request({ url, method: 'POST', headers, body });
      const { outcome, retryAfterMs } = classifyDeliveryResponse(response.status, response.headers, this.now());
      return this.result(attempt, outcome, {
        status: response.status,
        durationMs: response.durationMs,
        responseSnippet: response.body.subarray(0, this.snippetBytes).toString('utf8'),
        retryAfterMs,
      });
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      return this.result(attempt, error.retryable ? 'retry' : 'fail', {
        durationMs: Date.now() - started,
        errorCode: error.code,
        errorMessage: error.message,
      });
    }
  }

  private result(
    attempt: number,
    outcome: DeliveryOutcome,
    details: { status?: number; durationMs: number; responseSnippet?: string; errorCode?: string; errorMessage?: string; retryAfterMs?: number },
  ): DeliveryAttempt {
    const nextDelayMs = outcome === 'retry' ? this.nextDelay(attempt + 1, details.retryAfterMs) : null;
    return {
      attempt,
      outcome,
      status: details.status ?? null,
      durationMs: details.durationMs,
      errorCode: details.errorCode ?? null,
      errorMessage: details.errorMessage ?? null,
      responseSnippet: details.responseSnippet ?? null,
      nextDelayMs,
      deadLetter: outcome === 'retry' && nextDelayMs === null,
    };
  }
}
