import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { referenceExplainFlow } from '../../../../src/engine/evaluate/reference-evaluator';
import { parseIp } from '../../../../src/engine/ip/ip-address';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

/**
 * A VPC and a subnet as DescribeVpcs and DescribeSubnets print them after CIDR blocks came and
 * went: only an `associated` block holds addresses. A `failed` (or `failing`) association never
 * took, an `associating` one holds no subnet yet, a `disassociating` or `disassociated` one no
 * longer does (EC2 refuses to take a block away while subnets or addresses use it).
 */
const snapshot: NetworkSnapshot = validateSnapshot({
  Vpcs: [
    {
      VpcId: 'vpc-0abc',
      CidrBlock: '10.0.0.0/16',
      OwnerId: '111122223333',
      State: 'available',
      CidrBlockAssociationSet: [
        { AssociationId: 'vpc-cidr-assoc-0001', CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
        {
          AssociationId: 'vpc-cidr-assoc-0002',
          CidrBlock: '100.64.0.0/16',
          CidrBlockState: { State: 'failed', StatusMessage: 'The CIDR 100.64.0.0/16 conflicts with another subnet' },
        },
        { AssociationId: 'vpc-cidr-assoc-0003', CidrBlock: '100.65.0.0/16', CidrBlockState: { State: 'disassociating' } },
        { AssociationId: 'vpc-cidr-assoc-0004', CidrBlock: '100.66.0.0/16', CidrBlockState: { State: 'associating' } },
        { AssociationId: 'vpc-cidr-assoc-0005', CidrBlock: '100.67.0.0/16', CidrBlockState: { State: 'associated' } },
      ],
      Ipv6CidrBlockAssociationSet: [
        {
          AssociationId: 'vpc-cidr-assoc-0006',
          Ipv6CidrBlock: '2600:1f18:1234:5600::/56',
          Ipv6CidrBlockState: { State: 'associated' },
          NetworkBorderGroup: 'eu-west-1',
          Ipv6Pool: 'Amazon',
        },
        {
          AssociationId: 'vpc-cidr-assoc-0007',
          Ipv6CidrBlock: '2600:1f18:9999:9900::/56',
          Ipv6CidrBlockState: { State: 'failing' },
          NetworkBorderGroup: 'eu-west-1',
          Ipv6Pool: 'Amazon',
        },
      ],
    },
  ],
  Subnets: [
    {
      SubnetId: 'subnet-0a',
      VpcId: 'vpc-0abc',
      CidrBlock: '10.0.1.0/24',
      OwnerId: '111122223333',
      Ipv6CidrBlockAssociationSet: [
        {
          AssociationId: 'subnet-cidr-assoc-0001',
          Ipv6CidrBlock: '2600:1f18:1234:5601::/64',
          Ipv6CidrBlockState: { State: 'associated' },
        },
        {
          AssociationId: 'subnet-cidr-assoc-0002',
          Ipv6CidrBlock: '2600:1f18:1234:56ff::/64',
          Ipv6CidrBlockState: { State: 'disassociating' },
        },
      ],
    },
  ],
  SecurityGroups: [
    {
      GroupId: 'sg-0a1b2c3d4e5f60001',
      VpcId: 'vpc-0abc',
      OwnerId: '111122223333',
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
  ],
  NetworkAcls: [
    {
      NetworkAclId: 'acl-0aaa',
      VpcId: 'vpc-0abc',
      IsDefault: true,
      Associations: [{ NetworkAclAssociationId: 'aclassoc-01', NetworkAclId: 'acl-0aaa', SubnetId: 'subnet-0a' }],
      Entries: [
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
      ],
    },
  ],
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0a1',
      SubnetId: 'subnet-0a',
      VpcId: 'vpc-0abc',
      OwnerId: '111122223333',
      InterfaceType: 'interface',
      Status: 'in-use',
      PrivateIpAddress: '10.0.1.10',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.10', Primary: true }],
      Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60001', GroupName: 'app' }],
    },
  ],
});

describe('CIDR blocks by association state', () => {
  const model = NetworkModel.fromSnapshot(snapshot);
  const ip = (text: string) => parseIp(text)!;

  it('a VPC holds its primary block and the blocks whose association is `associated`, no others', () => {
    expect([...new Set(model.vpcCidrBlocks('vpc-0abc').map((c) => c.text))].sort()).toEqual([
      '10.0.0.0/16',
      '100.67.0.0/16',
      '2600:1f18:1234:5600::/56',
    ]);
    expect(model.vpcContains('vpc-0abc', ip('100.67.3.4'))).toBe(true);
    for (const outside of ['100.64.3.4', '100.65.3.4', '100.66.3.4', '2600:1f18:9999:9901::5']) {
      expect(model.vpcContains('vpc-0abc', ip(outside))).toBe(false);
    }
  });

  it('a subnet holds only its associated IPv6 blocks', () => {
    expect(model.subnetContains('subnet-0a', ip('2600:1f18:1234:5601::10'))).toBe(true);
    expect(model.subnetContains('subnet-0a', ip('2600:1f18:1234:56ff::10'))).toBe(false);
  });

  it('base + 2 of a block whose association failed is no Route 53 Resolver: the refusal is the group’s, in both evaluators', () => {
    const flow = flowAggregate({
      interfaceId: 'eni-0a1',
      srcaddr: '100.64.0.2',
      dstaddr: '10.0.1.10',
      srcport: 40000,
      dstport: 8080,
      protocol: 6,
      flowDirection: 'ingress',
    });
    for (const verdict of [explainFlow(model, flow), referenceExplainFlow(snapshot, flow)]) {
      expect(verdict.reason).not.toMatch(/Route 53 Resolver/);
      expect(verdict.verdict).not.toBe('unknown');
      expect(verdict.blockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-0a1b2c3d4e5f60001'] }]);
    }
  });

  it('the Amazon DNS server is base + 2 of the primary block only: base + 2 of an associated secondary block is a rule’s refusal', () => {
    const fromAddress = (srcaddr: string) =>
      flowAggregate({
        interfaceId: 'eni-0a1',
        srcaddr,
        dstaddr: '10.0.1.10',
        srcport: 40000,
        dstport: 8080,
        protocol: 6,
        flowDirection: 'ingress',
      });
    const primary = fromAddress('10.0.0.2');
    expect(explainFlow(model, primary).reason).toMatch(/Route 53 Resolver/);
    for (const verdict of [explainFlow(model, primary), referenceExplainFlow(snapshot, primary)]) expect(verdict.verdict).toBe('unknown');
    const secondary = fromAddress('100.67.0.2');
    expect(explainFlow(model, secondary).reason ?? '').not.toMatch(/Route 53 Resolver/);
    for (const verdict of [explainFlow(model, secondary), referenceExplainFlow(snapshot, secondary)]) {
      expect(verdict.verdict).toBe('blocked');
      expect(verdict.blockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-0a1b2c3d4e5f60001'] }]);
    }
  });
});
