import { describe, expect, it } from 'vitest';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkAclEntry, NetworkSnapshot, RouteTable } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { type PathQueryInput, parsePathQuery } from '../../../../src/engine/path/path-query';
import type { PathHop, PathVerdict } from '../../../../src/engine/path/path-result';

/*
 * Labelled path questions, each answered from AWS's documented behaviour of route tables, VPC
 * peering, network ACLs and security groups: the verdict and the hop that decides it.
 *
 *   vpc-a 10.0.0.0/16, 2600:1f00:a::/56   (igw-a, nat-a, eigw-a)
 *     subnet-pub  10.0.1.0/24 2600:1f00:a:1::/64  eni-a1 (i-a1) 10.0.1.10 / 203.0.113.10 / 2600:1f00:a:1::10
 *                                                 eni-a3        10.0.1.11 / 203.0.113.11
 *     subnet-priv 10.0.2.0/24 2600:1f00:a:2::/64  eni-a2 (i-a2) 10.0.2.20 / 2600:1f00:a:2::20
 *   vpc-b 10.1.0.0/16  subnet-b 10.1.1.0/24  eni-b1 10.1.1.40      pcx-ab: vpc-a <-> vpc-b
 *   vpc-c 10.2.0.0/16  subnet-c 10.2.1.0/24  eni-c1 10.2.1.50      pcx-bc: vpc-b <-> vpc-c
 *
 * Route tables: vpc-a's main table (no explicit association: subnet-pub uses it) sends 0.0.0.0/0
 * and ::/0 to igw-a and 10.1.0.0/16 to pcx-ab; subnet-priv's own table sends 0.0.0.0/0 to nat-a,
 * ::/0 to eigw-a and 10.1.0.0/16 to pcx-ab; vpc-b's main table sends 10.0.0.0/16 to pcx-ab and
 * 10.2.0.0/16 to pcx-bc; vpc-c's sends 10.1.0.0/16 to pcx-bc. Every group and NACL starts open.
 */

type Json = Record<string, unknown>;

const OWNER = '111111111111';
const allOpen = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];

const entry = (
  RuleNumber: number,
  Egress: boolean,
  RuleAction: 'allow' | 'deny',
  Protocol: string,
  cidr: string,
  extra: Partial<NetworkAclEntry> = {},
): NetworkAclEntry => ({
  RuleNumber,
  Egress,
  RuleAction,
  Protocol,
  ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
  ...extra,
});
const ports = (From: number, To: number): Partial<NetworkAclEntry> => ({ PortRange: { From, To } });
const catchAll = (): NetworkAclEntry[] => [
  entry(32767, false, 'deny', '-1', '0.0.0.0/0'),
  entry(32768, false, 'deny', '-1', '::/0'),
  entry(32767, true, 'deny', '-1', '0.0.0.0/0'),
  entry(32768, true, 'deny', '-1', '::/0'),
];
const openEntries = (): NetworkAclEntry[] => [
  entry(100, false, 'allow', '-1', '0.0.0.0/0'),
  entry(101, false, 'allow', '-1', '::/0'),
  entry(100, true, 'allow', '-1', '0.0.0.0/0'),
  entry(101, true, 'allow', '-1', '::/0'),
  ...catchAll(),
];

const eni = (
  id: string,
  subnet: string,
  vpc: string,
  ip: string,
  groups: string[],
  extra: { publicIp?: string; ipv6?: string; instance?: string } = {},
): Json => ({
  NetworkInterfaceId: id,
  SubnetId: subnet,
  VpcId: vpc,
  OwnerId: OWNER,
  InterfaceType: 'interface',
  Status: 'in-use',
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true, ...(extra.publicIp ? { Association: { PublicIp: extra.publicIp } } : {}) }],
  ...(extra.publicIp ? { Association: { PublicIp: extra.publicIp } } : {}),
  Ipv6Addresses: extra.ipv6 ? [{ Ipv6Address: extra.ipv6 }] : [],
  ...(extra.instance ? { Attachment: { InstanceId: extra.instance, InstanceOwnerId: OWNER, DeviceIndex: 0 } } : {}),
  Groups: groups.map((GroupId) => ({ GroupId })),
});

const group = (GroupId: string, VpcId: string, IpPermissions: unknown[] = allOpen, IpPermissionsEgress: unknown[] = allOpen) => ({
  GroupId,
  GroupName: GroupId.replace(/^sg-/, ''),
  VpcId,
  OwnerId: OWNER,
  IpPermissions,
  IpPermissionsEgress,
});

const localA = [
  { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
  { DestinationIpv6CidrBlock: '2600:1f00:a::/56', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
];
const route = (destination: string, target: Json, State = 'active'): Json => ({
  ...(destination.startsWith('pl-')
    ? { DestinationPrefixListId: destination }
    : destination.includes(':')
      ? { DestinationIpv6CidrBlock: destination }
      : { DestinationCidrBlock: destination }),
  ...target,
  State,
  Origin: 'CreateRoute',
});

/** The estate every scenario starts from (a JSON snapshot in DescribeXxx shapes). */
function base(): NetworkSnapshot {
  const snapshot: Json = {
    Vpcs: [
      {
        VpcId: 'vpc-a',
        OwnerId: OWNER,
        CidrBlock: '10.0.0.0/16',
        Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:a::/56', Ipv6CidrBlockState: { State: 'associated' } }],
      },
      { VpcId: 'vpc-b', OwnerId: OWNER, CidrBlock: '10.1.0.0/16' },
      { VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.0.0/16' },
    ],
    VpcPeeringConnections: [
      {
        VpcPeeringConnectionId: 'pcx-ab',
        Status: { Code: 'active', Message: 'Active' },
        RequesterVpcInfo: { VpcId: 'vpc-a', OwnerId: OWNER, Region: 'eu-west-1', CidrBlock: '10.0.0.0/16' },
        AccepterVpcInfo: { VpcId: 'vpc-b', OwnerId: OWNER, Region: 'eu-west-1', CidrBlock: '10.1.0.0/16' },
      },
      {
        VpcPeeringConnectionId: 'pcx-bc',
        Status: { Code: 'active', Message: 'Active' },
        RequesterVpcInfo: { VpcId: 'vpc-b', OwnerId: OWNER, Region: 'eu-west-1', CidrBlock: '10.1.0.0/16' },
        AccepterVpcInfo: { VpcId: 'vpc-c', OwnerId: OWNER, Region: 'eu-west-1', CidrBlock: '10.2.0.0/16' },
      },
    ],
    Subnets: [
      {
        SubnetId: 'subnet-pub',
        VpcId: 'vpc-a',
        OwnerId: OWNER,
        CidrBlock: '10.0.1.0/24',
        Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:a:1::/64', Ipv6CidrBlockState: { State: 'associated' } }],
      },
      {
        SubnetId: 'subnet-priv',
        VpcId: 'vpc-a',
        OwnerId: OWNER,
        CidrBlock: '10.0.2.0/24',
        Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:a:2::/64', Ipv6CidrBlockState: { State: 'associated' } }],
      },
      { SubnetId: 'subnet-b', VpcId: 'vpc-b', OwnerId: OWNER, CidrBlock: '10.1.1.0/24' },
      { SubnetId: 'subnet-c', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.1.0/24' },
    ],
    NetworkInterfaces: [
      eni('eni-a1', 'subnet-pub', 'vpc-a', '10.0.1.10', ['sg-a-open'], {
        publicIp: '203.0.113.10',
        ipv6: '2600:1f00:a:1::10',
        instance: 'i-a1',
      }),
      eni('eni-a3', 'subnet-pub', 'vpc-a', '10.0.1.11', ['sg-a-open'], { publicIp: '203.0.113.11' }),
      eni('eni-a2', 'subnet-priv', 'vpc-a', '10.0.2.20', ['sg-a-open'], { ipv6: '2600:1f00:a:2::20', instance: 'i-a2' }),
      eni('eni-b1', 'subnet-b', 'vpc-b', '10.1.1.40', ['sg-b-open']),
      eni('eni-c1', 'subnet-c', 'vpc-c', '10.2.1.50', ['sg-c-open']),
    ],
    SecurityGroups: [group('sg-a-open', 'vpc-a'), group('sg-b-open', 'vpc-b'), group('sg-c-open', 'vpc-c')],
    NetworkAcls: [
      {
        NetworkAclId: 'acl-pub',
        VpcId: 'vpc-a',
        IsDefault: false,
        OwnerId: OWNER,
        Associations: [{ NetworkAclId: 'acl-pub', SubnetId: 'subnet-pub' }],
        Entries: openEntries(),
      },
      {
        NetworkAclId: 'acl-priv',
        VpcId: 'vpc-a',
        IsDefault: false,
        OwnerId: OWNER,
        Associations: [{ NetworkAclId: 'acl-priv', SubnetId: 'subnet-priv' }],
        Entries: openEntries(),
      },
      {
        NetworkAclId: 'acl-b',
        VpcId: 'vpc-b',
        IsDefault: true,
        OwnerId: OWNER,
        Associations: [{ NetworkAclId: 'acl-b', SubnetId: 'subnet-b' }],
        Entries: openEntries(),
      },
      {
        NetworkAclId: 'acl-c',
        VpcId: 'vpc-c',
        IsDefault: true,
        OwnerId: OWNER,
        Associations: [{ NetworkAclId: 'acl-c', SubnetId: 'subnet-c' }],
        Entries: openEntries(),
      },
    ],
    RouteTables: [
      {
        RouteTableId: 'rtb-a-main',
        VpcId: 'vpc-a',
        OwnerId: OWNER,
        Associations: [
          { RouteTableAssociationId: 'rtbassoc-a-main', RouteTableId: 'rtb-a-main', Main: true, AssociationState: { State: 'associated' } },
        ],
        Routes: [
          ...localA,
          route('0.0.0.0/0', { GatewayId: 'igw-a' }),
          route('::/0', { GatewayId: 'igw-a' }),
          route('10.1.0.0/16', { VpcPeeringConnectionId: 'pcx-ab' }),
        ],
      },
      {
        RouteTableId: 'rtb-a-priv',
        VpcId: 'vpc-a',
        OwnerId: OWNER,
        Associations: [
          {
            RouteTableAssociationId: 'rtbassoc-a-priv',
            RouteTableId: 'rtb-a-priv',
            SubnetId: 'subnet-priv',
            Main: false,
            AssociationState: { State: 'associated' },
          },
        ],
        Routes: [
          ...localA,
          route('0.0.0.0/0', { NatGatewayId: 'nat-a' }),
          route('::/0', { EgressOnlyInternetGatewayId: 'eigw-a' }),
          route('10.1.0.0/16', { VpcPeeringConnectionId: 'pcx-ab' }),
        ],
      },
      {
        RouteTableId: 'rtb-b-main',
        VpcId: 'vpc-b',
        OwnerId: OWNER,
        Associations: [
          { RouteTableAssociationId: 'rtbassoc-b-main', RouteTableId: 'rtb-b-main', Main: true, AssociationState: { State: 'associated' } },
        ],
        Routes: [
          { DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
          route('10.0.0.0/16', { VpcPeeringConnectionId: 'pcx-ab' }),
          route('10.2.0.0/16', { VpcPeeringConnectionId: 'pcx-bc' }),
        ],
      },
      {
        RouteTableId: 'rtb-c-main',
        VpcId: 'vpc-c',
        OwnerId: OWNER,
        Associations: [
          { RouteTableAssociationId: 'rtbassoc-c-main', RouteTableId: 'rtb-c-main', Main: true, AssociationState: { State: 'associated' } },
        ],
        Routes: [
          { DestinationCidrBlock: '10.2.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
          route('10.1.0.0/16', { VpcPeeringConnectionId: 'pcx-bc' }),
        ],
      },
    ],
  };
  return snapshot as NetworkSnapshot;
}

// ---- small edits of the base estate -------------------------------------------------------------

const table = (s: NetworkSnapshot, id: string): RouteTable => s.RouteTables!.find((t) => t.RouteTableId === id)!;
const addRoutes =
  (id: string, ...routes: Json[]) =>
  (s: NetworkSnapshot) => {
    table(s, id).Routes!.push(...(routes as RouteTable['Routes'] & object));
  };
const dropRoutes = (id: string, destination: string) => (s: NetworkSnapshot) => {
  const t = table(s, id);
  t.Routes = t.Routes!.filter((r) => (r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId) !== destination);
};
const setRoute = (id: string, destination: string, patch: Json) => (s: NetworkSnapshot) => {
  const r = table(s, id).Routes!.find(
    (x) => (x.DestinationCidrBlock ?? x.DestinationIpv6CidrBlock ?? x.DestinationPrefixListId) === destination,
  )!;
  Object.assign(r, patch);
};
const aclEntries = (id: string, entries: NetworkAclEntry[]) => (s: NetworkSnapshot) => {
  s.NetworkAcls!.find((a) => a.NetworkAclId === id)!.Entries = [...entries, ...catchAll()];
};
const groups =
  (eniId: string, ...ids: string[]) =>
  (s: NetworkSnapshot) => {
    s.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === eniId)!.Groups = ids.map((GroupId) => ({ GroupId }));
  };
const addGroup = (g: Json) => (s: NetworkSnapshot) => {
  s.SecurityGroups!.push(g as never);
};
const prefixList = (id: string, name: string, cidrs: string[]) => (s: NetworkSnapshot) => {
  (s.ManagedPrefixLists ??= []).push({ PrefixListId: id, PrefixListName: name, AddressFamily: 'IPv4', OwnerId: OWNER, Version: 1 });
  (s.PrefixListEntries ??= {})[id] = cidrs.map((Cidr) => ({ Cidr }));
};
const publicIp = (eniId: string, ip: string) => (s: NetworkSnapshot) => {
  const n = s.NetworkInterfaces!.find((x) => x.NetworkInterfaceId === eniId)!;
  n.Association = { PublicIp: ip };
  n.PrivateIpAddresses![0].Association = { PublicIp: ip };
};
/** nat-a's interface in subnet-pub, with its Elastic IP, as DescribeNetworkInterfaces prints it. */
const natInterface = (s: NetworkSnapshot): void => {
  s.NetworkInterfaces!.push({
    NetworkInterfaceId: 'eni-nat-a',
    SubnetId: 'subnet-pub',
    VpcId: 'vpc-a',
    OwnerId: OWNER,
    Description: 'Interface for NAT Gateway nat-a',
    InterfaceType: 'nat_gateway',
    RequesterId: 'amazon-nat',
    RequesterManaged: true,
    Status: 'in-use',
    PrivateIpAddress: '10.0.1.99',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.99', Primary: true, Association: { PublicIp: '203.0.113.99' } }],
    Association: { PublicIp: '203.0.113.99', AllocationId: 'eipalloc-nat' },
    Ipv6Addresses: [],
    Groups: [],
  });
};
/** vpc-a and vpc-c routing each other's block to transit gateway tgw-1. */
const viaTransitGatewayAC = [
  addRoutes('rtb-a-main', route('10.2.0.0/16', { TransitGatewayId: 'tgw-1' })),
  addRoutes('rtb-c-main', route('10.0.0.0/16', { TransitGatewayId: 'tgw-1' })),
];
const tcpFrom = (port: number, peer: Json) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, ...peer });
const refTo = (GroupId: string) => ({ UserIdGroupPairs: [{ GroupId, UserId: OWNER }] });
/** eni-c1's group admits 5432 from sg-a-app, which eni-a1 carries in vpc-a, reached through tgw-1. */
const referenceAcrossTransitGateway = [
  ...viaTransitGatewayAC,
  addGroup(group('sg-a-app', 'vpc-a')),
  groups('eni-a1', 'sg-a-app'),
  addGroup(group('sg-c-db', 'vpc-c', [tcpFrom(5432, { UserIdGroupPairs: [{ GroupId: 'sg-a-app', UserId: OWNER, VpcId: 'vpc-a' }] })])),
  groups('eni-c1', 'sg-c-db'),
];
/**
 * tgw-1 as DescribeTransitGateways gives it, with its SecurityGroupReferencingSupport, and the
 * attachments of vpc-a and vpc-c to it as DescribeTransitGatewayVpcAttachments gives them
 * (available, referencing enabled as attachments are created); `attachments: false` leaves them out.
 */
const transitGatewaySettings =
  (support: 'enable' | 'disable', attachments = true) =>
  (s: NetworkSnapshot): void => {
    s.TransitGateways = [
      { TransitGatewayId: 'tgw-1', OwnerId: OWNER, State: 'available', Options: { SecurityGroupReferencingSupport: support } },
    ];
    if (!attachments) return;
    s.TransitGatewayVpcAttachments = [
      ['a', 'subnet-priv'],
      ['c', 'subnet-c'],
    ].map(([vpc, subnet]) => ({
      TransitGatewayAttachmentId: `tgw-attach-${vpc}`,
      TransitGatewayId: 'tgw-1',
      VpcId: `vpc-${vpc}`,
      VpcOwnerId: OWNER,
      State: 'available',
      SubnetIds: [subnet],
      Options: { SecurityGroupReferencingSupport: 'enable' as const },
    }));
  };

// ---- the scenarios ----------------------------------------------------------------------------

interface Scenario {
  id: string;
  /** The documented behaviour the label rests on. */
  fact: string;
  edits?: ((s: NetworkSnapshot) => void)[];
  query: PathQueryInput;
  verdict: 'allowed' | 'blocked' | 'unknown';
  /**
   * The hop that decides, as `request|reply HOP DIRECTION VERDICT [CODE]` (a prefix of it is
   * enough): the first denying hop of a blocked path, the first unknown hop of an unknown one.
   */
  decides?: string;
  /** The request's route hop, `VERDICT TARGET-TYPE ROUTE-TABLE` (a prefix is enough). */
  route?: string;
  /** The NACL rule number of the deciding hop, when it is a NACL. */
  ruleNumber?: number;
}

const tcp = (from: string, to: string, port: number, sourcePort?: number): PathQueryInput => ({
  from,
  to,
  protocol: 'tcp',
  port,
  ...(sourcePort ? { sourcePort } : {}),
});

const scenarios: Scenario[] = [
  // Route tables
  {
    id: 'R01',
    fact: 'A subnet without an explicit association uses the main route table; the local route covers the VPC CIDR.',
    query: tcp('eni-a1', 'eni-a2', 443),
    verdict: 'allowed',
    route: 'allow local rtb-a-main',
  },
  {
    id: 'R02',
    fact: 'An explicit subnet association takes precedence over the main table: a table with only the local route has no way out.',
    edits: [
      (s) =>
        s.RouteTables!.push({
          RouteTableId: 'rtb-a-isolated',
          VpcId: 'vpc-a',
          Associations: [{ RouteTableId: 'rtb-a-isolated', SubnetId: 'subnet-pub', AssociationState: { State: 'associated' } }],
          Routes: structuredClone(localA),
        }),
    ],
    query: tcp('eni-a1', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny NO_ROUTE_TO_DESTINATION',
    route: 'deny',
  },
  {
    id: 'R03',
    fact: 'The main table sends 0.0.0.0/0 to the internet gateway; the instance has a public IPv4 address.',
    query: tcp('eni-a1', '8.8.8.8', 443),
    verdict: 'allowed',
    route: 'allow internet-gateway rtb-a-main',
  },
  {
    id: 'R04',
    fact: 'Only an association in state associated is in effect: a disassociated explicit association leaves the subnet on the main table.',
    edits: [
      (s) =>
        s.RouteTables!.push({
          RouteTableId: 'rtb-a-isolated',
          VpcId: 'vpc-a',
          Associations: [{ RouteTableId: 'rtb-a-isolated', SubnetId: 'subnet-pub', AssociationState: { State: 'disassociated' } }],
          Routes: structuredClone(localA),
        }),
    ],
    query: tcp('eni-a1', '8.8.8.8', 443),
    verdict: 'allowed',
    route: 'allow internet-gateway rtb-a-main',
  },
  {
    id: 'R05',
    fact: 'Longest prefix match: a /24 blackhole route wins over the /16 peering route for addresses it covers.',
    edits: [addRoutes('rtb-a-main', route('10.1.1.0/24', { VpcPeeringConnectionId: 'pcx-gone' }, 'blackhole'))],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'request route egress deny BAD_STATE_ROUTE',
  },
  {
    id: 'R06',
    fact: 'Longest prefix match: a /24 blackhole route that does not cover the destination does not apply.',
    edits: [addRoutes('rtb-a-main', route('10.1.9.0/24', { VpcPeeringConnectionId: 'pcx-gone' }, 'blackhole'))],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-main',
  },
  {
    id: 'R07',
    fact: 'Longest prefix match: a /32 route to a transit gateway beats the /16 peering route.',
    edits: [
      addRoutes('rtb-a-main', route('10.1.1.40/32', { TransitGatewayId: 'tgw-1' })),
      addRoutes('rtb-b-main', route('10.0.1.0/24', { TransitGatewayId: 'tgw-1' })),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow transit-gateway',
  },
  {
    id: 'R08',
    fact: 'IPv4 and IPv6 routes are independent: 0.0.0.0/0 does not carry IPv6 traffic.',
    edits: [dropRoutes('rtb-a-main', '::/0')],
    query: tcp('eni-a1', '2606:4700::1111', 443),
    verdict: 'blocked',
    decides: 'request route egress deny NO_ROUTE_TO_DESTINATION',
  },
  {
    id: 'R09',
    fact: 'An egress-only internet gateway carries IPv6 traffic out to the internet.',
    query: tcp('eni-a2', '2606:4700::1111', 443),
    verdict: 'allowed',
    route: 'allow egress-only-internet-gateway rtb-a-priv',
  },
  {
    id: 'R10',
    fact: 'A NAT gateway route lets a private instance reach the internet over IPv4.',
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'allowed',
    route: 'allow nat-gateway rtb-a-priv',
  },
  {
    id: 'R11',
    fact: 'A route whose target is gone (deleted NAT gateway) is in state blackhole and drops the traffic.',
    edits: [setRoute('rtb-a-priv', '0.0.0.0/0', { State: 'blackhole' })],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny BAD_STATE_ROUTE',
  },
  {
    id: 'R12',
    fact: 'A transit gateway route (with the return route on the other side) carries traffic between VPCs.',
    edits: [...viaTransitGatewayAC],
    query: tcp('eni-a1', 'eni-c1', 443),
    verdict: 'allowed',
    route: 'allow transit-gateway rtb-a-main',
  },
  {
    id: 'R13',
    fact: 'A route to a network interface (a NAT instance) hands the traffic to that appliance: what happens beyond it is not in the route table.',
    edits: [
      setRoute('rtb-a-priv', '0.0.0.0/0', { NatGatewayId: undefined, NetworkInterfaceId: 'eni-natinstance', InstanceId: 'i-natinstance' }),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },
  {
    id: 'R14',
    fact: 'A route more specific than the local route (middlebox routing) sends intra-VPC traffic to an appliance.',
    edits: [addRoutes('rtb-a-main', route('10.0.2.0/24', { NetworkInterfaceId: 'eni-firewall' }))],
    query: tcp('eni-a1', 'eni-a2', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },
  {
    id: 'R15',
    fact: 'A prefix-list route is matched by its entries under longest prefix match: its /24 entry beats a /16 CIDR route.',
    edits: [
      prefixList('pl-b-hosts', 'b-hosts', ['10.1.1.0/24']),
      addRoutes('rtb-a-main', route('pl-b-hosts', { TransitGatewayId: 'tgw-1' })),
      addRoutes('rtb-b-main', route('10.0.1.0/24', { TransitGatewayId: 'tgw-1' })),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow transit-gateway',
  },
  {
    id: 'R16',
    fact: 'With equal prefix lengths a static CIDR route takes priority over a prefix-list route: the active peering route wins over the blackhole prefix-list route.',
    edits: [
      prefixList('pl-b-all', 'b-all', ['10.1.0.0/16']),
      addRoutes('rtb-a-main', route('pl-b-all', { VpcPeeringConnectionId: 'pcx-gone' }, 'blackhole')),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-main',
  },
  {
    id: 'R17',
    fact: 'With equal prefix lengths a static CIDR route takes priority over a prefix-list route: the blackhole CIDR route wins over the active prefix-list route.',
    edits: [
      prefixList('pl-b-all', 'b-all', ['10.1.0.0/16']),
      setRoute('rtb-a-main', '10.1.0.0/16', { VpcPeeringConnectionId: 'pcx-gone', State: 'blackhole' }),
      addRoutes('rtb-a-main', route('pl-b-all', { VpcPeeringConnectionId: 'pcx-ab' })),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'request route egress deny BAD_STATE_ROUTE',
  },
  {
    id: 'R19',
    fact: 'A security group egress rule may name a prefix list: it allows the prefix list entries only.',
    edits: [
      prefixList('pl-6da54004', 'com.amazonaws.eu-west-1.s3', ['52.218.0.0/17']),
      addGroup(
        group('sg-s3-only', 'vpc-a', allOpen, [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-6da54004' }] },
        ]),
      ),
      groups('eni-a2', 'sg-s3-only'),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request security-group egress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'R20',
    fact: 'A VPC without any route to the destination (no internet gateway, no default route) cannot reach it.',
    query: tcp('eni-b1', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny NO_ROUTE_TO_DESTINATION',
    route: 'deny',
  },

  {
    id: 'R22',
    fact: 'With equal prefix lengths a static CIDR route takes priority over a prefix-list route, wherever DescribeRouteTables lists it.',
    edits: [
      prefixList('pl-b-all', 'b-all', ['10.1.0.0/16']),
      (s) => {
        const t = table(s, 'rtb-a-main');
        t.Routes!.unshift(route('pl-b-all', { VpcPeeringConnectionId: 'pcx-gone' }, 'blackhole') as never);
      },
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-main',
  },

  {
    id: 'R21',
    fact: 'An instance in a subnet routed to an internet gateway needs a public IPv4 address to talk to the internet over IPv4: without one it gets no answer.',
    edits: [(s) => s.RouteTables!.find((t) => t.RouteTableId === 'rtb-a-priv')!.Associations!.splice(0)],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny',
  },

  {
    id: 'R18',
    fact: 'A gateway VPC endpoint is reached through a route to the service prefix list whose target is the endpoint (vpce-): traffic to S3 leaves through it.',
    edits: [
      prefixList('pl-6da54004', 'com.amazonaws.eu-west-1.s3', ['52.218.0.0/17', '3.5.64.0/21']),
      addRoutes('rtb-a-priv', route('pl-6da54004', { GatewayId: 'vpce-0s3' })),
    ],
    query: tcp('eni-a2', '52.218.1.1', 443),
    verdict: 'allowed',
    route: 'allow gateway-endpoint rtb-a-priv',
  },

  {
    id: 'R23',
    fact: 'A route to a Gateway Load Balancer endpoint (also a vpce- target) hands the traffic to an appliance: what happens beyond it is not in the route table.',
    edits: [
      prefixList('pl-partners', 'partners', ['192.0.2.0/24']),
      addRoutes('rtb-a-priv', route('pl-partners', { GatewayId: 'vpce-0gwlb' })),
    ],
    query: tcp('eni-a2', '192.0.2.15', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },

  {
    id: 'R24',
    fact: 'A route to a virtual private gateway (vgw-) sends the traffic over a VPN connection: what lies beyond is not in the snapshot.',
    edits: [addRoutes('rtb-a-priv', route('172.16.0.0/12', { GatewayId: 'vgw-1' }))],
    query: tcp('eni-a2', '172.16.5.5', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },
  {
    id: 'R25',
    fact: 'The local route covers the VPC IPv6 block too: two instances of one VPC talk over IPv6 without any other route.',
    query: tcp('eni-a1', '2600:1f00:a:2::20', 443),
    verdict: 'allowed',
    route: 'allow local rtb-a-main',
  },
  {
    id: 'R26',
    fact: 'Replacing the main route table moves the Main association: the table whose main association is associated is the one subnets without their own table use.',
    edits: [
      (s) => {
        table(s, 'rtb-a-main').Associations![0].AssociationState = { State: 'disassociated' };
        s.RouteTables!.push({
          RouteTableId: 'rtb-a-newmain',
          VpcId: 'vpc-a',
          Associations: [{ RouteTableId: 'rtb-a-newmain', Main: true, AssociationState: { State: 'associated' } }],
          Routes: structuredClone(localA),
        });
      },
    ],
    query: tcp('eni-a1', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny NO_ROUTE_TO_DESTINATION',
    route: 'deny',
  },

  {
    id: 'R28',
    fact: 'A transit gateway route needs its return route: without one in the destination VPC the answer has no way back.',
    edits: [addRoutes('rtb-a-main', route('10.2.0.0/16', { TransitGatewayId: 'tgw-1' }))],
    query: tcp('eni-a1', 'eni-c1', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny NO_ROUTE_TO_DESTINATION',
  },

  {
    id: 'R27',
    fact: 'Route tables apply to traffic leaving a subnet through its router: traffic to another interface of the same subnet is delivered at layer 2, whatever the routes say.',
    edits: [addRoutes('rtb-a-main', route('10.0.1.0/24', { NetworkInterfaceId: 'eni-firewall' }))],
    query: tcp('eni-a1', 'eni-a3', 443),
    verdict: 'allowed',
    route: 'skipped',
  },

  {
    id: 'R29',
    fact: 'A route to a prefix list matches its entries: when the snapshot lacks them, that route may be the most specific one, so which route carries the traffic cannot be told.',
    edits: [
      (s) => {
        (s.ManagedPrefixLists ??= []).push({
          PrefixListId: 'pl-partners',
          PrefixListName: 'partners',
          AddressFamily: 'IPv4',
          OwnerId: OWNER,
        });
      },
      addRoutes('rtb-a-priv', route('pl-partners', { TransitGatewayId: 'tgw-1' })),
    ],
    query: tcp('eni-a2', '192.0.2.15', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },

  {
    id: 'R30',
    fact: "A gateway endpoint's route names its service's AWS-managed prefix list (S3's, DynamoDB's), which holds the service's public ranges only: without its entries it still cannot be the route to a private address of a peered VPC.",
    edits: [
      (s) => {
        (s.ManagedPrefixLists ??= []).push({
          PrefixListId: 'pl-6da54004',
          PrefixListName: 'com.amazonaws.eu-west-1.s3',
          AddressFamily: 'IPv4',
          OwnerId: 'AWS',
        });
      },
      addRoutes('rtb-a-main', route('pl-6da54004', { GatewayId: 'vpce-0s3' })),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-main',
  },

  // VPC peering
  {
    id: 'P01',
    fact: 'Two peered VPCs with routes to each other through the peering connection communicate.',
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-main',
  },
  {
    id: 'P05',
    fact: 'Deleting a peering connection leaves its routes in state blackhole.',
    edits: [
      (s) => {
        s.VpcPeeringConnections![0].Status = { Code: 'deleted', Message: 'Deleted' };
      },
      setRoute('rtb-a-main', '10.1.0.0/16', { State: 'blackhole' }),
      setRoute('rtb-b-main', '10.0.0.0/16', { State: 'blackhole' }),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'request route egress deny BAD_STATE_ROUTE',
  },
  {
    id: 'P06',
    fact: "A security group may reference a group of a peered VPC in the same Region: it matches the private addresses of that group's interfaces.",
    edits: [
      addGroup(group('sg-a-app', 'vpc-a')),
      groups('eni-a1', 'sg-a-app'),
      addGroup(
        group('sg-b-db', 'vpc-b', [
          {
            ...tcpFrom(5432, {
              UserIdGroupPairs: [
                { GroupId: 'sg-a-app', UserId: OWNER, VpcId: 'vpc-a', VpcPeeringConnectionId: 'pcx-ab', PeeringStatus: 'active' },
              ],
            }),
          },
        ]),
      ),
      groups('eni-b1', 'sg-b-db'),
    ],
    query: tcp('eni-a1', 'eni-b1', 5432),
    verdict: 'allowed',
    route: 'allow peering',
  },
  {
    id: 'P07',
    fact: "A reference to a peer VPC's group admits only interfaces that carry it.",
    edits: [
      addGroup(group('sg-a-app', 'vpc-a')),
      groups('eni-a1', 'sg-a-app'),
      addGroup(
        group('sg-b-db', 'vpc-b', [
          {
            ...tcpFrom(5432, {
              UserIdGroupPairs: [
                { GroupId: 'sg-a-app', UserId: OWNER, VpcId: 'vpc-a', VpcPeeringConnectionId: 'pcx-ab', PeeringStatus: 'active' },
              ],
            }),
          },
        ]),
      ),
      groups('eni-b1', 'sg-b-db'),
    ],
    query: tcp('eni-a3', 'eni-b1', 5432),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'P08',
    fact: 'Both VPCs of a peering need a route to the other: vpc-b can answer only when its table routes 10.0.0.0/16 back (here to a transit gateway), and the request leaves by the peering.',
    edits: [setRoute('rtb-b-main', '10.0.0.0/16', { VpcPeeringConnectionId: undefined, TransitGatewayId: 'tgw-1' })],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering',
  },

  {
    id: 'P03',
    fact: 'Peering is not transitive: vpc-a cannot reach vpc-c through vpc-b, even with a route to 10.2.0.0/16 through pcx-ab.',
    edits: [
      addRoutes('rtb-a-main', route('10.2.0.0/16', { VpcPeeringConnectionId: 'pcx-ab' })),
      addRoutes('rtb-c-main', route('10.0.0.0/16', { VpcPeeringConnectionId: 'pcx-bc' })),
    ],
    query: tcp('eni-a1', 'eni-c1', 443),
    verdict: 'blocked',
    decides: 'request route egress deny',
  },

  {
    id: 'P04',
    fact: 'No edge-to-edge routing: vpc-b cannot use the internet gateway of vpc-a through the peering connection.',
    edits: [addRoutes('rtb-b-main', route('0.0.0.0/0', { VpcPeeringConnectionId: 'pcx-ab' }))],
    query: tcp('eni-b1', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request route egress deny',
  },

  {
    id: 'P14',
    fact: 'Where a peering connection leads is in its description (DescribeVpcPeeringConnections): a route to one the snapshot lacks cannot be followed.',
    edits: [addRoutes('rtb-a-main', route('10.9.0.0/16', { VpcPeeringConnectionId: 'pcx-0notdescribed' }))],
    query: tcp('eni-a1', '10.9.0.5', 443),
    verdict: 'unknown',
    decides: 'request route egress unknown',
  },

  {
    id: 'P02',
    fact: 'Both VPCs of a peering need a route to the other: without the return route in vpc-b the answer never comes back.',
    edits: [dropRoutes('rtb-b-main', '10.0.0.0/16')],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'reply route',
  },

  {
    id: 'P09',
    fact: 'A security group cannot reference a group across an inter-Region peering: such a reference admits nobody (the peer VPC CIDR must be used).',
    edits: [
      (s) => {
        s.VpcPeeringConnections![0].AccepterVpcInfo!.Region = 'us-east-1';
      },
      addGroup(group('sg-a-app', 'vpc-a')),
      groups('eni-a1', 'sg-a-app'),
      addGroup(
        group('sg-b-db', 'vpc-b', [
          tcpFrom(5432, { UserIdGroupPairs: [{ GroupId: 'sg-a-app', UserId: OWNER, VpcId: 'vpc-a', VpcPeeringConnectionId: 'pcx-ab' }] }),
        ]),
      ),
      groups('eni-b1', 'sg-b-db'),
    ],
    query: tcp('eni-a1', 'eni-b1', 5432),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'P10',
    fact: 'The answer follows the destination subnet table: when vpc-b routes 10.0.0.0/16 to the peering with vpc-c, the answer goes to vpc-c and never reaches vpc-a.',
    edits: [setRoute('rtb-b-main', '10.0.0.0/16', { VpcPeeringConnectionId: 'pcx-bc' })],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny',
  },

  {
    id: 'P11',
    fact: 'A private subnet with its own table reaches the peer VPC through the peering route of that table, and the peer answers through its own.',
    query: tcp('eni-a2', 'eni-b1', 443),
    verdict: 'allowed',
    route: 'allow peering rtb-a-priv',
  },

  {
    id: 'P12',
    fact: "An outbound rule may reference a group of a peered VPC in the same Region: it admits traffic to the private addresses of that group's interfaces.",
    edits: [
      addGroup(group('sg-b-db', 'vpc-b')),
      groups('eni-b1', 'sg-b-db'),
      addGroup(
        group('sg-a-client', 'vpc-a', allOpen, [
          tcpFrom(5432, {
            UserIdGroupPairs: [
              { GroupId: 'sg-b-db', UserId: OWNER, VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-ab', PeeringStatus: 'active' },
            ],
          }),
        ]),
      ),
      groups('eni-a1', 'sg-a-client'),
    ],
    query: tcp('eni-a1', 'eni-b1', 5432),
    verdict: 'allowed',
  },
  {
    id: 'P13',
    fact: 'A transit gateway resolves group references of inbound rules across the VPCs attached to it only when security group referencing is enabled on the gateway and on both attachments; without the gateway and its attachments in the snapshot that is not shown (EC2 refuses a reference to a group of an unconnected VPC, so the rule itself says it was once on): unknown, not blocked.',
    edits: referenceAcrossTransitGateway,
    query: tcp('eni-a1', 'eni-c1', 5432),
    verdict: 'unknown',
    decides: 'request security-group ingress unknown',
  },
  {
    id: 'P17',
    fact: 'Security group referencing enabled on the transit gateway and on both VPC attachments: the inbound rule referencing the source instance’s group admits it across the gateway.',
    edits: [...referenceAcrossTransitGateway, transitGatewaySettings('enable')],
    query: tcp('eni-a1', 'eni-c1', 5432),
    verdict: 'allowed',
    route: 'allow transit-gateway rtb-a-main',
  },
  {
    id: 'P18',
    fact: 'With referencing enabled everywhere the reference resolves, and the rule still admits only its own port: 22 from the same instance is refused.',
    edits: [...referenceAcrossTransitGateway, transitGatewaySettings('enable')],
    query: tcp('eni-a1', 'eni-c1', 22),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'P19',
    fact: 'Security group referencing disabled on the transit gateway (its default when created), whatever the attachments say: the reference admits nobody across it, so the inbound rule does not match.',
    edits: [...referenceAcrossTransitGateway, transitGatewaySettings('disable')],
    query: tcp('eni-a1', 'eni-c1', 5432),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'P20',
    fact: 'The transit gateway in the snapshot but not its VPC attachments, which may have referencing disabled: still unknown, not blocked.',
    edits: [...referenceAcrossTransitGateway, transitGatewaySettings('enable', false)],
    query: tcp('eni-a1', 'eni-c1', 5432),
    verdict: 'unknown',
    decides: 'request security-group ingress unknown',
  },
  {
    id: 'P16',
    fact: 'Outbound rules cannot reference a group across a transit gateway: such a reference admits nobody there, whatever the gateway says (here referencing is enabled on it and on both attachments).',
    edits: [
      ...viaTransitGatewayAC,
      transitGatewaySettings('enable'),
      addGroup(group('sg-c-db', 'vpc-c', [tcpFrom(5432, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] })])),
      groups('eni-c1', 'sg-c-db'),
      addGroup(
        group('sg-a-out', 'vpc-a', [], [tcpFrom(5432, { UserIdGroupPairs: [{ GroupId: 'sg-c-db', UserId: OWNER, VpcId: 'vpc-c' }] })]),
      ),
      groups('eni-a1', 'sg-a-out'),
    ],
    query: tcp('eni-a1', 'eni-c1', 5432),
    verdict: 'blocked',
    decides: 'request security-group egress deny ENI_SG_RULES_MISMATCH',
  },

  // Internet sources
  {
    id: 'I01',
    fact: 'An internet client reaches an instance at its public IPv4 address when its subnet routes to an internet gateway.',
    query: tcp('198.51.100.7', 'i-a1', 443),
    verdict: 'allowed',
  },
  {
    id: 'I05',
    fact: 'An internet gateway route for ::/0 lets internet hosts open IPv6 connections to an instance whose groups and NACL allow it.',
    query: tcp('2606:4700::1111', '2600:1f00:a:1::10', 443),
    verdict: 'allowed',
  },
  {
    id: 'I06',
    fact: "Traffic to an instance's public address is seen with the sender's public address: a group reference (which matches private addresses) does not admit it.",
    edits: [addGroup(group('sg-a-db', 'vpc-a', [tcpFrom(5432, refTo('sg-a-open'))])), groups('eni-a1', 'sg-a-db')],
    query: tcp('eni-a3', '203.0.113.10', 5432),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },

  {
    id: 'I02',
    fact: 'An instance without a public IPv4 address cannot be reached from the internet.',
    query: tcp('198.51.100.7', 'i-a2', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny',
  },

  {
    id: 'I03',
    fact: 'A public address is not enough: the subnet of an instance reached from the internet must route 0.0.0.0/0 to the internet gateway, else the answer leaves through the NAT gateway and never reaches the client.',
    edits: [publicIp('eni-a2', '203.0.113.20')],
    query: tcp('198.51.100.7', 'i-a2', 443),
    verdict: 'blocked',
    decides: 'reply route',
  },

  {
    id: 'I04',
    fact: 'An egress-only internet gateway prevents hosts on the internet from opening IPv6 connections to the instances behind it.',
    query: tcp('2606:4700::1111', '2600:1f00:a:2::20', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny',
  },

  {
    id: 'I07',
    fact: 'Hosts on the internet reach an instance only at its public address: a private address is not routed on the internet.',
    query: tcp('198.51.100.7', '10.0.1.10', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny',
  },

  {
    id: 'I08',
    fact: 'Two instances with public addresses reach each other at those addresses through the internet gateway, and the answer returns the same way.',
    query: tcp('eni-a3', '203.0.113.10', 443),
    verdict: 'allowed',
    route: 'allow internet-gateway rtb-a-main',
  },
  {
    id: 'I09',
    fact: "An instance behind a NAT gateway reaches a public instance at its public address; the destination sees the NAT gateway's Elastic IP (its interface, as DescribeNetworkInterfaces lists it, carries it).",
    edits: [natInterface],
    query: tcp('eni-a2', '203.0.113.10', 443),
    verdict: 'allowed',
  },
  {
    id: 'I11',
    fact: "A rule admitting the NAT gateway's Elastic IP admits the instances behind it, whose traffic the gateway translates to that address.",
    edits: [
      natInterface,
      addGroup(group('sg-a-from-nat', 'vpc-a', [tcpFrom(443, { IpRanges: [{ CidrIp: '203.0.113.99/32' }] })])),
      groups('eni-a1', 'sg-a-from-nat'),
    ],
    query: tcp('eni-a2', '203.0.113.10', 443),
    verdict: 'allowed',
  },
  {
    id: 'I10',
    fact: 'IPv4 and IPv6 routes are independent: a subnet routing only 0.0.0.0/0 to the internet gateway has no way to answer an IPv6 client on the internet.',
    edits: [dropRoutes('rtb-a-main', '::/0')],
    query: tcp('2606:4700::1111', '2600:1f00:a:1::10', 443),
    verdict: 'blocked',
    decides: 'reply route egress deny NO_ROUTE_TO_DESTINATION',
  },

  // Network ACLs
  {
    id: 'N01',
    fact: "NACLs are stateless: the destination subnet must allow the answer out to the client's ephemeral ports.",
    edits: [
      aclEntries('acl-b', [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '6', '0.0.0.0/0', ports(443, 443))]),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
    ruleNumber: 32767,
  },
  {
    id: 'N02',
    fact: 'NACLs are stateless: the source subnet must allow the answer in on the ephemeral ports.',
    edits: [
      aclEntries('acl-pub', [entry(100, false, 'allow', '6', '0.0.0.0/0', ports(443, 443)), entry(100, true, 'allow', '-1', '0.0.0.0/0')]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },
  {
    id: 'N03',
    fact: 'A NACL that admits only 49152-65535 (Windows) refuses the answers to a Linux client port (40000).',
    edits: [
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(49152, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432, 40000),
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },
  {
    id: 'N04',
    fact: 'The same NACL admits the answers to a client port inside 49152-65535.',
    edits: [
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(49152, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432, 50000),
    verdict: 'allowed',
  },
  {
    id: 'N05',
    fact: 'Without a client port, Linux clients use 32768-60999: a NACL admitting only 49152-65535 refuses part of their answers.',
    edits: [
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(49152, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny',
  },
  {
    id: 'N06',
    fact: 'NACL rules are evaluated in ascending rule number (numerically: 90 before 100); the first match decides.',
    edits: [
      aclEntries('acl-priv', [
        entry(90, false, 'deny', '6', '10.0.1.0/24', ports(5432, 5432)),
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'blocked',
    decides: 'request network-acl ingress deny SUBNET_ACL_RESTRICTION',
    ruleNumber: 90,
  },
  {
    id: 'N07',
    fact: 'An allow with a lower number than a matching deny wins.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '6', '10.0.1.0/24', ports(5432, 5432)),
        entry(110, false, 'deny', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'allowed',
  },
  {
    id: 'N08',
    fact: 'An IPv4 NACL entry does not match IPv6 traffic: without an IPv6 allow the catch-all 32768 denies it.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
        entry(101, true, 'allow', '-1', '::/0'),
      ]),
    ],
    query: tcp('eni-a1', '2600:1f00:a:2::20', 443),
    verdict: 'blocked',
    decides: 'request network-acl ingress deny SUBNET_ACL_RESTRICTION',
    ruleNumber: 32768,
  },
  {
    id: 'N09',
    fact: 'Traffic between two addresses of one subnet is not evaluated by the NACL.',
    edits: [aclEntries('acl-pub', [])],
    query: tcp('eni-a1', 'eni-a3', 443),
    verdict: 'allowed',
  },
  {
    id: 'N10',
    fact: 'The source subnet NACL evaluates the request on its way out.',
    edits: [
      aclEntries('acl-pub', [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '6', '0.0.0.0/0', ports(443, 443))]),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'blocked',
    decides: 'request network-acl egress deny SUBNET_ACL_RESTRICTION',
    ruleNumber: 32767,
  },
  {
    id: 'N11',
    fact: 'An ICMP echo reply (type 0) needs its own NACL allow: a NACL that lets out only type 8 drops it.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '1', '0.0.0.0/0', { IcmpTypeCode: { Type: 8, Code: -1 } }),
      ]),
    ],
    query: { from: 'eni-a1', to: 'eni-a2', protocol: 'icmp', port: 8 },
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
  },
  {
    id: 'N12',
    fact: 'A NACL that lets echo replies (type 0) out passes the answer to a ping.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '1', '0.0.0.0/0', { IcmpTypeCode: { Type: 0, Code: -1 } }),
      ]),
    ],
    query: { from: 'eni-a1', to: 'eni-a2', protocol: 'icmp', port: 8 },
    verdict: 'allowed',
  },

  {
    id: 'N13',
    fact: 'NACL entries name a protocol: a NACL admitting TCP ephemeral ports refuses the UDP answers of a DNS server in another subnet.',
    edits: [
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(1024, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: { from: 'eni-a1', to: 'eni-a2', protocol: 'udp', port: 53 },
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N14',
    fact: 'Load balancers connect to their targets from ports 1024-65535: a target subnet that lets answers out to 32768-65535 only refuses part of them.',
    edits: [
      (s) => {
        s.NetworkInterfaces!.push({
          ...(s.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === 'eni-a3')! as object),
          NetworkInterfaceId: 'eni-lb',
          Description: 'ELB app/front/0123456789abcdef',
          RequesterId: 'amazon-elb',
          RequesterManaged: true,
          PrivateIpAddress: '10.0.1.50',
          PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.50', Primary: true }],
          Association: undefined,
        } as never);
      },
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(100, true, 'allow', '6', '0.0.0.0/0', ports(32768, 65535)),
      ]),
    ],
    query: tcp('eni-lb', 'eni-a2', 8080),
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
  },
  {
    id: 'N15',
    fact: 'The answer to an IPv6 request needs an IPv6 NACL entry: an IPv4-only outbound allow leaves it to the catch-all 32768.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(101, false, 'allow', '-1', '::/0'),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a1', '2600:1f00:a:2::20', 443),
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
    ruleNumber: 32768,
  },

  {
    id: 'N16',
    fact: 'A subnet without an explicit NACL association uses the VPC default NACL.',
    edits: [
      (s) => {
        s.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-b')!.Associations = [];
      },
      aclEntries('acl-b', [entry(100, false, 'allow', '6', '0.0.0.0/0', ports(22, 22)), entry(100, true, 'allow', '-1', '0.0.0.0/0')]),
    ],
    query: tcp('eni-a1', 'eni-b1', 443),
    verdict: 'blocked',
    decides: 'request network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N17',
    fact: 'An ICMPv6 echo request (128) is answered by an echo reply (129): a NACL letting out type 128 only drops the answer.',
    edits: [
      aclEntries('acl-priv', [
        entry(100, false, 'allow', '-1', '0.0.0.0/0'),
        entry(101, false, 'allow', '-1', '::/0'),
        entry(100, true, 'allow', '58', '::/0', { IcmpTypeCode: { Type: 128, Code: -1 } }),
      ]),
    ],
    query: { from: 'eni-a1', to: '2600:1f00:a:2::20', protocol: 'icmpv6', port: 128 },
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
  },
  {
    id: 'N20',
    fact: "A NAT gateway's subnet NACL that admits the private subnet and the answers on 1024-65535 passes the translated traffic both ways.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '-1', '10.0.0.0/16'),
        entry(110, false, 'allow', '6', '0.0.0.0/0', ports(1024, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'allowed',
  },

  {
    id: 'N18',
    fact: "A NAT gateway's subnet NACL filters the translated traffic too: it must let in the answers from the internet to the gateway's ports 1024-65535.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(443, 443)),
        entry(110, false, 'allow', '-1', '10.0.0.0/16'),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N19',
    fact: "A NAT gateway's subnet NACL must let the instances' requests in from the private subnet before the gateway can send them on.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '6', '0.0.0.0/0', ports(1024, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N21',
    fact: "The echo reply to a ping through a NAT gateway comes back in through the gateway's subnet NACL, which must admit ICMP from the destination.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [
        entry(100, false, 'allow', '-1', '10.0.0.0/16'),
        entry(110, false, 'allow', '6', '0.0.0.0/0', ports(1024, 65535)),
        entry(100, true, 'allow', '-1', '0.0.0.0/0'),
      ]),
    ],
    query: { from: 'eni-a2', to: '8.8.8.8', protocol: 'icmp', port: 8 },
    verdict: 'blocked',
    decides: 'reply network-acl ingress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N22',
    fact: "A NAT gateway's subnet NACL must let the translated request out to the destination: an outbound list that names only the VPC stops it at the gateway.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '-1', '10.0.0.0/16')]),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'request network-acl egress deny SUBNET_ACL_RESTRICTION',
  },

  {
    id: 'N23',
    fact: "A NAT gateway's subnet NACL must let the answers out to the instance's ephemeral ports: an outbound list that allows only the service port strands them at the gateway.",
    edits: [
      natInterface,
      aclEntries('acl-pub', [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '6', '0.0.0.0/0', ports(443, 443))]),
    ],
    query: tcp('eni-a2', '8.8.8.8', 443),
    verdict: 'blocked',
    decides: 'reply network-acl egress deny SUBNET_ACL_RESTRICTION',
  },

  // Security groups
  {
    id: 'S01',
    fact: 'Security groups are stateful: a group with no outbound rule still lets the answer of an allowed inbound connection out.',
    edits: [
      addGroup(group('sg-a-in-only', 'vpc-a', [tcpFrom(443, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] })], [])),
      groups('eni-a2', 'sg-a-in-only'),
    ],
    query: tcp('eni-a1', 'eni-a2', 443),
    verdict: 'allowed',
  },
  {
    id: 'S02',
    fact: 'A group without an outbound rule refuses new outbound connections.',
    edits: [addGroup(group('sg-a-no-egress', 'vpc-a', allOpen, [])), groups('eni-a1', 'sg-a-no-egress')],
    query: tcp('eni-a1', 'eni-a2', 443),
    verdict: 'blocked',
    decides: 'request security-group egress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'S03',
    fact: 'The rules of every group of an interface are aggregated: one group for 22, another for 443, 443 is allowed.',
    edits: [
      addGroup(group('sg-a-ssh', 'vpc-a', [tcpFrom(22, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] })])),
      addGroup(group('sg-a-https', 'vpc-a', [tcpFrom(443, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] })])),
      groups('eni-a2', 'sg-a-ssh', 'sg-a-https'),
    ],
    query: tcp('eni-a1', 'eni-a2', 443),
    verdict: 'allowed',
  },
  {
    id: 'S04',
    fact: 'A rule referencing a group admits the private addresses of the interfaces that carry it.',
    edits: [
      addGroup(group('sg-a-app', 'vpc-a')),
      addGroup(group('sg-a-db', 'vpc-a', [tcpFrom(5432, refTo('sg-a-app'))])),
      groups('eni-a1', 'sg-a-app'),
      groups('eni-a2', 'sg-a-db'),
    ],
    query: tcp('eni-a1', 'eni-a2', 5432),
    verdict: 'allowed',
  },
  {
    id: 'S05',
    fact: 'A rule referencing a group does not admit an interface that does not carry it.',
    edits: [
      addGroup(group('sg-a-app', 'vpc-a')),
      addGroup(group('sg-a-db', 'vpc-a', [tcpFrom(5432, refTo('sg-a-app'))])),
      groups('eni-a1', 'sg-a-app'),
      groups('eni-a2', 'sg-a-db'),
    ],
    query: tcp('eni-a3', 'eni-a2', 5432),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },

  {
    id: 'S06',
    fact: 'A rule for a CIDR admits only addresses inside it: 10.0.1.0/24 does not admit 10.0.2.20.',
    edits: [addGroup(group('sg-a-web', 'vpc-a', [tcpFrom(443, { IpRanges: [{ CidrIp: '10.0.1.0/24' }] })])), groups('eni-a3', 'sg-a-web')],
    query: tcp('eni-a2', 'eni-a3', 443),
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'S07',
    fact: 'An ICMP rule for echo request (type 8) does not admit a timestamp request (type 13).',
    edits: [
      addGroup(group('sg-a-ping', 'vpc-a', [{ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }])),
      groups('eni-a2', 'sg-a-ping'),
    ],
    query: { from: 'eni-a1', to: 'eni-a2', protocol: 'icmp', port: 13 },
    verdict: 'blocked',
    decides: 'request security-group ingress deny ENI_SG_RULES_MISMATCH',
  },
  {
    id: 'S08',
    fact: 'A group that references itself admits every interface carrying it.',
    edits: [
      addGroup(group('sg-a-cluster', 'vpc-a', [{ IpProtocol: '-1', ...refTo('sg-a-cluster') }])),
      groups('eni-a1', 'sg-a-cluster'),
      groups('eni-a2', 'sg-a-cluster'),
    ],
    query: tcp('eni-a1', 'eni-a2', 7000),
    verdict: 'allowed',
  },
  {
    id: 'S09',
    fact: 'A rule of protocol -1 (all) admits ICMP too.',
    edits: [
      addGroup(group('sg-a-all-internal', 'vpc-a', [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }])),
      groups('eni-a2', 'sg-a-all-internal'),
    ],
    query: { from: 'eni-a1', to: 'eni-a2', protocol: 'icmp', port: 8 },
    verdict: 'allowed',
  },

  {
    id: 'S10',
    fact: 'A rule naming a prefix list admits its entries: when the snapshot lacks them, whether it admits the client cannot be told.',
    edits: [
      (s) => {
        (s.ManagedPrefixLists ??= []).push({ PrefixListId: 'pl-office', PrefixListName: 'office', AddressFamily: 'IPv4', OwnerId: OWNER });
      },
      addGroup(
        group('sg-a-office', 'vpc-a', [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: 'pl-office' }] }]),
      ),
      groups('eni-a2', 'sg-a-office'),
    ],
    query: tcp('eni-a1', 'eni-a2', 22),
    verdict: 'unknown',
    decides: 'request security-group ingress unknown',
  },

  // Traffic no control filters
  {
    id: 'U01',
    fact: 'Security groups and NACLs do not filter traffic to the Amazon DNS server (VPC base + 2).',
    edits: [addGroup(group('sg-a-no-egress', 'vpc-a', [], [])), groups('eni-a2', 'sg-a-no-egress'), aclEntries('acl-priv', [])],
    query: { from: 'eni-a2', to: '10.0.0.2', protocol: 'udp', port: 53 },
    verdict: 'allowed',
  },
  {
    id: 'U02',
    fact: 'Security groups and NACLs do not filter traffic to the instance metadata service 169.254.169.254.',
    edits: [addGroup(group('sg-a-no-egress', 'vpc-a', [], [])), groups('eni-a2', 'sg-a-no-egress'), aclEntries('acl-priv', [])],
    query: tcp('eni-a2', '169.254.169.254', 80),
    verdict: 'allowed',
  },
  {
    id: 'U03',
    fact: 'Security groups and NACLs do not filter traffic to the Amazon Time Sync Service (169.254.169.123).',
    edits: [addGroup(group('sg-a-no-egress', 'vpc-a', [], [])), groups('eni-a2', 'sg-a-no-egress'), aclEntries('acl-priv', [])],
    query: { from: 'eni-a2', to: '169.254.169.123', protocol: 'udp', port: 123 },
    verdict: 'allowed',
  },
];

// ---- running them -------------------------------------------------------------------------------

function snapshotOf(s: Scenario): NetworkSnapshot {
  const snapshot = base();
  for (const edit of s.edits ?? []) edit(snapshot);
  // Through JSON, as a snapshot file would come: edits that set a member to undefined remove it.
  return validateSnapshot(JSON.parse(JSON.stringify(snapshot)));
}

const hopLine = (leg: 'request' | 'reply', h: PathHop): string =>
  [leg, h.hop, h.direction, h.verdict, h.explanationCode].filter(Boolean).join(' ');

/** The first hop of the request, then of the reply, with `wanted` verdict. */
function decidingHop(result: PathVerdict, wanted: 'deny' | 'unknown'): { line: string; hop: PathHop } | null {
  for (const [leg, hops] of [
    ['request', result.hops],
    ['reply', result.reply.hops],
  ] as const) {
    const hop = hops.find((h) => h.verdict === wanted);
    if (hop) return { line: hopLine(leg, hop), hop };
  }
  return null;
}

function routeLine(result: PathVerdict): string | null {
  const hop = result.hops.find((h) => h.hop === 'route');
  if (!hop) return null;
  const rule = hop.rule && 'targetType' in hop.rule ? hop.rule : null;
  return [hop.verdict, rule?.targetType, hop.routeTableId].filter(Boolean).join(' ');
}

describe('why: labelled scenarios from AWS documented behaviour', () => {
  it('has at least forty scenarios with distinct ids', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
  });

  it.each(scenarios.map((s) => [`${s.id} ${s.fact}`, s] as const))('%s', (_name, s) => {
    const result = analyzePath(NetworkModel.fromSnapshot(snapshotOf(s)), parsePathQuery(s.query));
    const deciding = s.verdict === 'allowed' ? null : decidingHop(result, s.verdict === 'blocked' ? 'deny' : 'unknown');
    const seen = {
      verdict: result.verdict,
      decides: deciding?.line ?? null,
      route: routeLine(result),
      ruleNumber: deciding?.hop.rule && 'ruleNumber' in deciding.hop.rule ? deciding.hop.rule.ruleNumber : null,
    };
    expect(seen.verdict, JSON.stringify({ seen, reason: result.reason })).toBe(s.verdict);
    if (s.decides !== undefined) expect(seen.decides ?? '').toMatch(new RegExp(`^${s.decides}`));
    if (s.route !== undefined) expect(seen.route ?? '').toMatch(new RegExp(`^${s.route}`));
    if (s.ruleNumber !== undefined) expect(seen.ruleNumber).toBe(s.ruleNumber);
  });
});

describe('why: a verified fix for every path a security group or NACL blocks', () => {
  const blockedByControls = scenarios.filter(
    (s) => s.verdict === 'blocked' && /^(request|reply) (security-group|network-acl)/.test(s.decides ?? ''),
  );

  it.each(blockedByControls.map((s) => [`${s.id} ${s.fact}`, s] as const))('%s', (_name, s) => {
    const model = NetworkModel.fromSnapshot(snapshotOf(s));
    const analysis = explainPath(model, parsePathQuery(s.query));
    expect(analysis.verdict).toBe('blocked');
    const fix = analysis.suggestedFix;
    expect(fix, analysis.reason).not.toBeNull();
    expect(fix!.verified, JSON.stringify(fix!.risks)).toBe(true);
  });

  it('proposes no IPv6 entry for a NAT gateway translating to IPv4 (NAT64): its subnet sees IPv4 packets there', () => {
    const snapshot = snapshotOf({
      id: 'NAT64',
      fact: '',
      query: tcp('eni-a2', '64:ff9b::c633:6409', 443),
      verdict: 'blocked',
      edits: [
        natInterface,
        addRoutes('rtb-a-priv', route('64:ff9b::/96', { NatGatewayId: 'nat-a' })),
        aclEntries('acl-pub', [
          entry(50, true, 'deny', '6', '::/0', ports(443, 443)),
          entry(51, true, 'deny', '6', '0.0.0.0/0', ports(443, 443)),
          entry(100, false, 'allow', '-1', '0.0.0.0/0'),
          entry(101, false, 'allow', '-1', '::/0'),
          entry(100, true, 'allow', '-1', '0.0.0.0/0'),
          entry(101, true, 'allow', '-1', '::/0'),
        ]),
      ],
    });
    const analysis = explainPath(NetworkModel.fromSnapshot(snapshot), parsePathQuery(tcp('eni-a2', '64:ff9b::c633:6409', 443)));
    const onGatewaySubnet = (analysis.suggestedFix?.changes ?? []).filter((c) => c.params.NetworkAclId === 'acl-pub');
    expect(onGatewaySubnet).toEqual([]);
    expect(analysis.suggestedFix?.verified ?? false).toBe(false);
  });

  it("opens a NAT gateway's subnet to the answers on the gateway's own ports (1024-65535), not the instance's", () => {
    const s = scenarios.find((x) => x.id === 'N18')!;
    const fix = explainPath(NetworkModel.fromSnapshot(snapshotOf(s)), parsePathQuery(s.query)).suggestedFix!;
    expect(fix.changes.map((c) => c.params)).toEqual([
      {
        NetworkAclId: 'acl-pub',
        RuleNumber: 120,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '8.8.8.8/32',
        PortRange: { From: 1024, To: 65535 },
      },
    ]);
  });
});
