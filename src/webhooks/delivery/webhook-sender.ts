import { DeliveryError } from './delivery.errors';
import { classifyDeliveryResponse, DeliveryOutcome, MAX_ATTEMPTS, retryDelayMs } from './delivery-policy';
import type { SafeHttpClient } from './safe-http-client';
import { buildSignatureHeaders } from './standard-webhooks';

/** Event types a subscription can ask for. */
export type WebhookEventType =
  | 'finding.opened'
  | 'finding.reopened'
  | 'finding.resolved'
  | 'analysis.completed'
  | 'analysis.failed'
  | 'report.ready'
  | 'webhook.test';

/** One event as Standard Webhooks recommends: `type`, `timestamp`, `data`. */
export interface WebhookEvent<T = unknown> {
  /** Stable for the event's whole life: the `webhook-id` of every attempt. */
  id: string;
  type: WebhookEventType;
  /** When the event happened, ISO 8601. */
  timestamp: string;
  data: T;
}

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

export interface WebhookSenderOptions {
  now?: () => Date;
  random?: () => number;
  snippetBytes?: number;
}

/** Serialises the event body once: the exact bytes signed are the bytes sent, on every attempt. */
export function serializeEvent(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/**
 * Performs one delivery attempt and says what should happen next. It never throws for a
 * receiver's failure: every outcome is a value the queue processor records and acts on.
 */
export class WebhookSender {
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly snippetBytes: number;

  constructor(
    private readonly http: SafeHttpClient,
    options: WebhookSenderOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.snippetBytes = options.snippetBytes ?? 1024;
  }

  /** Standard Webhooks delivery of a serialised event (see `serializeEvent`). */
  async deliver(destination: WebhookDestination, eventId: string, body: string, attempt: number): Promise<DeliveryAttempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (destination.secret !== null) {
      Object.assign(headers, buildSignatureHeaders(destination.secret, eventId, body, this.now()));
    } else {
      headers['webhook-id'] = eventId;
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
    const nextDelayMs =
      outcome === 'retry' && attempt < MAX_ATTEMPTS
        ? retryDelayMs(attempt + 1, { retryAfterMs: details.retryAfterMs, random: this.random })
        : null;
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
