import type { DomainEvent } from '../events/domain-event';

/** Optional narrowing of a subscription; an empty or absent list matches everything. */
export interface WebhookFilters {
  targetIds?: string[];
  severities?: string[];
  classifications?: string[];
}

/**
 * Whether an event passes a subscription's filters. A filter applies only to events that carry
 * the fact it filters on: a severity filter narrows finding events and lets analysis and report
 * events through, which have no severity.
 */
export function matchesFilters(filters: WebhookFilters, event: Pick<DomainEvent, 'subject'>): boolean {
  const { targetId, severity, classification } = event.subject;
  return (
    passes(filters.targetIds, targetId ?? undefined) &&
    passes(filters.severities, severity) &&
    passes(filters.classifications, classification)
  );
}

function passes(allowed: string[] | undefined, value: string | undefined): boolean {
  if (!allowed || allowed.length === 0 || value === undefined) return true;
  return allowed.includes(value);
}
