import { describe, expect, it } from 'vitest';
import { accountsNotReadOf, coverageGapsOf, inputNotReadOf } from '../../../src/reports/jobs/report-input.loader';

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

  it("names an organisation's member accounts the analysis could not read, or skipped, with why", () => {
    const accounts = accountsNotReadOf('tgt-org', {
      accounts: [
        { accountId: '111111111111', region: 'eu-west-1', status: 'read', interfaces: 4 },
        {
          accountId: '222222222222',
          region: 'eu-west-1',
          status: 'failed',
          error: { code: 'AccessDenied', message: 'not authorized to assume' },
        },
        {
          accountId: '333333333333',
          region: 'eu-west-1',
          status: 'skipped',
          error: { code: 'SUSPENDED', message: 'the account is suspended' },
        },
      ],
    });
    expect(accounts).toEqual([
      {
        targetId: 'tgt-org',
        accountId: '222222222222',
        region: 'eu-west-1',
        status: 'failed',
        reason: 'AccessDenied: not authorized to assume',
      },
      {
        targetId: 'tgt-org',
        accountId: '333333333333',
        region: 'eu-west-1',
        status: 'skipped',
        reason: 'SUSPENDED: the account is suspended',
      },
    ]);
    expect(accountsNotReadOf('tgt-one', {})).toEqual([]);
  });

  it('counts what the flow source could not read, with the first warnings and how many more the analysis holds', () => {
    const warnings = Array.from({ length: 12 }, (_, i) => ({
      file: `flows/f${i}.log`,
      message: `line ${i + 1} is malformed, not in the analysis`,
    }));
    expect(inputNotReadOf('tgt-files', 'ana-1', { malformedLines: 30, incompleteRecords: 2, filesSkipped: 1, warnings })).toEqual({
      targetId: 'tgt-files',
      analysisId: 'ana-1',
      malformedLines: 30,
      incompleteRecords: 2,
      filesSkipped: 1,
      warnings: warnings.slice(0, 10),
      moreWarnings: 2,
    });
    expect(inputNotReadOf('tgt-files', 'ana-2', { malformedLines: 0, warnings: [] })).toBeNull();
  });
});
