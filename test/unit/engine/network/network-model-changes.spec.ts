import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { modelWithChanges } from '../../../../src/engine/simulate/simulate';
import { SimulationError } from '../../../../src/engine/simulate/simulation.error';
import { flowArbitrary, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';

const groupChange: fc.Arbitrary<FixChange> = fc
  .record({
    egress: fc.boolean(),
    groupId: fc.constantFrom('sg-1', 'sg-2', 'sg-3', 'sg-4'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', '-1'),
    port: fc.constantFrom(22, 80, 443, 8080, 32768),
    peer: fc.constantFrom(
      { IpRanges: [{ CidrIp: '10.0.1.10/32' }] },
      { IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { Ipv6Ranges: [{ CidrIpv6: '2600:1f00:a::/56' }] },
      { UserIdGroupPairs: [{ GroupId: 'sg-2' }] },
      { PrefixListIds: [{ PrefixListId: 'pl-1' }] },
    ),
  })
  .map(({ egress, groupId, protocol, port, peer }) => ({
    action: egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress',
    params: {
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: protocol, FromPort: protocol === 'icmp' ? -1 : port, ToPort: protocol === 'icmp' ? -1 : port, ...peer },
      ],
    },
  }));

const aclChange: fc.Arbitrary<FixChange> = fc
  .record({
    replace: fc.boolean(),
    aclId: fc.constantFrom('acl-a', 'acl-a2', 'acl-b'),
    ruleNumber: fc.integer({ min: 1, max: 120 }),
    egress: fc.boolean(),
    allow: fc.boolean(),
    cidr: fc.constantFrom('0.0.0.0/0', '10.0.0.0/16', '203.0.113.0/24', '10.0.2.20/32'),
    from: fc.constantFrom(22, 443, 1024),
  })
  .map(({ replace, aclId, ruleNumber, egress, allow, cidr, from }) => ({
    action: replace ? 'ReplaceNetworkAclEntry' : 'CreateNetworkAclEntry',
    params: {
      NetworkAclId: aclId,
      RuleNumber: ruleNumber,
      Protocol: '6',
      RuleAction: allow ? 'allow' : 'deny',
      Egress: egress,
      CidrBlock: cidr,
      PortRange: { From: from, To: 65535 },
    },
  }));

describe('a model with changed controls', () => {
  it('evaluates every flow exactly as a model built from the changed snapshot', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.array(fc.oneof(groupChange, aclChange), { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(flowArbitrary('REJECT'), flowArbitrary('ACCEPT')), { minLength: 1, maxLength: 10 }),
        (snapshot, changes, flows) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const original = JSON.stringify(snapshot);
          let derived: NetworkModel;
          try {
            derived = modelWithChanges(model, changes);
          } catch (error) {
            // A change EC2 would refuse fails the same way as on a copy of the snapshot.
            expect(error).toBeInstanceOf(SimulationError);
            expect(() => applyChanges(snapshot, changes)).toThrow(SimulationError);
            return;
          }
          const rebuilt = NetworkModel.fromSnapshot(applyChanges(snapshot, changes));
          for (const flow of flows) expect(explainFlow(derived, flow)).toEqual(explainFlow(rebuilt, flow));
          // The snapshot and the model the changes were derived from are left as they were.
          expect(JSON.stringify(snapshot)).toBe(original);
          for (const flow of flows) expect(explainFlow(model, flow)).toEqual(explainFlow(NetworkModel.fromSnapshot(snapshot), flow));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('compiles only the changed controls: the others are the same objects', () => {
    const snapshot = fc.sample(snapshotArbitrary, { seed: 7, numRuns: 1 })[0];
    const model = NetworkModel.fromSnapshot(snapshot);
    const derived = modelWithChanges(model, [
      {
        action: 'AuthorizeSecurityGroupIngress',
        params: {
          GroupId: 'sg-1',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
        },
      },
    ]);
    expect(derived.groupRules('sg-2', 'ingress')).toBe(model.groupRules('sg-2', 'ingress'));
    expect(derived.networkAclEntries('acl-a', 'ingress')).toBe(model.networkAclEntries('acl-a', 'ingress'));
    expect(derived.groupRules('sg-1', 'ingress')).not.toBe(model.groupRules('sg-1', 'ingress'));
    expect(derived.allGroupRules('sg-1').length).toBe(model.allGroupRules('sg-1').length + 1);
  });
});
