import { describe, expect, it } from 'vitest';
import { requestDeadlines } from '../../../src/common/http/fastify-adapter.factory';

describe('requestDeadlines', () => {
  it.each([
    // [HTTP_REQUEST_TIMEOUT_MS, the head's deadline, how often connections are checked]
    [1_000, 1_000, 250],
    [30_000, 30_000, 7_500],
    [60_000, 60_000, 15_000],
    [600_000, 60_000, 30_000],
    [3_600_000, 60_000, 30_000],
  ])('a request deadline of %i ms: head within %i ms, checked every %i ms', (timeout, headers, interval) => {
    expect(requestDeadlines(timeout)).toEqual({ requestTimeout: timeout, headersTimeout: headers, connectionsCheckingInterval: interval });
  });

  it('never gives the head longer than the whole request (Node refuses to start such a server)', () => {
    for (let timeout = 1_000; timeout <= 3_600_000; timeout += 7_919) {
      const deadlines = requestDeadlines(timeout);
      expect(deadlines.headersTimeout).toBeLessThanOrEqual(deadlines.requestTimeout);
      expect(deadlines.connectionsCheckingInterval).toBeLessThanOrEqual(deadlines.requestTimeout / 4);
    }
  });
});
