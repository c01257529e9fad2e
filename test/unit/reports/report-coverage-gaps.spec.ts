import { describe, expect, it } from 'vitest';
import { coverageGapsOf } from '../../../src/reports/jobs/report-input.loader';

describe("a report's coverage of an analysis", () => {
  it('names the scope ids EC2 did not describe first, as not analysed, then the resources no flow log covers', () => {
    const flowLogGap = {
      resourceType: 'subnet' as const,
      resourceId: 'subnet-0aaa',
      reason: 'no active flow log captures its REJECT traffic',
    };
    const gaps = coverageGapsOf({
      scopeNotDescribed: { vpcIds: ['vpc-0dead'], subnetIds: ['subnet-0gone'] },
      coverageGaps: [flowLogGap],
    });
    expect(gaps.map((gap) => [gap.resourceType, gap.resourceId])).toEqual([
      ['vpc', 'vpc-0dead'],
      ['subnet', 'subnet-0gone'],
      ['subnet', 'subnet-0aaa'],
    ]);
    expect(gaps[0].reason).toMatch(/EC2 does not describe it .*not analysed/);
    expect(gaps[2]).toEqual(flowLogGap);
  });

  it('is the flow-log gaps alone when the whole scope was described', () => {
    expect(coverageGapsOf({})).toEqual([]);
    expect(coverageGapsOf({ coverageGaps: [] })).toEqual([]);
  });
});
