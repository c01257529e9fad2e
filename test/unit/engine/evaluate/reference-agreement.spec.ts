import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNetworkAcl } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { analyzeFlow, explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { atHighestDestinationPort } from '../../../../src/engine/evaluate/flow-ports';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import { referenceThroughTransitGateway } from '../../../../src/engine/evaluate/transit-gateway-reference';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { parseIp } from '../../../../src/engine/ip/ip-address';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import {
  referenceEvaluateNetworkAcl,
  referenceEvaluateSecurityGroups,
  referenceExplainFlow,
} from '../../../support/factories/reference-evaluator';
import { ADDRESSES, flowArbitrary, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';

const RUNS = { numRuns: 400 };
/** The ICMP type a path question names (null: a flow-log record, which carries none). */
const ICMP_TYPES = fc.constantFrom(null, null, 0, 8, 13, 128);

describe('indexed evaluators agree with the reference evaluator', () => {
  it('generated snapshots are valid snapshots', () => {
    fc.assert(
      fc.property(snapshotArbitrary, (snapshot) => {
        validateSnapshot(snapshot);
      }),
      { numRuns: 100 },
    );
  });

  it('security groups: same allow / deny / uncertain', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.subarray(['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-9'], { minLength: 1 }),
        fc.constantFrom('ingress', 'egress') as fc.Arbitrary<'ingress' | 'egress'>,
        fc.constantFrom(6, 17, 1, 58, 50),
        fc.constantFrom(22, 80, 443, 1024, 8080, 50000, null),
        fc.constantFrom(...ADDRESSES),
        // Where the groups are evaluated: an interface's VPC and subnet (whose route table may lead through a transit gateway).
        fc.constantFrom<[string | null, string | null]>(
          ['vpc-a', 'subnet-a1'],
          ['vpc-a', 'subnet-a2'],
          ['vpc-b', 'subnet-b1'],
          ['vpc-a', null],
          ['vpc-b', null],
          [null, null],
        ),
        ICMP_TYPES,
        (snapshot, groups, direction, protocol, port, peer, [vpcId, subnetId], type) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const icmpType = protocol === 1 || protocol === 58 ? type : null;
          const fast = evaluateSecurityGroups(model, groups, direction, protocol, port, peer, { vpcId, subnetId }, icmpType);
          const slow = referenceEvaluateSecurityGroups(snapshot, groups, direction, protocol, port, peer, vpcId, icmpType, subnetId);
          expect(fast.allowed === true ? 'allow' : fast.allowed === false ? 'deny' : 'uncertain').toBe(slow);
        },
      ),
      RUNS,
    );
  });

  it('network ACLs: same decision and deciding rule number', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom('acl-a', 'acl-a2', 'acl-b'),
        fc.constantFrom('ingress', 'egress') as fc.Arbitrary<'ingress' | 'egress'>,
        fc.constantFrom(6, 17, 1, 58, 50),
        fc.constantFrom(22, 80, 443, 1024, 8080, 50000, 65535, null),
        fc.constantFrom(...ADDRESSES),
        ICMP_TYPES,
        (snapshot, aclId, direction, protocol, port, peer, type) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const icmpType = protocol === 1 || protocol === 58 ? type : null;
          const fast = evaluateNetworkAcl(model, aclId, direction, protocol, port, peer, icmpType);
          const slow = referenceEvaluateNetworkAcl(snapshot, aclId, direction, protocol, port, peer, icmpType);
          expect({ allowed: fast.allowed, ruleNumber: fast.ruleNumber }).toEqual(slow);
        },
      ),
      RUNS,
    );
  });

  it('explainFlow: same verdict, direction, return-traffic flag and blocking controls', () => {
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.array(flowArbitrary('ACCEPT'), { maxLength: 6 }),
        fc.array(flowArbitrary(), { minLength: 1, maxLength: 6 }),
        (snapshot, accepted, flows) => {
          const model = NetworkModel.fromSnapshot(snapshot);
          const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
          for (const flow of flows) {
            // What the contract prints: the reason and what lies behind Block Public Access are explain's own
            // words, whether a reply was asked for the diagnosis's.
            const { reason: _fast, behindBlockPublicAccess: _behind, unrequested: _unrequested, ...fast } = explainFlow(model, flow, ctx);
            const { reason: _slow, ...slow } = referenceExplainFlow(snapshot, flow, accepted);
            expect(fast).toEqual(slow);
            if (fast.verdict !== 'allowed') expect(_fast).toBeTruthy();
          }
        },
      ),
      RUNS,
    );
  });
});

describe('the generators reach every outcome the comparison is meant to cover', () => {
  it('blocked by SG, by NACL, by both, allowed, unknown, return traffic, and between the ends of a collapsed range', () => {
    const seen = new Set<string>();
    const samples = fc.sample(fc.tuple(snapshotArbitrary, fc.array(flowArbitrary('ACCEPT'), { maxLength: 6 }), flowArbitrary()), {
      numRuns: 600,
      seed: 7,
    });
    for (const [snapshot, accepted, flow] of samples) {
      const model = NetworkModel.fromSnapshot(snapshot);
      const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
      const v = explainFlow(model, flow, ctx);
      seen.add(v.verdict);
      const highest = atHighestDestinationPort(flow);
      const atEnds = [flow, ...(highest ? [highest] : [])].map((f) => analyzeFlow(model, f, ctx).verdict.verdict);
      if (v.verdict === 'blocked' && !atEnds.includes('blocked')) seen.add('between');
      for (const c of v.blockedBy) seen.add(c.control);
      if (v.blockedBy.length === 2) seen.add('both');
      if (v.returnTraffic) seen.add('return');
    }
    for (const outcome of [
      'allowed',
      'blocked',
      'unknown',
      'security-group',
      'network-acl',
      'block-public-access',
      'both',
      'return',
      'between',
    ]) {
      expect(seen, outcome).toContain(outcome);
    }
  });

  it('a group reference through the transit gateway: matched, missed and undecided', () => {
    const seen = new Set<string>();
    for (const snapshot of fc.sample(snapshotArbitrary, { numRuns: 600, seed: 11 })) {
      const model = NetworkModel.fromSnapshot(snapshot);
      for (const [vpcId, subnetId, peer] of [
        ['vpc-a', 'subnet-a1', '10.1.1.30'],
        ['vpc-b', 'subnet-b1', '10.0.1.10'],
      ] as const) {
        for (const groupId of ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-9']) {
          const match = referenceThroughTransitGateway(model, groupId, parseIp(peer)!, vpcId, subnetId);
          if (match !== null) seen.add(typeof match === 'string' ? 'undecided' : String(match));
        }
      }
    }
    expect([...seen].sort()).toEqual(['false', 'true', 'undecided']);
  });
});
