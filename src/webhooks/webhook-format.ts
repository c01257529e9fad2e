import { DomainEventType, type DomainEventType as EventType } from '../events/domain-event';
import type { WebhookFilters } from './webhook-filters';

/** How a subscription receives events: signed JSON, or a ticket / chat message in another system. */
export const WEBHOOK_FORMATS = ['standard', 'jira', 'servicenow', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const FINDING_EVENTS: readonly EventType[] = [
  DomainEventType.FindingOpened,
  DomainEventType.FindingReopened,
  DomainEventType.FindingResolved,
];

/** Ticketing systems only make sense for finding events: an analysis or a report is not a ticket. */
export function eventsAllowedFor(format: WebhookFormat): readonly EventType[] | null {
  return format === 'jira' || format === 'servicenow' ? FINDING_EVENTS : null;
}

/** What a ticket or chat message is for: findings someone should act on, not scanner noise. */
const ACTIONABLE_CLASSIFICATIONS = ['likely-misconfiguration', 'uncertain'];

/**
 * The filters a subscription is stored with. Ticketing and chat formats that do not name the
 * classifications they want get the actionable ones, so scanner noise never opens a ticket by
 * default; the stored filters show it, and naming `likely-noise` explicitly still subscribes.
 */
export function effectiveFilters(format: WebhookFormat, filters: WebhookFilters | undefined): WebhookFilters {
  const given: WebhookFilters = { ...filters };
  if (format !== 'standard' && !given.classifications?.length) {
    given.classifications = [...ACTIONABLE_CLASSIFICATIONS];
  }
  return given;
}
