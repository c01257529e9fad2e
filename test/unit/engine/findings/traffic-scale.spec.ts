import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../../samples/sample-snapshot';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { severityOf } from '../../../../src/engine/findings/severity';
import { summarizeTraffic, trafficScale } from '../../../../src/engine/findings/summarize-traffic';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { sampleDayAggregates } from '../../../support/sample-day';

describe('trafficScale', () => {
  it('gives every group of the sample day the severity and records of its whole traffic summary', () => {
    const model = NetworkModel.fromSnapshot(validateSnapshot(buildSnapshot()));
    const aggregates = sampleDayAggregates();
    const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(aggregates.filter((flow) => flow.action === 'ACCEPT')) };
    const explained = aggregates
      .filter((flow) => flow.action === 'REJECT')
      .map((flow) => ({ flow, verdict: explainFlow(model, flow, ctx) }));
    const groups = groupBlockedFlows(explained);
    expect(groups.length).toBeGreaterThan(10);
    const seen = new Set<string>();
    for (const group of groups) {
      const whole = summarizeTraffic(group, model);
      const scale = trafficScale(group.flows, model);
      expect(scale.records).toBe(whole.records);
      expect(scale.peerCount).toBe(whole.peerCount);
      for (const signals of [[], ['repeated-over-time']]) {
        const severity = severityOf('likely-misconfiguration', signals, whole);
        expect(severityOf('likely-misconfiguration', signals, scale)).toBe(severity);
        seen.add(severity);
      }
    }
    // The groups reach more than one severity, so the comparison can tell a wrong scale.
    expect(seen.size).toBeGreaterThan(1);
  });
});
