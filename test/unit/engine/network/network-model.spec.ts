import { describe, expect, it } from 'vitest';
import { cidrIncludesInternet, isInternetAddress, isPrivateAddress, parseIp } from '../../../../src/engine/ip/ip-address';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { mergeSnapshots, validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { SnapshotValidationError } from '../../../../src/engine/network/snapshot-validation.error';

describe('interfaceOwner', () => {
  const enis = [
    { NetworkInterfaceId: 'eni-1', Attachment: { InstanceId: 'i-0abc' } },
    { NetworkInterfaceId: 'eni-2', Description: 'ELB app/web-alb/50dc6c495c0c9188' },
    { NetworkInterfaceId: 'eni-3', Description: 'ELB net/api-nlb/0123456789abcdef' },
    { NetworkInterfaceId: 'eni-4', Description: 'ELB legacy-clb' },
    { NetworkInterfaceId: 'eni-5', Description: 'Interface for NAT Gateway nat-0123456789abcdef0' },
    { NetworkInterfaceId: 'eni-6', Description: 'AWS Lambda VPC ENI-resize-images-6cc5ad4b-8ef2-4d12-9a12-f4d24c1b8c4c' },
    { NetworkInterfaceId: 'eni-7', Description: 'VPC Endpoint Interface vpce-0abc123' },
    { NetworkInterfaceId: 'eni-8', Description: 'RDSNetworkInterface' },
    { NetworkInterfaceId: 'eni-9', Description: 'EFS mount target for fs-12345678 (fsmt-1)' },
    { NetworkInterfaceId: 'eni-10', InterfaceType: 'transit_gateway' },
    { NetworkInterfaceId: 'eni-11', RequesterId: 'amazon-elasticache' },
    { NetworkInterfaceId: 'eni-12' },
  ];
  const model = NetworkModel.fromSnapshot({ NetworkInterfaces: enis });
  it.each([
    ['eni-1', 'i-0abc'],
    ['eni-2', 'elb:app/web-alb'],
    ['eni-3', 'elb:net/api-nlb'],
    ['eni-4', 'elb:legacy-clb'],
    ['eni-5', 'nat-0123456789abcdef0'],
    ['eni-6', 'lambda:resize-images'],
    ['eni-7', 'vpce-0abc123'],
    ['eni-8', 'rds'],
    ['eni-9', 'efs:fs-12345678'],
    ['eni-10', 'transit_gateway'],
    ['eni-11', 'amazon-elasticache'],
    ['eni-12', null],
    ['eni-none', null],
  ])('%s → %s', (id, owner) => expect(model.interfaceOwner(id)).toBe(owner));
});

describe('indexes', () => {
  const model = NetworkModel.fromSnapshot(
    validateSnapshot({
      Vpcs: [
        { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' },
        { VpcId: 'vpc-2', CidrBlock: '10.0.0.0/16' },
      ],
      Subnets: [
        {
          SubnetId: 'subnet-a',
          VpcId: 'vpc-1',
          CidrBlock: '10.0.1.0/24',
          Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00::/64' }],
        },
        { SubnetId: 'subnet-b', VpcId: 'vpc-2', CidrBlock: '10.0.1.0/24' },
        { SubnetId: 'subnet-c', VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' },
      ],
      NetworkAcls: [
        { NetworkAclId: 'acl-def', VpcId: 'vpc-1', IsDefault: true, Entries: [] },
        { NetworkAclId: 'acl-c', VpcId: 'vpc-1', Associations: [{ SubnetId: 'subnet-c' }], Entries: [] },
      ],
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-a',
          SubnetId: 'subnet-a',
          VpcId: 'vpc-1',
          PrivateIpAddress: '10.0.1.5',
          Ipv6Addresses: [{ Ipv6Address: '2600:1f00:0:0::5' }],
          Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.32/28' }],
          Groups: [{ GroupId: 'sg-1' }],
        },
        {
          NetworkInterfaceId: 'eni-b',
          SubnetId: 'subnet-b',
          VpcId: 'vpc-2',
          PrivateIpAddress: '10.0.1.5',
          Groups: [{ GroupId: 'sg-1' }, { GroupId: 'sg-2' }],
        },
      ],
    }),
  );
  it('finds interfaces by private address per VPC (overlapping VPCs stay apart), IPv6 in any spelling, and delegated prefixes', () => {
    expect(model.interfacesByPrivateAddress(parseIp('10.0.1.5')!, new Set(['vpc-1'])).map((e) => e.NetworkInterfaceId)).toEqual(['eni-a']);
    expect(
      model
        .interfacesByPrivateAddress(parseIp('10.0.1.5')!)
        .map((e) => e.NetworkInterfaceId)
        .sort(),
    ).toEqual(['eni-a', 'eni-b']);
    expect(model.interfacesByPrivateAddress(parseIp('2600:1f00::5')!).map((e) => e.NetworkInterfaceId)).toEqual(['eni-a']);
    expect(model.interfacesByPrivateAddress(parseIp('10.0.1.40')!).map((e) => e.NetworkInterfaceId)).toEqual(['eni-a']);
  });
  it("finds the subnet containing an address and the subnet's NACL (explicit, else the VPC default)", () => {
    expect(model.subnetContaining(parseIp('10.0.1.77')!, 'vpc-2')?.SubnetId).toBe('subnet-b');
    expect(model.subnetContaining(parseIp('2600:1f00::9')!, 'vpc-1')?.SubnetId).toBe('subnet-a');
    expect(model.networkAclIdForSubnet('subnet-c')).toBe('acl-c');
    expect(model.networkAclIdForSubnet('subnet-a')).toBe('acl-def');
    expect(model.subnetsOfNetworkAcl('acl-def')).toEqual(['subnet-a']);
  });
  it('maps groups to interfaces both ways', () => {
    expect(model.securityGroupsOf('eni-b')).toEqual(['sg-1', 'sg-2']);
    expect(model.interfacesWithGroup('sg-1')).toEqual(['eni-a', 'eni-b']);
  });
});

describe('address classes', () => {
  it.each([
    ['10.1.2.3', true, false],
    ['172.31.0.1', true, false],
    ['192.168.0.1', true, false],
    ['100.64.0.1', true, false],
    ['8.8.8.8', false, true],
    ['203.0.113.5', false, true],
    ['169.254.169.254', false, false],
    ['fd00::1', true, false],
    ['2001:db8::1', false, true],
    ['fe80::1', false, false],
  ])('%s private=%s internet=%s', (ip, priv, internet) => {
    expect(isPrivateAddress(ip)).toBe(priv);
    expect(isInternetAddress(ip)).toBe(internet);
  });
  it('flags CIDRs that reach into the internet', () => {
    expect(cidrIncludesInternet('0.0.0.0/0')).toBe(true);
    expect(cidrIncludesInternet('10.0.0.0/8')).toBe(false);
    expect(cidrIncludesInternet('10.0.0.0/7')).toBe(true);
    expect(cidrIncludesInternet('::/0')).toBe(true);
  });
});

describe('snapshot loading', () => {
  it('names the JSON path of a wrong member', () => {
    const bad = { SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 'eighty' }] }] };
    expect(() => validateSnapshot(bad)).toThrow(SnapshotValidationError);
    try {
      validateSnapshot(bad);
    } catch (e) {
      expect((e as SnapshotValidationError).path).toBe('SecurityGroups[0].IpPermissions[0].FromPort');
    }
    try {
      validateSnapshot({
        NetworkAcls: [
          {
            NetworkAclId: 'acl-1',
            Entries: [{ RuleNumber: 1, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0.0/33' }],
          },
        ],
      });
    } catch (e) {
      expect((e as SnapshotValidationError).path).toBe('NetworkAcls[0].Entries[0].CidrBlock');
    }
    expect(() => validateSnapshot([])).toThrow(/JSON object/);
  });
  it('merges the outputs of several describe commands', () => {
    const merged = mergeSnapshots([
      { SecurityGroups: [{ GroupId: 'sg-1' }], NextToken: 'x' },
      { SecurityGroups: [{ GroupId: 'sg-2' }], PrefixListEntries: { 'pl-1': [{ Cidr: '10.0.0.0/8' }] } },
      { PrefixLists: [{ PrefixListId: 'pl-1' }], PrefixListEntries: { 'pl-2': [] } },
    ]);
    expect(merged.SecurityGroups!.map((g) => g.GroupId)).toEqual(['sg-1', 'sg-2']);
    expect(Object.keys(merged.PrefixListEntries!)).toEqual(['pl-1', 'pl-2']);
    expect(merged.ManagedPrefixLists).toEqual([{ PrefixListId: 'pl-1' }]);
    expect(() => mergeSnapshots([{}, { Vpcs: 'no' }])).toThrow(/snapshot part 2: Vpcs/);
  });
});
