import { describe, expect, it } from 'vitest';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import type { FindingGroup } from '../../../../src/engine/findings/finding-group';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { risksOf } from '../../../../src/engine/fixes/verify-fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NewlyReachable } from '../../../../src/engine/simulate/simulate';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);

/** An egress finding of eni-app toward the given peers. */
function groupTo(peers: string[]): FindingGroup {
  const items: ExplainedFlow[] = peers.map((dstaddr) => ({
    flow: flowOf({
      interfaceId: 'eni-app',
      srcaddr: '10.1.10.11',
      dstaddr,
      srcport: 40000,
      dstport: 8443,
      servicePortSide: 'src',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 40000,
    }),
    verdict: {
      verdict: 'blocked',
      direction: 'egress',
      returnTraffic: false,
      blockedBy: [{ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] }],
      reason: 'x',
    },
  }));
  return groupBlockedFlows(items)[0];
}

const reach = (peer: string): NewlyReachable => ({
  groupId: 'sg-app',
  interfaceIds: ['eni-app'],
  peer,
  peerKind: 'cidr',
  protocol: 'tcp',
  ports: { from: 8443, to: 8443 },
  direction: 'egress',
  includesInternet: false,
});

const widerPeer = (group: FindingGroup, peer: string) => risksOf(model, group, [reach(peer)]).filter((r) => r.kind === 'wider-peer');

describe('wider-peer risk', () => {
  it.each([
    ['a /31 holding exactly the two observed peers', ['198.51.100.240', '198.51.100.241'], '198.51.100.240/31', 0],
    ['a /31 with one observed peer', ['198.51.100.240'], '198.51.100.240/31', 1],
    ['a /30 with two observed peers', ['198.51.100.240', '198.51.100.241'], '198.51.100.240/30', 1],
    ['an IPv6 /127 holding both observed peers', ['2001:db8::a', '2001:db8::b'], '2001:db8::a/127', 0],
    ['an IPv6 /123 with three observed peers', ['2001:db8::a1', '2001:db8::a7', '2001:db8::b2'], '2001:db8::a0/123', 1],
  ])('%s', (_name, peers, cidr, count) => {
    expect(widerPeer(groupTo(peers), cidr)).toHaveLength(count);
  });
});
