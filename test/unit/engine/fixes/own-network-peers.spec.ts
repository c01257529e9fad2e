import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

// vpc-1's IPv6 block (2600:1f18:1::/56) is Amazon's global space, and a VPC may use a publicly
// routable IPv4 block: the addresses of either are the VPC's own peers, not internet ones, so
// their fixes are covered and their risks told as the private space's are.

/** A client retrying over an hour: misconfiguration, so its finding gets a fix. */
function retried(fields: Partial<FlowAggregate>): FlowAggregate {
  return flowOf({ records: 12, packets: 36, servicePortSide: 'dst', ...fields });
}

function only(findings: Finding[]): Finding {
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

describe('fixes for peers in a VPC block of public space', () => {
  it("IPv6 hosts of one subnet (no interface has them) are covered by the subnet's block, as IPv4 hosts are", () => {
    const hosts = [
      '1a2b:3c4d:5e6f:7081',
      '9a1b:2c3d:4e5f:6071',
      'aa00:bb11:cc22:dd33',
      '102:304:506:708',
      'f0e1:d2c3:b4a5:9687',
      'abcd:ef01:2345:6789',
    ];
    const flows = hosts.map((host, i) =>
      retried({ srcaddr: `2600:1f18:1:0:${host}`, dstaddr: '2600:1f18:1:a::11', srcport: 41000 + i, dstport: 5432 }),
    );
    const finding = only(diagnose(hardeningSnapshot, flows).findings);
    expect(finding.blockedBy).toMatchObject({ control: 'security-group', direction: 'ingress' });
    const fix = finding.suggestedFix!;
    expect(fix.changes).toHaveLength(1);
    expect(fix.changes[0]!.params).toMatchObject({
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Ipv6Ranges: [{ CidrIpv6: '2600:1f18:1::/64' }] }],
    });
    expect(fix.verified).toBe(true);
    expect(fix.risks.map((r) => r.kind)).not.toContain('internet-exposure');
  });

  it('a NACL entry for an IPv6 host of the VPC opens nothing to the internet', () => {
    // eni-alb-a (subnet-web) admits IPv6 only on 443 (acl-web rule 110); the app's IPv6 address retries 8443.
    const flow = retried({
      interfaceId: 'eni-alb-a',
      srcaddr: '2600:1f18:1:a::11',
      dstaddr: '2600:1f18:1::20',
      srcport: 41000,
      dstport: 8443,
    });
    const finding = only(diagnose(hardeningSnapshot, [flow]).findings);
    const entry = finding.suggestedFix!.changes.find((c) => c.action === 'CreateNetworkAclEntry')!;
    expect(entry.params).toMatchObject({ NetworkAclId: 'acl-web', Ipv6CidrBlock: '2600:1f18:1:a::11/128' });
    expect(finding.suggestedFix!.risks.map((r) => r.kind)).not.toContain('internet-exposure');
  });

  it('the same NACL entry for an address outside every VPC is internet exposure', () => {
    const flow = retried({ interfaceId: 'eni-alb-a', srcaddr: '2001:db8:5::7', dstaddr: '2600:1f18:1::20', srcport: 41000, dstport: 8443 });
    const finding = only(diagnose(hardeningSnapshot, [flow]).findings);
    expect(finding.suggestedFix?.risks.map((r) => r.kind) ?? []).toContain('internet-exposure');
  });

  it('a peer in a publicly routable IPv4 block of the VPC is no internet exposure', () => {
    const publicBlock: NetworkSnapshot = {
      ...hardeningSnapshot,
      Vpcs: hardeningSnapshot.Vpcs!.map((v) =>
        v.VpcId === 'vpc-1' ? { ...v, CidrBlockAssociationSet: [{ CidrBlock: '10.1.0.0/16' }, { CidrBlock: '52.94.0.0/16' }] } : v,
      ),
      Subnets: [...hardeningSnapshot.Subnets!, { SubnetId: 'subnet-public-range', VpcId: 'vpc-1', CidrBlock: '52.94.1.0/24' }],
    };
    const flow = retried({ interfaceId: 'eni-db', srcaddr: '52.94.1.5', dstaddr: '10.1.20.10', srcport: 41000, dstport: 5432 });
    const finding = only(diagnose(publicBlock, [flow]).findings);
    expect(finding.suggestedFix!.verified).toBe(true);
    expect(finding.suggestedFix!.risks.map((r) => r.kind)).not.toContain('internet-exposure');
  });
});
