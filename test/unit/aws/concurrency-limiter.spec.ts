import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../src/aws/concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` tasks at once and keeps result order', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let peak = 0;
    const results = await limiter.map([30, 5, 20, 1, 10, 2, 8], async (ms) => {
      peak = Math.max(peak, limiter.active);
      await new Promise((r) => setTimeout(r, ms));
      return ms * 2;
    });
    expect(results).toEqual([60, 10, 40, 2, 20, 4, 16]);
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot of a failing task', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it.each([0, -1, 1.5])('refuses limit %s', (limit) => {
    expect(() => new ConcurrencyLimiter(limit)).toThrow(RangeError);
  });
});
