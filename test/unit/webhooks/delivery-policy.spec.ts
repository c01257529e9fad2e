import { describe, expect, it } from 'vitest';
import {
  classifyDeliveryResponse,
  MAX_ATTEMPTS,
  parseRetryAfter,
  RETRY_SCHEDULE_MS,
  retryDelayMs,
} from '../../../src/webhooks/delivery/delivery-policy';

const now = new Date('2026-11-01T12:00:00Z');

describe('classifyDeliveryResponse', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [410, 'disable'],
    [301, 'fail'],
    [302, 'fail'],
    [308, 'fail'],
    [413, 'fail'],
    [400, 'retry'],
    [401, 'retry'],
    [404, 'retry'],
    [408, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [504, 'retry'],
    [429, 'retry'],
    [503, 'retry'],
  ])('status %i → %s', (status, outcome) => {
    expect(classifyDeliveryResponse(status, {}, now).outcome).toBe(outcome);
  });

  it('honours Retry-After on 429 and 503, in seconds or as an HTTP date', () => {
    expect(classifyDeliveryResponse(429, { 'Retry-After': '120' }, now)).toEqual({ outcome: 'retry', retryAfterMs: 120_000 });
    expect(classifyDeliveryResponse(503, { 'retry-after': 'Sun, 01 Nov 2026 12:10:00 GMT' }, now)).toEqual({
      outcome: 'retry',
      retryAfterMs: 600_000,
    });
    expect(classifyDeliveryResponse(500, { 'retry-after': '120' }, now)).toEqual({ outcome: 'retry' });
  });

  it('clamps and ignores unusable Retry-After values', () => {
    expect(parseRetryAfter('Sun, 01 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(String(10 * 24 * 3600), now)).toBe(24 * 3_600_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

describe('retryDelayMs', () => {
  it('follows the Standard Webhooks schedule without jitter', () => {
    const delays = Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1, { jitter: 0 }));
    expect(delays).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000]);
    expect(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3_600_000);
  });

  it('is exhausted after the last scheduled attempt', () => {
    expect(retryDelayMs(MAX_ATTEMPTS + 1)).toBeNull();
    expect(() => retryDelayMs(0)).toThrow(RangeError);
  });

  it('keeps jitter within the configured fraction and uses both directions', () => {
    expect(retryDelayMs(3, { random: () => 0 })).toBe(240_000);
    expect(retryDelayMs(3, { random: () => 1 })).toBe(360_000);
    expect(retryDelayMs(3, { random: () => 0.5 })).toBe(300_000);
    expect(retryDelayMs(3, { jitter: 0.1, random: () => 0 })).toBe(270_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(5)!;
      expect(d).toBeGreaterThanOrEqual(7_200_000 * 0.8);
      expect(d).toBeLessThanOrEqual(7_200_000 * 1.2);
    }
  });

  it('waits at least as long as Retry-After asks, never less than the schedule', () => {
    expect(retryDelayMs(2, { jitter: 0, retryAfterMs: 60_000 })).toBe(60_000);
    expect(retryDelayMs(4, { jitter: 0, retryAfterMs: 60_000 })).toBe(1_800_000);
  });
});
