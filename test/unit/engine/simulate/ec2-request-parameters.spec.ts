import { describe, expect, it } from 'vitest';
import { unknownParametersOf } from '../../../../src/engine/simulate/ec2-request-parameters';

const authorize = {
  GroupId: 'sg-1',
  IpPermissions: [
    {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'x' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      PrefixListIds: [{ PrefixListId: 'pl-1' }],
      UserIdGroupPairs: [{ GroupId: 'sg-2', UserId: '111122223333', VpcId: 'vpc-1', VpcPeeringConnectionId: 'pcx-1' }],
    },
  ],
};
const entry = {
  NetworkAclId: 'acl-1',
  RuleNumber: 90,
  Protocol: '6',
  RuleAction: 'allow',
  Egress: false,
  CidrBlock: '10.0.0.0/8',
  PortRange: { From: 1, To: 2 },
  IcmpTypeCode: { Type: 8, Code: -1 },
  DryRun: false,
};

describe('unknownParametersOf: the parameters of an EC2 request that EC2 would answer UnknownParameter', () => {
  it.each([
    ['AuthorizeSecurityGroupIngress', authorize, []],
    ['AuthorizeSecurityGroupEgress', authorize, []],
    ['AuthorizeSecurityGroupIngress', { GroupId: 'sg-1', IpProtocol: 'tcp', FromPort: 1, ToPort: 1, CidrIp: '10.0.0.0/8' }, []],
    ['AuthorizeSecurityGroupIngress', { GroupId: 'sg-1', IpProtocol: 'tcp', SourceSecurityGroupId: 'sg-2' }, []],
    ['CreateNetworkAclEntry', entry, []],
    ['ReplaceNetworkAclEntry', entry, []],
    ['AuthorizeSecurityGroupIngress', { ...authorize, Bogus: 1 }, ['Bogus']],
    ['AuthorizeSecurityGroupEgress', { ...authorize, CidrBlock: '10.0.0.0/8' }, ['CidrBlock']],
    [
      'AuthorizeSecurityGroupIngress',
      { GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', Ports: 1, IpRanges: [{ Cidr: '10.0.0.0/8' }] }] },
      ['IpPermissions[0].Ports', 'IpPermissions[0].IpRanges[0].Cidr'],
    ],
    ['CreateNetworkAclEntry', { ...entry, GroupId: 'sg-1', PortRange: { From: 1, To: 2, Bogus: 1 } }, ['PortRange.Bogus', 'GroupId']],
    ['ReplaceNetworkAclEntry', { ...entry, IcmpTypeCode: { type: 8 } }, ['IcmpTypeCode.type']],
    ['CreateNetworkAclEntry', JSON.parse('{"NetworkAclId":"acl-1","__proto__":{"x":1}}'), ['__proto__']],
  ] as const)('%s %j → %j', (action, params, unknown) => {
    expect(unknownParametersOf(action, params)).toEqual(unknown);
  });

  it('leaves the shape of known members (a list that is no list, a value that is no object) to the request schema', () => {
    expect(unknownParametersOf('AuthorizeSecurityGroupIngress', { GroupId: 'sg-1', IpPermissions: 'tcp' })).toEqual([]);
    expect(unknownParametersOf('CreateNetworkAclEntry', { NetworkAclId: 'acl-1', PortRange: [1, 2] })).toEqual([]);
  });
});
