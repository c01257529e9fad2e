import { describe, expect, it } from 'vitest';
import { deliverJobId } from '../../../src/webhooks/jobs/webhook-jobs';

describe('deliverJobId', () => {
  const id = '6f0c1f4e-3c55-4d8e-9a57-0f3b2d7c9e11';

  it('keeps the first run and redelivery ids as they were', () => {
    expect(deliverJobId(id, 0)).toBe(`dlv-${id}`);
    expect(deliverJobId(id, 2)).toBe(`dlv-${id}-r2`);
    expect(deliverJobId(id, 2, 0)).toBe(`dlv-${id}-r2`);
  });

  it('gives every sequence of redeliveries and resumptions a new id, so none is deduplicated away', () => {
    const seen = new Set<string>();
    let redeliveries = 0;
    let resumes = 0;
    seen.add(deliverJobId(id, redeliveries, resumes));
    for (const step of ['resume', 'redeliver', 'resume', 'resume', 'redeliver', 'redeliver', 'resume']) {
      if (step === 'resume') resumes += 1;
      else redeliveries += 1;
      const jobId = deliverJobId(id, redeliveries, resumes);
      expect(seen.has(jobId), jobId).toBe(false);
      seen.add(jobId);
    }
    expect(seen.size).toBe(8);
  });
});
