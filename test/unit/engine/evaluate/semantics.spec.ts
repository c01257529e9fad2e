import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateNetworkAcl, naclDenyingRules } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { evaluateSecurityGroups, portOpenToAnyPeer } from '../../../../src/engine/evaluate/security-group-evaluator';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkAclEntry, NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

// The VPC User Guide's "custom network ACL" example for a public subnet: HTTP/HTTPS in, SSH from
// the home network, inbound return traffic on 32768-65535, outbound HTTP/HTTPS and responses.
const customAcl: NetworkAclEntry[] = [
  { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 80, To: 80 } },
  { RuleNumber: 105, Protocol: '6', RuleAction: 'allow', Egress: false, Ipv6CidrBlock: '::/0', PortRange: { From: 80, To: 80 } },
  { RuleNumber: 110, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } },
  { RuleNumber: 120, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '192.0.2.0/24', PortRange: { From: 22, To: 22 } },
  { RuleNumber: 140, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 32768, To: 65535 } },
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
  { RuleNumber: 32768, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '::/0' },
  { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0', PortRange: { From: 80, To: 80 } },
  { RuleNumber: 110, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } },
  { RuleNumber: 140, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0', PortRange: { From: 32768, To: 65535 } },
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
];

const snapshot: NetworkSnapshot = {
  Vpcs: [
    { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' },
    { VpcId: 'vpc-2', CidrBlock: '10.2.0.0/16' },
    { VpcId: 'vpc-3', CidrBlock: '10.3.0.0/16' },
  ],
  VpcPeeringConnections: [
    {
      VpcPeeringConnectionId: 'pcx-1',
      Status: { Code: 'active' },
      RequesterVpcInfo: { VpcId: 'vpc-1' },
      AccepterVpcInfo: { VpcId: 'vpc-2' },
    },
    {
      VpcPeeringConnectionId: 'pcx-2',
      Status: { Code: 'pending-acceptance' },
      RequesterVpcInfo: { VpcId: 'vpc-1' },
      AccepterVpcInfo: { VpcId: 'vpc-3' },
    },
  ],
  Subnets: [
    {
      SubnetId: 'subnet-pub',
      VpcId: 'vpc-1',
      CidrBlock: '10.0.0.0/24',
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:1::/64' }],
    },
    { SubnetId: 'subnet-app', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24' },
    { SubnetId: 'subnet-peer', VpcId: 'vpc-2', CidrBlock: '10.2.0.0/24' },
    { SubnetId: 'subnet-pend', VpcId: 'vpc-3', CidrBlock: '10.3.0.0/24' },
  ],
  NetworkAcls: [
    // The default NACL as AWS creates it: allow everything, then the catch-alls.
    {
      NetworkAclId: 'acl-default',
      VpcId: 'vpc-1',
      IsDefault: true,
      Associations: [{ SubnetId: 'subnet-app' }],
      Entries: [
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
      ],
    },
    { NetworkAclId: 'acl-public', VpcId: 'vpc-1', IsDefault: false, Associations: [{ SubnetId: 'subnet-pub' }], Entries: customAcl },
  ],
  SecurityGroups: [
    {
      GroupId: 'sg-web',
      VpcId: 'vpc-1',
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    // A group that references itself: members talk to each other on any protocol.
    {
      GroupId: 'sg-app',
      VpcId: 'vpc-1',
      IpPermissions: [
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-app' }] },
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-other-acct', UserId: '999999999999' }] },
        { IpProtocol: '6', FromPort: 9000, ToPort: 9100, PrefixListIds: [{ PrefixListId: 'pl-known' }, { PrefixListId: 'pl-unknown' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
  ],
  PrefixListEntries: { 'pl-known': [{ Cidr: '198.51.100.0/24' }] },
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-web',
      SubnetId: 'subnet-pub',
      VpcId: 'vpc-1',
      PrivateIpAddress: '10.0.0.10',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.10', Association: { PublicIp: '203.0.113.10' } }],
      Ipv6Addresses: [{ Ipv6Address: '2600:1f00:1::10' }],
      Groups: [{ GroupId: 'sg-web' }],
    },
    {
      NetworkInterfaceId: 'eni-app1',
      SubnetId: 'subnet-app',
      VpcId: 'vpc-1',
      PrivateIpAddress: '10.0.1.5',
      Groups: [{ GroupId: 'sg-app' }],
    },
    {
      NetworkInterfaceId: 'eni-app2',
      SubnetId: 'subnet-app',
      VpcId: 'vpc-1',
      PrivateIpAddress: '10.0.1.6',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.6', Association: { PublicIp: '203.0.113.66' } }],
      Groups: [{ GroupId: 'sg-app' }],
    },
    {
      NetworkInterfaceId: 'eni-peer',
      SubnetId: 'subnet-peer',
      VpcId: 'vpc-2',
      PrivateIpAddress: '10.2.0.7',
      Groups: [{ GroupId: 'sg-app' }],
    },
    {
      NetworkInterfaceId: 'eni-pend',
      SubnetId: 'subnet-pend',
      VpcId: 'vpc-3',
      PrivateIpAddress: '10.3.0.7',
      Groups: [{ GroupId: 'sg-app' }],
    },
    {
      NetworkInterfaceId: 'eni-nat',
      SubnetId: 'subnet-pub',
      VpcId: 'vpc-1',
      PrivateIpAddress: '10.0.0.20',
      Description: 'Interface for NAT Gateway nat-0abc',
      Groups: [],
    },
  ],
};
const model = NetworkModel.fromSnapshot(snapshot);
const vpc1 = { vpcId: 'vpc-1' };

function flow(fields: Partial<FlowAggregate>): FlowAggregate {
  return flowAggregate({ interfaceId: 'eni-web', ...fields });
}

describe('security-group evaluator', () => {
  const allowed = (groups: string[], dir: 'ingress' | 'egress', proto: number, port: number | null, peer: string) =>
    evaluateSecurityGroups(model, groups, dir, proto, port, peer, vpc1).allowed;

  it.each([
    ['tcp/443 from the internet', ['sg-web'], 6, 443, '198.51.100.1', true],
    ['tcp/443 over IPv6', ['sg-web'], 6, 443, '2001:db8::1', true],
    ['tcp/80 is not opened', ['sg-web'], 6, 80, '198.51.100.1', false],
    ['udp/443 is another protocol', ['sg-web'], 17, 443, '198.51.100.1', false],
    ['ICMP echo-only rule cannot decide a flow-log ICMP flow', ['sg-web'], 1, null, '198.51.100.1', 'uncertain'],
    ['self-reference: a member by private IP', ['sg-app'], 6, 8080, '10.0.1.6', true],
    ['self-reference: a member in an actively peered VPC', ['sg-app'], 17, 53, '10.2.0.7', true],
    ['self-reference: a member across a pending peering does not match', ['sg-app'], 6, 8080, '10.3.0.7', false],
    ["self-reference: a member's Elastic IP never matches", ['sg-app'], 6, 8080, '203.0.113.66', false],
    ['self-reference: an interface without the group', ['sg-app'], 6, 8080, '10.0.0.10', false],
    ['self-reference: an address of a described subnet no interface owns carries nothing', ['sg-app'], 6, 8080, '10.0.1.99', false],
    ["self-reference: an address of the VPC outside every described subnet may be anyone's", ['sg-app'], 6, 8080, '10.0.5.99', 'uncertain'],
    ['group of another account: private peer', ['sg-app'], 6, 5432, '172.16.0.9', 'uncertain'],
    ['group of another account: internet peer', ['sg-app'], 6, 5432, '198.51.100.1', false],
    ['prefix list with entries', ['sg-app'], 6, 9050, '198.51.100.3', true],
    ['prefix list without entries in the snapshot', ['sg-app'], 6, 9050, '192.0.2.1', 'uncertain'],
    ['any group of several allows', ['sg-app', 'sg-web'], 6, 443, '198.51.100.1', true],
    ['a group missing from the snapshot', ['sg-gone'], 6, 443, '198.51.100.1', 'uncertain'],
  ] as const)('%s', (_name, groups, proto, port, peer, expected) => {
    expect(allowed([...groups], 'ingress', proto, port, peer)).toBe(expected);
  });

  it('names the rule that allowed', () => {
    const result = evaluateSecurityGroups(model, ['sg-web'], 'ingress', 6, 443, '198.51.100.1', vpc1);
    expect(result).toMatchObject({
      allowed: true,
      matchedRule: { groupId: 'sg-web', permission: { IpProtocol: 'tcp', FromPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] } },
    });
  });

  it('portOpenToAnyPeer tells an opened port from a closed one', () => {
    expect(portOpenToAnyPeer(model, ['sg-web'], 'ingress', 6, 443)).toBe(true);
    expect(portOpenToAnyPeer(model, ['sg-web'], 'ingress', 6, 8080)).toBe(false);
    expect(portOpenToAnyPeer(model, ['sg-app'], 'ingress', 17, 9999)).toBe(true);
  });
});

describe('network-ACL evaluator (the VPC User Guide custom ACL)', () => {
  it.each([
    ['inbound HTTP from anywhere', 'ingress', 6, 80, '198.51.100.1', true, 100],
    ['inbound HTTP over IPv6 matches only the IPv6 entry', 'ingress', 6, 80, '2001:db8::1', true, 105],
    ['inbound HTTPS over IPv6 has no IPv6 entry: IPv6 catch-all', 'ingress', 6, 443, '2001:db8::1', false, 32768],
    ['SSH from the home network', 'ingress', 6, 22, '192.0.2.9', true, 120],
    ['SSH from elsewhere falls to the catch-all', 'ingress', 6, 22, '198.51.100.1', false, 32767],
    ['return traffic to a Linux ephemeral port', 'ingress', 6, 40000, '198.51.100.1', true, 140],
    ['return traffic to an ELB/NAT ephemeral port below 32768', 'ingress', 6, 1025, '198.51.100.1', false, 32767],
    ['outbound response to a Windows client port', 'egress', 6, 50000, '198.51.100.1', true, 140],
    ['outbound UDP is not allowed', 'egress', 17, 53, '198.51.100.1', false, 32767],
    ['no IPv6 outbound entries at all: implicit 32768', 'egress', 6, 443, '2001:db8::1', false, 32768],
  ] as const)('%s', (_n, dir, proto, port, peer, allowed, ruleNumber) => {
    expect(evaluateNetworkAcl(model, 'acl-public', dir, proto, port, peer)).toMatchObject({ allowed, ruleNumber });
  });

  it('first match wins: a lower deny shadows a later allow', () => {
    const m = NetworkModel.fromSnapshot({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-x',
          Entries: [
            { RuleNumber: 200, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 50, Protocol: '6', RuleAction: 'deny', Egress: false, CidrBlock: '10.0.0.0/8', PortRange: { From: 22, To: 22 } },
            {
              RuleNumber: 60,
              Protocol: '1',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '0.0.0.0/0',
              IcmpTypeCode: { Type: 8, Code: 0 },
            },
          ],
        },
      ],
    });
    expect(evaluateNetworkAcl(m, 'acl-x', 'ingress', 6, 22, '10.1.1.1')).toMatchObject({ allowed: false, ruleNumber: 50, action: 'deny' });
    expect(evaluateNetworkAcl(m, 'acl-x', 'ingress', 6, 22, '192.168.1.1')).toMatchObject({ allowed: true, ruleNumber: 200 });
    expect(evaluateNetworkAcl(m, 'acl-x', 'ingress', 1, null, '192.168.1.1')).toMatchObject({ allowed: 'uncertain', ruleNumber: 60 });
    expect(naclDenyingRules(m, 'acl-x', 'ingress', 6, 22, '10.1.1.1').map((e) => e.RuleNumber)).toEqual([50, 32767]);
  });
});

describe('explainFlow', () => {
  it.each<[string, Partial<FlowAggregate>, object]>([
    [
      'ingress denied by the NACL only (SG allows 443 from the world? no: 22 is closed in both)',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 22 },
      {
        verdict: 'blocked',
        direction: 'ingress',
        returnTraffic: false,
        blockedBy: [
          { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-public', ruleNumber: 32767 },
          { control: 'security-group', direction: 'ingress', groupIds: ['sg-web'] },
        ],
      },
    ],
    [
      'egress: SG first, then NACL',
      { srcaddr: '10.0.0.10', dstaddr: '198.51.100.1', srcport: 40000, dstport: 8080 },
      {
        verdict: 'blocked',
        direction: 'egress',
        returnTraffic: false,
        blockedBy: [
          { control: 'security-group', direction: 'egress', groupIds: ['sg-web'] },
          { control: 'network-acl', direction: 'egress', networkAclId: 'acl-public', ruleNumber: 32767 },
        ],
      },
    ],
    [
      'return traffic by SYN-ACK: only the NACL can block (ephemeral 1025 not allowed inbound)',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 443, dstport: 1025, tcpFlags: 18 },
      {
        verdict: 'blocked',
        direction: 'ingress',
        returnTraffic: true,
        blockedBy: [{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-public', ruleNumber: 32767 }],
      },
    ],
    [
      'return traffic by the service-port heuristic: web may connect out to 443',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 443, dstport: 40000 },
      { verdict: 'allowed', direction: 'ingress', returnTraffic: true, blockedBy: [] },
    ],
    [
      'a SYN from port 443 is a new connection, not a response',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 443, dstport: 40000, tcpFlags: 2 },
      {
        verdict: 'blocked',
        direction: 'ingress',
        returnTraffic: false,
        blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-web'] }],
      },
    ],
    [
      'the web server answering a client: egress response to an ephemeral port',
      { srcaddr: '10.0.0.10', dstaddr: '198.51.100.1', srcport: 443, dstport: 50000 },
      { verdict: 'allowed', direction: 'egress', returnTraffic: true, blockedBy: [] },
    ],
    [
      'same subnet: NACL not evaluated',
      { interfaceId: 'eni-app1', srcaddr: '10.0.1.6', dstaddr: '10.0.1.5', srcport: 40000, dstport: 5432 },
      { verdict: 'allowed', direction: 'ingress', returnTraffic: false, blockedBy: [] },
    ],
    [
      'Block Public Access',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 443, rejectReason: 'BPA' },
      { verdict: 'blocked', direction: 'ingress', blockedBy: [{ control: 'block-public-access', direction: 'ingress' }] },
    ],
    [
      'reject-reason EC (encryption controls): refused by neither the groups nor the NACL, which would allow it',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 443, rejectReason: 'EC' },
      {
        verdict: 'unknown',
        direction: 'ingress',
        blockedBy: [],
        reason: expect.stringMatching(/reject-reason EC \(VPC encryption controls\)/),
      },
    ],
    [
      'a reject-reason newer than sgdoctor: left open too, even where the groups would refuse it',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 22, rejectReason: 'XYZ' },
      { verdict: 'unknown', direction: 'ingress', blockedBy: [], reason: expect.stringMatching(/^the flow log gives reject-reason XYZ: /) },
    ],
    [
      'already fixed: a REJECT the configuration now allows',
      { srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 443 },
      { verdict: 'allowed', direction: 'ingress', returnTraffic: false, blockedBy: [] },
    ],
    [
      'an interface missing from the snapshot',
      { interfaceId: 'eni-missing', srcaddr: '198.51.100.1', dstaddr: '10.0.0.99', srcport: 50000, dstport: 443 },
      { verdict: 'unknown', direction: 'ingress', blockedBy: [] },
    ],
    [
      'a NAT gateway interface has no security groups: only its NACL applies',
      { interfaceId: 'eni-nat', srcaddr: '198.51.100.1', dstaddr: '10.0.0.20', srcport: 443, dstport: 1030 },
      {
        verdict: 'blocked',
        direction: 'ingress',
        blockedBy: [{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-public', ruleNumber: 32767 }],
      },
    ],
    [
      'flow-direction from the record wins over inference',
      { flowDirection: 'egress', srcaddr: '10.0.0.10', dstaddr: '198.51.100.1', srcport: 50000, dstport: 443 },
      { verdict: 'allowed', direction: 'egress' },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(explainFlow(model, flow(fields))).toMatchObject(expected);
  });

  it('the reverse ACCEPT record marks the rejected half as return traffic', () => {
    const request = flow({
      interfaceId: 'eni-app1',
      srcaddr: '10.0.1.5',
      dstaddr: '10.2.0.7',
      srcport: 41000,
      dstport: 7000,
      action: 'ACCEPT',
    });
    const reply = flow({ interfaceId: 'eni-app1', srcaddr: '10.2.0.7', dstaddr: '10.0.1.5', srcport: 7000, dstport: 41234 });
    const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows([request]) };
    expect(explainFlow(model, reply, ctx)).toMatchObject({ returnTraffic: true });
    // Without the index, the same packets look like a new connection from port 7000.
    expect(explainFlow(model, flow({ ...reply, interfaceId: 'eni-web', dstaddr: '10.0.0.10' })).returnTraffic).toBe(false);
  });

  it('gives a reason for every non-allowed verdict', () => {
    const v = explainFlow(model, flow({ srcaddr: '198.51.100.1', dstaddr: '10.0.0.10', srcport: 50000, dstport: 22 }));
    expect(v.reason).toBe(
      'rule 32767 (the catch-all deny) of acl-public denies inbound tcp/22 from 198.51.100.1, and no rule of sg-web allows tcp/22 from 198.51.100.1',
    );
    expect(explainFlow(model, flow({ interfaceId: 'eni-missing', srcaddr: '1.1.1.1', dstaddr: '10.0.0.1' })).reason).toMatch(
      /eni-missing is not in the snapshot/,
    );
  });
});
