import { describe, expect, it } from 'vitest';
import { isInternal } from '../../../../src/engine/classify/classify-finding';
import { portOpenness } from '../../../../src/engine/classify/port-openness';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

// A VPC's IPv6 block is Amazon's global space and a VPC may use a publicly routable IPv4 block:
// their addresses are the estate's own, whichever VPC of the snapshot (or peering) holds them.
const withPeerIpv6: NetworkSnapshot = {
  ...hardeningSnapshot,
  Vpcs: hardeningSnapshot.Vpcs!.map((v) =>
    v.VpcId === 'vpc-9' ? { ...v, Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18:9::/56' }] } : v,
  ),
};
const model = NetworkModel.fromSnapshot(withPeerIpv6);

describe('internal peers and openings in public space', () => {
  it.each([
    ['an IPv6 address of the VPC', '2600:1f18:1::77', true],
    ['an IPv6 address of the peered VPC', '2600:1f18:9::10', true],
    ['an IPv6 address of no VPC', '2001:db8:5::7', false],
    ['a private address', '10.200.0.1', true],
  ])('%s: internal %s', (_name, address, internal) => {
    expect(isInternal(model, address)).toBe(internal);
  });

  it("a rule from the VPC's own IPv6 block opens the port to the VPC, not to the internet", () => {
    // sg-app admits ICMPv6 (58) from 2600:1f18:1::/56 only.
    const control = { control: 'security-group' as const, direction: 'ingress' as const, groupIds: ['sg-app'] };
    expect(portOpenness(model, control, 58, null)).toEqual({ specificallyOpen: true, openToInternet: false });
  });

  it('an internet host refused on a port open only to the VPC is on a closed port', () => {
    const probe = flowOf({
      srcaddr: '2001:db8:5::7',
      dstaddr: '2600:1f18:1:a::11',
      protocol: 58,
      srcport: 0,
      dstport: 0,
      records: 1,
      packets: 1,
    });
    const [finding] = diagnose(withPeerIpv6, [probe]).findings;
    expect(finding!.signals).toContain('closed-port-internet');
  });
});
