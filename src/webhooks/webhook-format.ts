import { DomainEventType, type DomainEventType as EventType } from '../events/domain-event';

/** How a subscription receives events: signed JSON, or a ticket / chat message in another system. */
export const WEBHOOK_FORMATS = ['standard', 'jira', 'servicenow', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const FINDING_EVENTS: readonly EventType[] = [DomainEventType.FindingOpened, DomainEventType.FindingReopened, DomainEventType.FindingResolved];

/** Ticketing systems only make sense for finding events: an analysis or a report is not a ticket. */
export function eventsAllowedFor(format: WebhookFormat): readonly EventType[] | null {
  return format === 'jira' || format === 'servicenow' ? FINDING_EVENTS : null;
}
