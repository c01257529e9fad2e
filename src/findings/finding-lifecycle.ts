import { DomainEventType } from '../events/domain-event';
import type { FindingStatus } from './finding-status';

export interface LifecycleChange {
  to: FindingStatus;
  reason: string;
  event: DomainEventType | null;
}

/**
 * What an analysis that sees a finding's flows again does to its status: a resolved finding
 * reopens; a suppressed one stays quiet until its suppression expires, then reopens; open and
 * acknowledged findings keep their status. Null when nothing changes.
 */
export function changeOnRecurrence(status: FindingStatus, suppressedUntil: Date | null, now: Date): LifecycleChange | null {
  if (status === 'resolved') {
    return { to: 'open', reason: 'the rejected flows recurred', event: DomainEventType.FindingReopened };
  }
  if (status === 'suppressed' && suppressedUntil !== null && suppressedUntil.getTime() <= now.getTime()) {
    return { to: 'open', reason: 'the suppression expired and the rejected flows recurred', event: DomainEventType.FindingReopened };
  }
  return null;
}

/** Statuses an analysis may resolve automatically, when the flows are no longer seen and now allowed. */
export const AUTO_RESOLVABLE: readonly FindingStatus[] = ['open', 'acknowledged'];

/** Status changes a user may make through PATCH, from → allowed targets. */
const USER_TRANSITIONS: Record<FindingStatus, readonly FindingStatus[]> = {
  open: ['acknowledged', 'resolved', 'suppressed'],
  acknowledged: ['open', 'resolved', 'suppressed'],
  suppressed: ['open', 'acknowledged', 'resolved', 'suppressed'],
  resolved: ['open'],
};

export function userTransitionAllowed(from: FindingStatus, to: FindingStatus): boolean {
  return USER_TRANSITIONS[from].includes(to);
}

/** The event a user's status change emits, if any. */
export function eventOfUserChange(from: FindingStatus, to: FindingStatus): DomainEventType | null {
  if (to === 'resolved') return DomainEventType.FindingResolved;
  if (to === 'open' && (from === 'resolved' || from === 'suppressed')) return DomainEventType.FindingReopened;
  return null;
}
