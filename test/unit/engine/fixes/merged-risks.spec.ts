import { describe, expect, it } from 'vitest';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { risksOf } from '../../../../src/engine/fixes/verify-fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NewlyReachable } from '../../../../src/engine/simulate/simulate';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);

/** An egress finding of eni-app toward the given internet peers on tcp/443. */
function groupTo(peers: string[]) {
  const items: ExplainedFlow[] = peers.map((dstaddr) => ({
    flow: flowOf({ interfaceId: 'eni-app', srcaddr: '10.1.10.11', dstaddr, srcport: 40000, dstport: 443, servicePortSide: 'src' }),
    verdict: {
      verdict: 'blocked',
      direction: 'egress',
      returnTraffic: false,
      blockedBy: [{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-app', ruleNumber: 32767 }],
      reason: 'x',
    },
  }));
  return groupBlockedFlows(items)[0];
}

/** What allowing one internet peer through acl-app opens: the app interfaces besides the observed one. */
const reach = (peer: string, ports = { from: 443, to: 443 }, direction: 'ingress' | 'egress' = 'egress'): NewlyReachable => ({
  networkAclId: 'acl-app',
  interfaceIds: ['eni-app', 'eni-app2', 'eni-app3'],
  peer,
  peerKind: 'cidr',
  protocol: 'tcp',
  ports,
  direction,
  includesInternet: true,
});

const PEERS = ['198.51.100.1', '198.51.100.2', '203.0.113.7', '203.0.113.8', '203.0.113.9', '192.0.2.44', '192.0.2.45'];

describe('risks that differ only by their peer', () => {
  const group = groupTo(PEERS);
  const replies = PEERS.map((peer) => reach(`${peer}/32`, { from: 1024, to: 65535 }, 'ingress'));
  const risks = risksOf(model, group, [...PEERS.map((peer) => reach(`${peer}/32`)), ...replies]);

  it('are told once per control, traffic and direction, naming every peer', () => {
    const exposure = risks.filter((r) => r.kind === 'internet-exposure');
    expect(exposure.map((r) => r.message)).toEqual([
      'acl-app opens tcp/443 to internet addresses (198.51.100.1/32, 198.51.100.2/32, 203.0.113.7/32, 203.0.113.8/32, 203.0.113.9/32 +2 more)',
      'acl-app opens tcp/1024-65535 from internet addresses (198.51.100.1/32, 198.51.100.2/32, 203.0.113.7/32, 203.0.113.8/32, 203.0.113.9/32 +2 more)',
    ]);
    expect(exposure[0]!.peers).toEqual(PEERS.map((peer) => `${peer}/32`));
    const others = risks.filter((r) => r.kind === 'other-interfaces');
    expect(others).toHaveLength(2);
    expect(others[0]!.interfaceIds).toEqual(['eni-app2', 'eni-app3']);
    expect(others[0]!.peers).toHaveLength(PEERS.length);
    expect(others[0]!.message).toContain(
      'they accept tcp/443 to 198.51.100.1/32, 198.51.100.2/32, 203.0.113.7/32, 203.0.113.8/32, 203.0.113.9/32 +2 more too',
    );
  });

  it('keep a risk that is the same for every peer once', () => {
    expect(risks.filter((r) => r.kind === 'port-range')).toHaveLength(1);
    expect(risks.filter((r) => r.kind === 'wider-peer')).toHaveLength(0);
    expect(risks).toHaveLength(5);
  });

  it('read as before when one peer is concerned', () => {
    const one = risksOf(model, groupTo([PEERS[0]!]), [reach(`${PEERS[0]}/32`)]);
    expect(one.map((r) => r.message)).toEqual([
      'acl-app opens tcp/443 to internet addresses (198.51.100.1/32)',
      expect.stringMatching(/^acl-app also applies to 2 other interfaces \(.*\): they accept tcp\/443 to 198\.51\.100\.1\/32 too$/),
    ]);
  });
});
