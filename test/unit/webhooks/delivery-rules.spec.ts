import { ConfigService } from '@nestjs/config';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/common/errors/error-code';
import { SecretBoxService } from '../../../src/outbound-http/secret-box.service';
import { RETRY_SCHEDULE_MS } from '../../../src/webhooks/delivery/delivery-policy';
import { DeliverySchedule } from '../../../src/webhooks/delivery-schedule';
import { deliveryBackoff } from '../../../src/webhooks/jobs/delivery-backoff';
import { RetryScheduledError } from '../../../src/webhooks/jobs/retry-scheduled.error';
import type { DomainEventSubject } from '../../../src/events/domain-event';
import { matchesFilters } from '../../../src/webhooks/webhook-filters';
import { parseEnvelope, serializeEvent } from '../../../src/webhooks/webhook-envelope';
import { effectiveFilters, eventsAllowedFor } from '../../../src/webhooks/webhook-format';

/** Pure rules of delivery: no database, no Redis. */
describe('DeliverySchedule', () => {
  it('defaults to the Standard Webhooks schedule: ten attempts over about three days', () => {
    const schedule = new DeliverySchedule(undefined, 0.2, () => 0.5);
    expect(schedule.attempts).toBe(10);
    expect(schedule.delaysMs).toEqual(RETRY_SCHEDULE_MS);
    expect([1, 2, 3, 10].map((attempt) => schedule.delayBefore(attempt))).toEqual([0, 5_000, 300_000, 86_400_000]);
    expect(schedule.delayBefore(11)).toBeNull();
    expect(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3_600_000);
  });

  it('jitters each delay within ±20 % and never below a receiver Retry-After', () => {
    expect(new DeliverySchedule(undefined, 0.2, () => 0).delayBefore(2)).toBe(4_000);
    expect(new DeliverySchedule(undefined, 0.2, () => 0.999999).delayBefore(2)).toBe(6_000);
    expect(new DeliverySchedule(undefined, 0.2, () => 0.5).delayBefore(2, 60_000)).toBe(60_000);
    expect(new DeliverySchedule(undefined, 0.2, () => 0.5).delayBefore(3, 60_000)).toBe(300_000);
  });

  it('takes a configured schedule whose length is the number of attempts', () => {
    const schedule = new DeliverySchedule([0, 100, 100], 0, () => 0.5);
    expect(schedule.attempts).toBe(3);
    expect(schedule.delayBefore(3)).toBe(100);
    expect(schedule.delayBefore(4)).toBeNull();
  });
});

describe('deliveryBackoff', () => {
  it('applies the delay the processor chose, else backs off exponentially up to an hour', () => {
    expect(deliveryBackoff(3, 'webhook-schedule', new RetryScheduledError(1234, 'receiver answered 500'))).toBe(1234);
    expect(deliveryBackoff(1, 'webhook-schedule', new Error('database down'))).toBe(5_000);
    expect(deliveryBackoff(3, 'webhook-schedule', new Error('database down'))).toBe(20_000);
    expect(deliveryBackoff(30, 'webhook-schedule', new Error('database down'))).toBe(3_600_000);
  });
});

describe('matchesFilters', () => {
  const finding = { subject: { targetId: 't1', findingId: 'f', severity: 'high', classification: 'uncertain' } };
  const analysis = { subject: { targetId: 't1', analysisId: 'a' } };
  const report = { subject: { targetId: null, reportId: 'r' } };
  const cases: Array<[string, Parameters<typeof matchesFilters>[0], { subject: DomainEventSubject }, boolean]> = [
    ['no filters', {}, finding, true],
    ['empty lists', { targetIds: [], severities: [] }, finding, true],
    ['matching target', { targetIds: ['t1'] }, finding, true],
    ['other target', { targetIds: ['t2'] }, finding, false],
    ['matching severity', { severities: ['critical', 'high'] }, finding, true],
    ['other severity', { severities: ['critical'] }, finding, false],
    ['other classification', { classifications: ['likely-noise'] }, finding, false],
    ['severity filter lets analysis events through', { severities: ['critical'] }, analysis, true],
    ['target filter narrows analysis events', { targetIds: ['t2'] }, analysis, false],
    ['target filter lets target-less report events through', { targetIds: ['t2'] }, report, true],
  ];
  it.each(cases)('%s', (_name, filters, event, expected) => {
    expect(matchesFilters(filters, event)).toBe(expected);
  });
});

describe('delivery envelope and formats', () => {
  it('serialises an event once, in the Standard Webhooks shape, and parses back', () => {
    const event = {
      id: 'evt_01JDZ7Q0000000000000000000',
      type: 'finding.opened' as const,
      occurredAt: '2026-11-25T06:00:00.000Z',
      subject: { targetId: 't1', findingId: 'f1' },
      data: { findingId: 'f1' },
    };
    const payload = serializeEvent(event);
    expect(JSON.parse(payload)).toEqual({
      id: event.id,
      type: 'finding.opened',
      timestamp: event.occurredAt,
      subject: event.subject,
      data: event.data,
    });
    expect(serializeEvent(event)).toBe(payload);
    expect(parseEnvelope(payload).data).toEqual({ findingId: 'f1' });
  });

  it('limits ticketing formats to finding events', () => {
    expect(eventsAllowedFor('jira')).toEqual(['finding.opened', 'finding.reopened', 'finding.resolved']);
    expect(eventsAllowedFor('servicenow')).toEqual(['finding.opened', 'finding.reopened', 'finding.resolved']);
    expect(eventsAllowedFor('standard')).toBeNull();
    expect(eventsAllowedFor('slack')).toBeNull();
  });

  it('keeps scanner noise out of tickets and chat unless a subscription asks for it', () => {
    for (const format of ['jira', 'servicenow', 'slack'] as const) {
      expect(effectiveFilters(format, undefined)).toEqual({ classifications: ['likely-misconfiguration', 'uncertain'] });
      expect(effectiveFilters(format, { severities: ['high'], classifications: [] })).toEqual({
        severities: ['high'],
        classifications: ['likely-misconfiguration', 'uncertain'],
      });
      expect(effectiveFilters(format, { classifications: ['likely-noise'] })).toEqual({ classifications: ['likely-noise'] });
    }
    expect(effectiveFilters('standard', undefined)).toEqual({});
    expect(effectiveFilters('standard', { targetIds: ['t'] })).toEqual({ targetIds: ['t'] });
  });
});

describe('SecretBoxService', () => {
  const box = (encryptionKey?: string) => new SecretBoxService(new ConfigService({ integrations: { encryptionKey } }));

  it('refuses to store secrets without a configured key, with a code the API maps to 503', () => {
    expect(() => box().encrypt('whsec_x', 'row-1')).toThrow(expect.objectContaining({ code: ErrorCode.EncryptionKeyMissing }));
  });

  it('binds a ciphertext to its row', () => {
    const secrets = box('0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0');
    const sealed = secrets.encrypt('jira-token', 'row-1');
    expect(sealed).not.toContain('jira-token');
    expect(secrets.decrypt(sealed, 'row-1')).toBe('jira-token');
    expect(() => secrets.decrypt(sealed, 'row-2')).toThrow(/cannot be decrypted/);
  });
});
