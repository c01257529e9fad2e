import { describe, expect, it } from 'vitest';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import type { FindingGroup } from '../../../../src/engine/findings/finding-group';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { risksOf } from '../../../../src/engine/fixes/verify-fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NewlyReachable } from '../../../../src/engine/simulate/simulate';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);

/** An ingress finding at eni-alb-a from the given peers (sg-app's interfaces among them). */
function groupFrom(peers: string[]): FindingGroup {
  const items: ExplainedFlow[] = peers.map((srcaddr, i) => ({
    flow: flowOf({
      interfaceId: 'eni-alb-a',
      srcaddr,
      dstaddr: srcaddr.includes(':') ? '2600:1f18:1::20' : '10.1.0.20',
      srcport: 40000 + i,
      dstport: 8443,
      servicePortSide: 'dst',
    }),
    verdict: {
      verdict: 'blocked',
      direction: 'ingress',
      returnTraffic: false,
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-alb'] }],
      reason: 'x',
    },
  }));
  return groupBlockedFlows(items)[0];
}

const reachFromSgApp: NewlyReachable = {
  groupId: 'sg-alb',
  interfaceIds: ['eni-alb-a', 'eni-alb-b'],
  peer: 'sg-app',
  peerKind: 'security-group',
  protocol: 'tcp',
  ports: { from: 8443, to: 8443 },
  direction: 'ingress',
  includesInternet: false,
};

const unseenHolders = (group: FindingGroup) =>
  risksOf(model, group, [reachFromSgApp]).flatMap((r) => (r.kind === 'group-peers' ? r.interfaceIds : []));

describe('group-peers risk', () => {
  it('counts an interface seen by its private IPv4 address as observed', () => {
    expect(unseenHolders(groupFrom(['10.1.10.11']))).toEqual(['eni-app2', 'eni-app3']);
  });

  it('counts an interface seen by its IPv6 address as observed', () => {
    expect(unseenHolders(groupFrom(['2600:1f18:1:a::11']))).toEqual(['eni-app2', 'eni-app3']);
  });

  it('matches an IPv6 address written in another form (leading zeros, upper case)', () => {
    expect(unseenHolders(groupFrom(['2600:1F18:0001:000A:0:0:0:0011']))).toEqual(['eni-app2', 'eni-app3']);
  });
});
