import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { FlowAggregator } from '../../../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { multiTierSnapshot } from '../../../support/factories/multi-tier-snapshot';

/*
 * Flow logs write ICMP records with ports 0 0 and no type: a finding's fix cannot name the type the
 * hosts used, so it opens every ICMP type, and its risks say so where the finding is read.
 */

/** Version 2 ICMP records (`eni src dst protocol`), REJECTed, repeated 10 minutes apart. */
function icmpRecords(lines: string[], repeats = 3): FlowAggregate[] {
  const parse = createLineParser();
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (let i = 0; i < repeats; i++) {
    const start = 1_700_000_000 + i * 600;
    for (const line of lines) {
      const [eni, src, dst, protocol] = line.split(' ');
      const parsed = parse(`2 111111111111 ${eni} ${src} ${dst} 0 0 ${protocol} 4 336 ${start} ${start + 60} REJECT OK`);
      if (!parsed.ok) throw new Error(parsed.error);
      aggregator.add(parsed.record);
    }
  }
  return aggregator.aggregates();
}

describe('fixes of ICMP findings from flow logs', () => {
  it('open every ICMP type, and the risks say it is because flow logs do not record the type', () => {
    // app pings db: acl-db and sg-db admit no ICMP.
    const { findings } = diagnose(validateSnapshot(multiTierSnapshot()), icmpRecords(['eni-db 10.0.2.20 10.0.3.30 1']));
    const finding = findings.find((f) => f.suggestedFix !== null);
    expect(finding).toBeDefined();
    const fix = finding!.suggestedFix!;
    expect(fix.verified).toBe(true);
    const icmpFields = fix.changes.map((c) =>
      c.action.startsWith('Authorize')
        ? (c.params.IpPermissions as { FromPort?: number; ToPort?: number }[]).map((p) => [p.FromPort, p.ToPort])
        : c.params.IcmpTypeCode,
    );
    expect(icmpFields).toEqual(expect.arrayContaining([{ Code: -1, Type: -1 }, [[-1, -1]]]));
    const risk = fix.risks.find((r) => r.kind === 'all-icmp-types');
    expect(risk?.message).toBe('acl-db, sg-db open every icmp type: flow logs do not record the ICMP type, so no rule can name it');
  });

  it('add no such risk to a TCP fix', () => {
    const parse = createLineParser();
    const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
    for (let i = 0; i < 3; i++) {
      const start = 1_700_000_000 + i * 600;
      const parsed = parse(`2 111111111111 eni-db 10.0.1.10 10.0.3.30 40000 5432 6 3 180 ${start} ${start + 60} REJECT OK`);
      if (!parsed.ok) throw new Error(parsed.error);
      aggregator.add(parsed.record);
    }
    const { findings } = diagnose(validateSnapshot(multiTierSnapshot()), aggregator.aggregates());
    const fix = findings.find((f) => f.suggestedFix !== null)!.suggestedFix!;
    expect(fix.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
  });
});
