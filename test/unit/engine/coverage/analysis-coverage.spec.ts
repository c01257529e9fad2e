import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { degradedSignals, groupUndecided, type UndecidedGroup } from '../../../../src/engine/coverage/analysis-coverage';
import { diagnose, diagnosisBasis } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';
import { flowArbitrary, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);
const unknown = (reason: string): FlowVerdict => ({
  verdict: 'unknown',
  direction: 'ingress',
  returnTraffic: false,
  blockedBy: [],
  reason,
});

describe('undecided flows grouped by reason', () => {
  it('names the reason from the snapshot where it can, and counts records and interfaces per reason', () => {
    const groups = groupUndecided(model, [
      { flow: flowOf({ interfaceId: 'eni-gone-1', records: 5 }), verdict: unknown('eni-gone-1 is not in the snapshot') },
      { flow: flowOf({ interfaceId: 'eni-gone-2', records: 7 }), verdict: unknown('eni-gone-2 is not in the snapshot') },
      {
        flow: flowOf({ interfaceId: 'eni-app', protocol: 1, records: 2 }),
        verdict: unknown('a rule of sg-app allows only some icmp types'),
      },
      { flow: flowOf({ interfaceId: 'eni-app', records: 1 }), verdict: unknown('prefix list pl-s3 has no entries in the snapshot') },
      { flow: flowOf({ interfaceId: 'eni-app', records: 1 }), verdict: unknown('sg-gone may be a group of another account') },
    ]);
    expect(groups.map((g) => [g.reason, g.records, g.flows, g.interfaces])).toEqual([
      ['interface-not-in-snapshot', 12, 2, ['eni-gone-2', 'eni-gone-1']],
      ['icmp-type-rule', 2, 1, ['eni-app']],
      ['group-of-another-account', 1, 1, ['eni-app']],
      ['prefix-list-without-entries', 1, 1, ['eni-app']],
    ]);
    expect(groups[0].interfaceCount).toBe(2);
    expect(groups[0].example).toBe('eni-gone-1 is not in the snapshot');
  });

  it('an ICMP flow is an ICMP type rule only when its reason is one: other reasons an ICMP flow is undecided keep their own groups', () => {
    const icmp = (protocol: number, reason: string) => ({
      flow: flowOf({ interfaceId: 'eni-app', protocol, srcport: null, dstport: null, records: 1 }),
      verdict: unknown(reason),
    });
    const groups = groupUndecided(model, [
      icmp(1, 'a rule of sg-app allows only some ICMP types and flow logs do not record the type'),
      icmp(58, 'rule 90 of acl-app names specific ICMP types and flow logs do not record the type'),
      icmp(58, 'cannot tell the direction: neither 2001:db8::1 nor 2001:db8::2 is an address of eni-app'),
      icmp(1, 'cannot tell the direction: neither 10.9.0.1 nor 10.9.0.2 is an address of eni-app'),
      icmp(1, 'eni-app has no subnet in the snapshot, so its network ACL is unknown'),
      icmp(1, 'sg-gone may be a group of another account'),
    ]);
    expect(groups.map((g) => [g.reason, g.records])).toEqual([
      ['other', 3],
      ['icmp-type-rule', 2],
      ['group-of-another-account', 1],
    ]);
  });

  it('a reply no request is held for and a reject-reason of its own get groups of their own, though their reasons name groups', () => {
    const groups = groupUndecided(model, [
      {
        flow: flowOf({ interfaceId: 'eni-app', records: 3 }),
        verdict: unknown(
          'it looks like return traffic, but the accepted traffic of eni-app holds no request it answers: the security groups pass only ' +
            'replies of connections they track, and as a new connection no rule of sg-app allows tcp/40000 from 10.1.0.9',
        ),
      },
      {
        flow: flowOf({ interfaceId: 'eni-gone-1', records: 2 }),
        verdict: unknown(
          'the flow log gives reject-reason EC (VPC encryption controls): something other than a security group or network ACL refused the flow, so what they would do does not say why',
        ),
      },
    ]);
    expect(groups.map((g) => [g.reason, g.records])).toEqual([
      ['reply-not-tracked', 3],
      ['refused-outside-groups', 2],
    ]);
  });

  it("diagnose counts every undecided flow of a group and shows the first one's reason", () => {
    const flows = [10, 11, 12].map((last) =>
      flowOf({
        interfaceId: 'eni-lambda-gone',
        srcaddr: `10.1.0.${last}`,
        dstaddr: '10.1.10.77',
        srcport: 40000,
        dstport: 443,
        records: 1,
      }),
    );
    const { stats, evidence } = diagnose(hardeningSnapshot, flows);
    expect(evidence.size).toBe(0);
    expect(stats.coverage.undecided).toEqual([
      expect.objectContaining({
        reason: 'interface-not-in-snapshot',
        flows: 3,
        records: 3,
        example: 'eni-lambda-gone is not in the snapshot',
      }),
    ]);
  });

  it('diagnose lists every undecided record under a reason', () => {
    const flows = [
      flowOf({ interfaceId: 'eni-lambda-gone', srcaddr: '10.1.0.9', dstaddr: '10.1.10.77', srcport: 40000, dstport: 443, records: 9 }),
    ];
    const { stats } = diagnose(hardeningSnapshot, flows);
    expect(stats.rejected.unknown.records).toBe(9);
    expect(stats.coverage.undecided).toEqual([
      expect.objectContaining({ reason: 'interface-not-in-snapshot', records: 9, interfaces: ['eni-lambda-gone'] }),
    ]);
  });
});

describe('degraded signals', () => {
  it('says what the input lacks and what it costs', () => {
    const rejectOnly: NetworkSnapshot = {
      ...hardeningSnapshot,
      FlowLogs: [{ FlowLogId: 'fl-1', ResourceId: 'subnet-app', TrafficType: 'REJECT', FlowLogStatus: 'ACTIVE' }],
    };
    const signals = degradedSignals(rejectOnly, [flowOf({ records: 4 }), flowOf({ records: 6, tcpFlags: 2, flowDirection: 'ingress' })], {
      skipdata: 2,
    });
    expect(signals.map((s) => s.kind)).toEqual([
      'reject-only-logs',
      'no-accept-records',
      'no-tcp-flags',
      'no-flow-direction',
      'skipped-data',
    ]);
    expect(signals[2].detail).toContain('4 of 10 rejected records (40 %)');
    for (const signal of signals) expect(signal.cost.length).toBeGreaterThan(20);
  });

  it('says nothing about complete input', () => {
    const flows = [flowOf({ tcpFlags: 2, flowDirection: 'ingress' }), flowOf({ action: 'ACCEPT', tcpFlags: 2, flowDirection: 'ingress' })];
    expect(degradedSignals(hardeningSnapshot, flows)).toEqual([]);
  });
});

describe('undecided flows under shared verdicts', () => {
  it('are grouped, counted and listed as their own verdicts would group them; only the example is one flow of the group', () => {
    fc.assert(
      fc.property(snapshotArbitrary, fc.array(flowArbitrary(), { minLength: 1, maxLength: 40 }), (snapshot, flows) => {
        const { stats } = diagnose(snapshot, flows);
        const model = NetworkModel.fromSnapshot(snapshot);
        const ctx = diagnosisBasis(snapshot, flows).context;
        const own = flows
          .filter((flow) => flow.action === 'REJECT')
          .map((flow) => ({ flow, verdict: explainFlow(model, flow, ctx) }))
          .filter(({ verdict }) => verdict.verdict === 'unknown');
        const withoutExample = (groups: UndecidedGroup[]) => groups.map(({ example: _example, ...group }) => group);
        expect(withoutExample(stats.coverage.undecided)).toEqual(withoutExample(groupUndecided(model, own)));
      }),
      { numRuns: 300 },
    );
  });
});
