import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../samples/sample-snapshot';
import { EXPECTED_FINDINGS, PEERS } from '../../../samples/scenario';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { sampleDayAggregates } from '../../support/sample-day';

/**
 * The sample day through `diagnose`: every misconfiguration of samples/README.md gets the fix the
 * table describes — its first request, and every further request it needs (`fix.also`), in order.
 */
describe('diagnosis of the sample day', () => {
  const { findings, stats } = diagnose(validateSnapshot(buildSnapshot()), sampleDayAggregates());

  for (const want of EXPECTED_FINDINGS.filter((e) => e.fix !== null)) {
    it(`row ${want.key}: ${want.title}`, () => {
      const got = findings.find(
        (f) =>
          JSON.stringify(f.blockedBy) === JSON.stringify(want.blockedBy) &&
          f.traffic.port === want.port &&
          f.traffic.direction === want.direction &&
          f.traffic.returnTraffic === want.returnTraffic,
      );
      expect(got).toBeDefined();
      expect(got!.classification).toBe(want.classification);
      const fix = got!.suggestedFix!;
      expect(fix.verified).toBe(true);
      const [first, ...rest] = fix.changes;
      expect(first.action).toBe(want.fix!.action);
      // Rows that list alternatives accept other parameters for the first request.
      if (!want.fix!.alternatives) expect(first.params).toMatchObject(want.fix!.params);
      const also = want.fix!.also ?? [];
      expect(rest.map((c) => c.action)).toEqual(also.map((c) => c.action));
      rest.forEach((change, i) => expect(change.params).toMatchObject(also[i].params));
    });
  }

  it('sums the scanner noise up as its five campaigns (N1-N5), with no fix, and no misconfiguration peer inside them', () => {
    const campaigns = findings.filter((f) => f.kind === 'campaign');
    expect(campaigns.map((f) => `${f.campaign!.scope} ${f.campaign!.key}`).sort()).toEqual(
      [
        `network 203.0.113.0/24`,
        `source ${PEERS.ipv6Scanner}`,
        `source ${PEERS.albScanner}`,
        `source ${PEERS.bastionScanner}`,
        `source ${PEERS.sweeper}`,
      ].sort(),
    );
    expect(findings.filter((f) => f.classification === 'likely-noise')).toEqual(campaigns);
    expect(findings.filter((f) => f.kind === 'rule')).toHaveLength(6);
    const legitimate = new Set(EXPECTED_FINDINGS.flatMap((e) => e.peerAddresses));
    for (const campaign of campaigns) {
      expect(campaign.suggestedFix).toBeNull();
      for (const source of campaign.campaign!.sources) expect(legitimate.has(source.address), source.address).toBe(false);
    }
    const n3 = campaigns.find((f) => f.campaign!.scope === 'network')!;
    expect(n3.campaign!.sourceCount).toBe(40);
    expect(n3.traffic.records).toBe(87);
    // every finding comes before the noise
    expect(findings.slice(0, 6).every((f) => f.kind === 'rule')).toBe(true);
  });

  it('lists every undecided record under a named reason: row F, ICMP type-specific rules, on the four app interfaces', () => {
    expect(stats.coverage.undecided).toEqual([expect.objectContaining({ reason: 'icmp-type-rule', records: 96, interfaceCount: 4 })]);
    expect(stats.coverage.undecided.reduce((sum, g) => sum + g.records, 0)).toBe(stats.rejected.unknown.records);
    expect(stats.coverage.degradedSignals.map((s) => s.kind)).toEqual(['reject-only-logs', 'no-tcp-flags', 'no-flow-direction']);
  });
});
