import { describe, expect, it } from 'vitest';
import { defaultDeliveryDelayMinutes, initialContinuousState, rollingWindow } from '../../../src/continuous/continuous-window';

const at = (iso: string) => new Date(iso);

describe('rolling windows', () => {
  it('start at the hour holding the watermark and end the delivery delay before now, in whole minutes', () => {
    expect(rollingWindow(at('2026-11-24T10:20:00Z'), at('2026-11-24T10:35:30Z'), 10)).toEqual({
      from: at('2026-11-24T10:00:00Z'),
      to: at('2026-11-24T10:25:00Z'),
    });
    expect(rollingWindow(at('2026-11-24T10:55:00Z'), at('2026-11-24T11:15:00Z'), 10)).toEqual({
      from: at('2026-11-24T10:00:00Z'),
      to: at('2026-11-24T11:05:00Z'),
    });
  });

  it('are null while nothing was delivered past the watermark', () => {
    expect(rollingWindow(at('2026-11-24T10:25:00Z'), at('2026-11-24T10:35:59Z'), 10)).toBeNull();
  });

  it('cover at most 31 days after a long outage', () => {
    const window = rollingWindow(at('2026-09-01T00:00:00Z'), at('2026-11-24T10:10:00Z'), 10)!;
    expect(window.to.getTime() - window.from.getTime()).toBeLessThanOrEqual(31 * 86_400_000);
    expect(window.from.getUTCMinutes()).toBe(0);
  });

  it('default delivery delays: 5 minutes for CloudWatch Logs, 10 for S3 deliveries; the first watermark is now − delay', () => {
    expect(defaultDeliveryDelayMinutes('cloudwatch-logs')).toBe(5);
    expect(defaultDeliveryDelayMinutes('athena')).toBe(10);
    expect(initialContinuousState(at('2026-11-24T10:07:42Z'), 10).watermark).toBe('2026-11-24T09:57:00.000Z');
  });
});
