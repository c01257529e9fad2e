import { describe, expect, it } from 'vitest';
import { DomainEventType } from '../../../src/events/domain-event';
import { AUTO_RESOLVABLE, changeOnRecurrence, eventOfUserChange, userTransitionAllowed } from '../../../src/findings/finding-lifecycle';
import { FINDING_STATUSES, type FindingStatus } from '../../../src/findings/finding-status';

const now = new Date('2026-11-25T12:00:00Z');

describe('finding lifecycle', () => {
  describe('when an analysis sees the flows again', () => {
    it('reopens a resolved finding', () => {
      expect(changeOnRecurrence('resolved', null, now)).toEqual({
        to: 'open',
        reason: 'the rejected flows recurred',
        event: DomainEventType.FindingReopened,
      });
    });

    it('keeps a suppression until it expires, and reopens from the moment it has', () => {
      expect(changeOnRecurrence('suppressed', null, now)).toBeNull();
      expect(changeOnRecurrence('suppressed', new Date(now.getTime() + 1), now)).toBeNull();
      expect(changeOnRecurrence('suppressed', now, now)).toMatchObject({ to: 'open', event: DomainEventType.FindingReopened });
      expect(changeOnRecurrence('suppressed', new Date(now.getTime() - 60_000), now)?.reason).toMatch(/suppression expired/);
    });

    it('leaves open and acknowledged findings as they are', () => {
      expect(changeOnRecurrence('open', null, now)).toBeNull();
      expect(changeOnRecurrence('acknowledged', new Date(0), now)).toBeNull();
    });
  });

  it('resolves automatically only findings nobody has set aside', () => {
    expect([...AUTO_RESOLVABLE].sort()).toEqual(['acknowledged', 'open']);
  });

  it('allows exactly these user transitions', () => {
    const allowed = FINDING_STATUSES.flatMap((from) =>
      FINDING_STATUSES.filter((to) => userTransitionAllowed(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'open→acknowledged',
        'open→resolved',
        'open→suppressed',
        'acknowledged→open',
        'acknowledged→resolved',
        'acknowledged→suppressed',
        'suppressed→open',
        'suppressed→acknowledged',
        'suppressed→resolved',
        // a suppression's reason or expiry may be changed
        'suppressed→suppressed',
        'resolved→open',
      ].sort(),
    );
  });

  it('emits resolved and reopened events for user changes, nothing for the others', () => {
    const events = (from: FindingStatus, to: FindingStatus) => eventOfUserChange(from, to);
    expect(events('open', 'resolved')).toBe(DomainEventType.FindingResolved);
    expect(events('acknowledged', 'resolved')).toBe(DomainEventType.FindingResolved);
    expect(events('resolved', 'open')).toBe(DomainEventType.FindingReopened);
    expect(events('suppressed', 'open')).toBe(DomainEventType.FindingReopened);
    expect(events('acknowledged', 'open')).toBeNull();
    expect(events('open', 'acknowledged')).toBeNull();
    expect(events('open', 'suppressed')).toBeNull();
  });
});
