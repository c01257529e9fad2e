import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { SnapshotValidationError } from '../../../../src/engine/network/snapshot-validation.error';

/** What a pasted command would run if an id reached a shell unquoted. */
const PAYLOAD = '$(touch${IFS}/tmp/pwned)';

const base = () => ({
  SecurityGroups: [
    {
      GroupId: 'sg-0123456789abcdef0',
      OwnerId: '111122223333',
      VpcId: 'vpc-12345678',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          UserIdGroupPairs: [{ GroupId: 'sg-0a1b2c3d', UserId: '111122223333', VpcId: 'vpc-12345678', VpcPeeringConnectionId: 'pcx-1' }],
          PrefixListIds: [{ PrefixListId: 'pl-63a5400a' }],
        },
      ],
    },
  ],
  SecurityGroupRules: [
    {
      SecurityGroupRuleId: 'sgr-0123',
      GroupId: 'sg-0123456789abcdef0',
      IpProtocol: 'tcp',
      ReferencedGroupInfo: { GroupId: 'sg-0a1b2c3d' },
    },
  ],
  NetworkAcls: [{ NetworkAclId: 'acl-0app', VpcId: 'vpc-12345678', Associations: [{ NetworkAclId: 'acl-0app', SubnetId: 'subnet-0app' }] }],
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0app',
      SubnetId: 'subnet-0app',
      VpcId: 'vpc-12345678',
      OwnerId: '111122223333',
      Groups: [{ GroupId: 'sg-0123456789abcdef0' }],
      Attachment: { InstanceId: 'i-0app' },
    },
  ],
  Subnets: [{ SubnetId: 'subnet-0app', VpcId: 'vpc-12345678', CidrBlock: '10.0.0.0/24' }],
  Vpcs: [{ VpcId: 'vpc-12345678', CidrBlock: '10.0.0.0/16' }],
  ManagedPrefixLists: [{ PrefixListId: 'pl-63a5400a', OwnerId: 'AWS' }],
  VpcPeeringConnections: [{ VpcPeeringConnectionId: 'pcx-1', AccepterVpcInfo: { VpcId: 'vpc-12345678' } }],
  RouteTables: [{ RouteTableId: 'rtb-1', Routes: [{ DestinationPrefixListId: 'pl-63a5400a', NatGatewayId: 'nat-0a' }] }],
  TransitGateways: [{ TransitGatewayId: 'tgw-0a1b2c3d', OwnerId: '111122223333', Options: { SecurityGroupReferencingSupport: 'enable' } }],
  TransitGatewayVpcAttachments: [
    {
      TransitGatewayAttachmentId: 'tgw-attach-0a1b2c3d',
      TransitGatewayId: 'tgw-0a1b2c3d',
      VpcId: 'vpc-12345678',
      VpcOwnerId: '111122223333',
      SubnetIds: ['subnet-0app'],
      Options: { SecurityGroupReferencingSupport: 'enable' },
    },
  ],
  PrefixListEntries: { 'pl-63a5400a': [{ Cidr: '52.94.0.0/22' }] },
});

/** Sets the member at `path` (dots and [n]) of a fresh base snapshot. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const snapshot = base() as Record<string, unknown>;
  const keys = path.split(/\.|\[|\]\.?/).filter(Boolean);
  let node = snapshot as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
  return snapshot;
}

function issue(snapshot: unknown): { path: string; detail: string } | null {
  try {
    validateSnapshot(snapshot);
    return null;
  } catch (err) {
    if (!(err instanceof SnapshotValidationError)) throw err;
    return { path: err.path, detail: err.detail };
  }
}

describe('resource ids in a snapshot have the shape of EC2 ids', () => {
  it('accepts EC2 ids (8 and 17 hexadecimal digits) and readable ones of letters and digits', () => {
    expect(issue(base())).toBeNull();
    expect(issue(withValue('SecurityGroups[0].GroupId', 'sg-app-extra'))).toBeNull();
    const contract = JSON.parse(readFileSync('/work/shared/contract/snapshot.json', 'utf8'));
    expect(issue(contract)).toBeNull();
    expect(issue(JSON.parse(readFileSync(join(__dirname, '../../../../samples/snapshot.json'), 'utf8')))).toBeNull();
  });

  it.each([
    ['SecurityGroups[0].GroupId', `sg-0app${PAYLOAD}`, 'sg-'],
    ['SecurityGroups[0].VpcId', "vpc-1';reboot;'", 'vpc-'],
    ['SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId', 'sg-1}],IpRanges=[{CidrIp=0.0.0.0/0', 'sg-'],
    ['SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].VpcId', 'vpc-1 2', 'vpc-'],
    ['SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].VpcPeeringConnectionId', 'pcx-${x}', 'pcx-'],
    ['SecurityGroups[0].IpPermissions[0].PrefixListIds[0].PrefixListId', 'pl-`id`', 'pl-'],
    ['SecurityGroupRules[0].GroupId', 'sg-A', 'sg-'],
    ['SecurityGroupRules[0].SecurityGroupRuleId', 'sgr-\u001b[31m', 'sgr-'],
    ['SecurityGroupRules[0].ReferencedGroupInfo.GroupId', 'sg-', 'sg-'],
    ['SecurityGroupRules[0].GroupId', 'sg-a--b', 'sg-'],
    ['SecurityGroupRules[0].GroupId', 'sg-a-', 'sg-'],
    ['NetworkAcls[0].NetworkAclId', `acl-0app${PAYLOAD}`, 'acl-'],
    ['NetworkAcls[0].Associations[0].SubnetId', 'subnet-a\nb', 'subnet-'],
    ['NetworkAcls[0].Associations[0].NetworkAclId', 'acl-0app"', 'acl-'],
    ['NetworkInterfaces[0].NetworkInterfaceId', 'eni-0app;ls', 'eni-'],
    ['NetworkInterfaces[0].SubnetId', 'subnet-0app\\', 'subnet-'],
    ['NetworkInterfaces[0].VpcId', 'vpc-ü', 'vpc-'],
    ['NetworkInterfaces[0].Groups[0].GroupId', 'sg-0123 --dry-run', 'sg-'],
    ['NetworkInterfaces[0].Attachment.InstanceId', 'i-$(id)', 'i-'],
    ['Subnets[0].SubnetId', 'subnet-0app&', 'subnet-'],
    ['Subnets[0].VpcId', 'vpc-12345678|', 'vpc-'],
    ['Vpcs[0].VpcId', 'vpc-12345678>x', 'vpc-'],
    ['ManagedPrefixLists[0].PrefixListId', 'pl-1*', 'pl-'],
    ['VpcPeeringConnections[0].VpcPeeringConnectionId', 'pcx-1(', 'pcx-'],
    ['VpcPeeringConnections[0].AccepterVpcInfo.VpcId', 'vpc-1)', 'vpc-'],
    ['RouteTables[0].RouteTableId', 'rtb-1!', 'rtb-'],
    ['RouteTables[0].Routes[0].DestinationPrefixListId', 'pl-1#', 'pl-'],
    ['RouteTables[0].Routes[0].NatGatewayId', 'nat-0a%', 'nat-'],
    ['TransitGateways[0].TransitGatewayId', 'tgw-1;id', 'tgw-'],
    ['TransitGatewayVpcAttachments[0].TransitGatewayAttachmentId', 'tgw-1', 'tgw-attach-'],
    ['TransitGatewayVpcAttachments[0].TransitGatewayId', 'tgw-$(id)', 'tgw-'],
    ['TransitGatewayVpcAttachments[0].VpcId', 'vpc-1 2', 'vpc-'],
    ['TransitGatewayVpcAttachments[0].SubnetIds[0]', 'subnet-a\nb', 'subnet-'],
  ])('%s = %j is refused with its JSON path', (path, value, prefix) => {
    expect(issue(withValue(path, value))).toEqual({ path, detail: expect.stringContaining(`"${prefix}"`) });
  });

  it.each([
    ['SecurityGroups[0].OwnerId', '1111;22223333'],
    ['NetworkInterfaces[0].OwnerId', '11112222333'],
    ['TransitGateways[0].OwnerId', 'amazon'],
    ['TransitGatewayVpcAttachments[0].VpcOwnerId', '1111222233334'],
  ])('%s = %j is refused: an account id is twelve digits', (path, value) => {
    expect(issue(withValue(path, value))).toEqual({ path, detail: expect.stringContaining('twelve digits') });
  });

  it.each([
    ['TransitGateways[0].Options.SecurityGroupReferencingSupport', 'enabled'],
    ['TransitGatewayVpcAttachments[0].Options.SecurityGroupReferencingSupport', true],
  ])('%s = %j is refused: the setting is enable or disable, as EC2 prints it', (path, value) => {
    expect(issue(withValue(path, value))).toEqual({ path, detail: 'expected enable or disable' });
  });

  it('names a prefix list of PrefixListEntries by its key', () => {
    const snapshot = { ...base(), PrefixListEntries: { [`pl-1${PAYLOAD}`]: [{ Cidr: '10.0.0.0/8' }] } };
    expect(issue(snapshot)).toEqual({ path: `PrefixListEntries["pl-1${PAYLOAD}"]`, detail: expect.stringContaining('"pl-"') });
  });
});
