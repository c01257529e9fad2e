import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../../samples/sample-snapshot';
import { SeededRandom } from '../../../../samples/seeded-random';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { blockedReplies } from '../../../../src/engine/fixes/reply-path';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { sampleDayAggregates } from '../../../support/sample-day';

/** The blocked flows of each finding group, by fingerprint, explained against `snapshot`. */
function groupsOf(snapshot: NetworkSnapshot, aggregates: FlowAggregate[]) {
  const model = NetworkModel.fromSnapshot(snapshot);
  const returnTraffic = ReturnTrafficIndex.fromFlows(aggregates.filter((f) => f.action === 'ACCEPT'));
  const rejected: ExplainedFlow[] = aggregates
    .filter((f) => f.action === 'REJECT')
    .map((flow) => ({ flow, verdict: explainFlow(model, flow, { returnTraffic }) }));
  return { model, returnTraffic, groups: new Map(groupBlockedFlows(rejected).map((g) => [g.fingerprint, g])) };
}

const naclEntryKey = (c: FixChange) => `${String(c.params.NetworkAclId)} ${c.params.Egress ? 'out' : 'in'} ${String(c.params.RuleNumber)}`;

describe('every suggested fix of the samples, applied together', () => {
  const snapshot = validateSnapshot(buildSnapshot());
  const aggregates = sampleDayAggregates();
  const before = diagnose(snapshot, aggregates);
  const fixes = before.findings.filter((f) => f.suggestedFix !== null);
  const changes = fixes.flatMap((f) => f.suggestedFix!.changes);

  it('gives byte-identical JSON whatever the order of the aggregates and of the groups on each interface', () => {
    const aggregates = sampleDayAggregates();
    const random = new SeededRandom(11);
    const shuffled = [...aggregates];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    // Another source may hand the same data in any order; EC2 may list an interface's groups in any order.
    const regrouped: NetworkSnapshot = {
      ...snapshot,
      NetworkInterfaces: snapshot.NetworkInterfaces!.map((eni) => ({ ...eni, Groups: [...(eni.Groups ?? [])].reverse() })),
    };
    const one = JSON.stringify(diagnose(snapshot, aggregates));
    expect(JSON.stringify(diagnose(snapshot, shuffled))).toBe(one);
    expect(JSON.stringify(diagnose(regrouped, [...aggregates].reverse()))).toBe(one);
  });

  it('every fix is verified on its own', () => {
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.filter((f) => !f.suggestedFix!.verified).map((f) => f.fingerprint)).toEqual([]);
  });

  it('no two findings take the same NACL rule number (per NACL and direction)', () => {
    const created = changes.filter((c) => c.action === 'CreateNetworkAclEntry').map(naclEntryKey);
    expect(created.filter((key, i) => created.indexOf(key) !== i)).toEqual([]);
  });

  it("EC2 accepts them all in one go, and then every misconfiguration finding's flows and their replies pass", () => {
    const fixed = applyChanges(snapshot, changes);
    const { model, returnTraffic, groups } = groupsOf(snapshot, aggregates);
    const after = NetworkModel.fromSnapshot(fixed);
    const misconfigurations = before.findings.filter((f) => f.classification === 'likely-misconfiguration');
    expect(misconfigurations.length).toBeGreaterThan(0);
    for (const finding of misconfigurations) {
      const group = groups.get(finding.fingerprint)!;
      expect(group, finding.fingerprint).toBeDefined();
      const stillBlocked = group.flows.filter((item) => explainFlow(after, item.flow, { returnTraffic }).verdict !== 'allowed');
      expect(stillBlocked.length, finding.fingerprint).toBe(0);
      expect(blockedReplies(after, group), finding.fingerprint).toEqual([]);
      // Sanity: the original model did block them.
      expect(group.flows.every((item) => explainFlow(model, item.flow, { returnTraffic }).verdict === 'blocked')).toBe(true);
    }
    const again = diagnose(fixed, aggregates);
    const remaining = new Set(again.findings.map((f) => f.fingerprint));
    expect(misconfigurations.filter((f) => remaining.has(f.fingerprint)).map((f) => f.fingerprint)).toEqual([]);
  });
});
