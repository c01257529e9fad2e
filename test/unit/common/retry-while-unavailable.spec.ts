import { describe, expect, it } from 'vitest';
import { retryWhileUnavailable } from '../../../src/common/errors/retry-while-unavailable.util';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('retryWhileUnavailable', () => {
  it('tries again while the database is unreachable, then returns what the write returns', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryWhileUnavailable(
      async () => {
        calls += 1;
        if (calls < 4) throw refused();
        return 'written';
      },
      { deadlineMs: 5_000, initialDelayMs: 5, onRetry: (_error, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('written');
    expect(calls).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const failing = retryWhileUnavailable(
      async () => {
        calls += 1;
        throw Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
      },
      { deadlineMs: 5_000, initialDelayMs: 5 },
    );
    await expect(failing).rejects.toThrow(/duplicate key/);
    expect(calls).toBe(1);
  });

  it('gives up with the outage error once the deadline has passed', async () => {
    let calls = 0;
    const started = performance.now();
    const failing = retryWhileUnavailable(
      async () => {
        calls += 1;
        throw refused();
      },
      { deadlineMs: 200, initialDelayMs: 20, maxDelayMs: 40 },
    );
    await expect(failing).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toBeGreaterThan(2);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
