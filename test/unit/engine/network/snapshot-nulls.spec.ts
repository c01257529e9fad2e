import { describe, expect, it } from 'vitest';

import { mergeSnapshots, validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { SnapshotValidationError } from '../../../../src/engine/network/snapshot-validation.error';

/**
 * Exports built on boto3 or Terraform print an absent optional member as `null` where the AWS CLI
 * leaves it out: the snapshot reads both alike. A required member stays required.
 */
const entry = (extra: Record<string, unknown> = {}) => ({
  RuleNumber: 100,
  Protocol: '-1',
  RuleAction: 'allow',
  Egress: false,
  CidrBlock: '0.0.0.0/0',
  ...extra,
});
const snapshot = (nulls: boolean) => {
  const n = (value: Record<string, unknown>) => (nulls ? value : {});
  return {
    SecurityGroups: [
      {
        GroupId: 'sg-1',
        IpPermissions: [
          { IpProtocol: '-1', ...n({ FromPort: null, ToPort: null }), IpRanges: [{ CidrIp: '10.0.0.0/8', ...n({ Description: null }) }] },
        ],
        IpPermissionsEgress: [],
        ...n({ Tags: null, VpcId: null }),
      },
    ],
    NetworkAcls: [
      {
        NetworkAclId: 'acl-1',
        Entries: [entry(n({ Ipv6CidrBlock: null, PortRange: null, IcmpTypeCode: null }))],
        Associations: [{ NetworkAclId: 'acl-1', SubnetId: 'subnet-1' }],
        ...n({ Tags: null }),
      },
    ],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-1',
        SubnetId: 'subnet-1',
        PrivateIpAddress: '10.0.0.5',
        Groups: [{ GroupId: 'sg-1' }],
        ...n({ Association: null, Attachment: null, TagSet: null, Ipv6Addresses: null }),
      },
    ],
    Subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.0.0/24', ...n({ Ipv6CidrBlockAssociationSet: null, Tags: null }) }],
    Vpcs: [
      { VpcId: 'vpc-1', CidrBlockAssociationSet: [{ CidrBlock: '10.0.0.0/16', CidrBlockState: nulls ? null : { State: 'associated' } }] },
    ],
    ...n({ RouteTables: null, PrefixListEntries: null }),
  };
};

describe('null for an optional member of a snapshot', () => {
  it('is read as the member absent, at every level', () => {
    const withNulls = validateSnapshot(snapshot(true));
    const without = validateSnapshot(snapshot(false));
    // The nulls are gone (toStrictEqual tells a member set to undefined from one that is absent)...
    expect(withNulls).toStrictEqual({ ...without, Vpcs: [{ VpcId: 'vpc-1', CidrBlockAssociationSet: [{ CidrBlock: '10.0.0.0/16' }] }] });
    expect(withNulls.NetworkAcls?.[0]?.Entries?.[0]).toStrictEqual(entry());
    expect(withNulls).not.toHaveProperty('RouteTables');
  });

  it('keeps a resource two exports list, one with nulls and one without, once', () => {
    const merged = mergeSnapshots([snapshot(true), { SecurityGroups: snapshot(false).SecurityGroups }], { names: ['a.json', 'b.json'] });
    expect(merged.SecurityGroups).toHaveLength(1);
  });

  it.each([
    [{ SecurityGroups: [{ GroupId: null }] }, 'SecurityGroups[0].GroupId'],
    [{ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [entry({ RuleNumber: null })] }] }, 'NetworkAcls[0].Entries[0].RuleNumber'],
    [{ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [entry({ Egress: null })] }] }, 'NetworkAcls[0].Entries[0].Egress'],
    [{ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: null }] }] }, 'SecurityGroups[0].IpPermissions[0].IpProtocol'],
    [{ NetworkInterfaces: [{ NetworkInterfaceId: null }] }, 'NetworkInterfaces[0].NetworkInterfaceId'],
  ])('is refused for a required member: %j', (input, path) => {
    expect(() => validateSnapshot(input)).toThrow(SnapshotValidationError);
    expect(() => validateSnapshot(input)).toThrow(path);
  });

  it('leaves the rest as strict as it was', () => {
    expect(() =>
      validateSnapshot({ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [entry({ CidrBlock: null, Ipv6CidrBlock: null })] }] }),
    ).toThrow(/exactly one of CidrBlock and Ipv6CidrBlock/);
    expect(() => validateSnapshot({ SecurityGroups: [{ GroupId: 'sg-1', Tags: 'none' }] })).toThrow('SecurityGroups[0].Tags');
    expect(() =>
      validateSnapshot({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: '22' }] }] }),
    ).toThrow('SecurityGroups[0].IpPermissions[0].FromPort');
    expect(() => validateSnapshot({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [null] }] })).toThrow(
      'SecurityGroups[0].IpPermissions[0]',
    );
  });
});
