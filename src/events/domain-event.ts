/**
 * Events other systems subscribe to (webhooks, ticketing). Each event is stored in the `events`
 * table in the same transaction as the change it describes, and its id is the stable identity
 * receivers deduplicate on (Standard Webhooks `webhook-id`).
 */
export const DomainEventType = {
  FindingOpened: 'finding.opened',
  FindingReopened: 'finding.reopened',
  FindingResolved: 'finding.resolved',
  AnalysisCompleted: 'analysis.completed',
  AnalysisFailed: 'analysis.failed',
  ReportReady: 'report.ready',
  /** A webhook subscription was disabled (410 Gone, or too many dead-lettered deliveries). */
  WebhookDisabled: 'webhook.disabled',
} as const;

export type DomainEventType = (typeof DomainEventType)[keyof typeof DomainEventType];

export const ALL_DOMAIN_EVENT_TYPES: readonly DomainEventType[] = Object.values(DomainEventType);

/** The facts subscribers filter on, present on every event that concerns them. */
export interface DomainEventSubject {
  targetId: string | null;
  findingId?: string;
  analysisId?: string;
  reportId?: string;
  subscriptionId?: string;
  severity?: string;
  classification?: string;
}

export interface DomainEvent<TData = Record<string, unknown>> {
  /** `evt_` + ULID-like id; stable across delivery attempts. */
  id: string;
  type: DomainEventType;
  occurredAt: string;
  subject: DomainEventSubject;
  /** The JSON body sent to subscribers under `data`. */
  data: TData;
}
