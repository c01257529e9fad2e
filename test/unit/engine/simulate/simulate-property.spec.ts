import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { simulate } from '../../../../src/engine/simulate/simulate';
import { flowArbitrary, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';

/** A rule for exactly the flow's peer and destination ports (the range it collapsed, if it did). */
function exactRule(
  flow: { protocol: number; dstport: number | null; servicePortSide: 'src' | 'dst' | null; ephemeralPortMax: number | null },
  peer: string,
  groupId: string,
  egress: boolean,
): FixChange {
  const ported = flow.protocol === 6 || flow.protocol === 17;
  const range = peer.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: `${peer}/128` }] } : { IpRanges: [{ CidrIp: `${peer}/32` }] };
  return {
    action: egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress',
    params: {
      GroupId: groupId,
      IpPermissions: [
        {
          IpProtocol: String(flow.protocol),
          ...(ported
            ? { FromPort: flow.dstport, ToPort: flow.servicePortSide === 'src' ? (flow.ephemeralPortMax ?? flow.dstport) : flow.dstport }
            : { FromPort: -1, ToPort: -1 }),
          ...range,
        },
      ],
    },
  };
}

describe('simulation is consistent with evaluation', () => {
  it('simulate() reports exactly the flows whose verdict explainFlow changes on the applied snapshot', () => {
    fc.assert(
      fc.property(snapshotArbitrary, fc.array(flowArbitrary('REJECT'), { minLength: 1, maxLength: 8 }), (snapshot, flows) => {
        const before = NetworkModel.fromSnapshot(snapshot);
        const target = flows.find((f) => explainFlow(before, f).blockedBy.some((c) => c.control === 'security-group'));
        if (!target) return;
        const verdict = explainFlow(before, target);
        const sg = verdict.blockedBy.find((c) => c.control === 'security-group')!;
        if (sg.control !== 'security-group') return;
        const peer = verdict.direction === 'ingress' ? target.srcaddr : target.dstaddr;
        const change = exactRule(
          target,
          peer,
          sg.groupIds.find((g) => before.hasSecurityGroup(g)) ?? sg.groupIds[0],
          verdict.direction === 'egress',
        );
        if (!before.hasSecurityGroup(String(change.params.GroupId))) return;
        const result = simulate(snapshot, [change], flows);
        const after = NetworkModel.fromSnapshot(applyChanges(snapshot, [change]));
        // The targeted flow is no longer blocked by a security group.
        expect(explainFlow(after, target).blockedBy.some((c) => c.control === 'security-group')).toBe(false);
        for (const flow of flows) {
          const was = explainFlow(before, flow);
          const now = explainFlow(after, flow);
          const listed = result.changed.some((c) => c.flow === flow);
          expect(listed).toBe(
            JSON.stringify([was.verdict, was.returnTraffic, was.blockedBy]) !==
              JSON.stringify([now.verdict, now.returnTraffic, now.blockedBy]),
          );
          expect(result.nowAllowed.includes(flow)).toBe(now.verdict === 'allowed' && was.verdict !== 'allowed');
        }
        // One permission with one peer: one reachability entry.
        expect(result.newlyReachable).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
