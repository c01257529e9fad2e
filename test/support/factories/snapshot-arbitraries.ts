import fc from 'fast-check';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type {
  IpPermission,
  NetworkAclEntry,
  NetworkSnapshot,
  RouteTable,
  SecurityGroupRule,
  TransitGatewayVpcAttachment,
} from '../../../src/engine/network/snapshot';

/*
 * fast-check generators of small random snapshots and flows over a deliberately tiny universe
 * (two VPCs, three subnets, a handful of groups, ACLs, addresses and ports), so random rules and
 * random flows hit each other often: group references, prefix lists, IPv6, ICMP, peering,
 * same-subnet peers, unknown groups/interfaces and return traffic all occur. The two VPCs may
 * also route each other through transit gateway tgw-1 (subnet-a2 sometimes by the peering
 * instead), with the gateway and attachments in every setting and state that decides a group
 * reference across it, listed, missing or refused.
 */

export const ADDRESSES = [
  '10.0.1.10',
  '10.0.1.11',
  '10.0.2.20',
  '10.0.2.21',
  '10.1.1.30',
  '10.0.3.5',
  '203.0.113.7',
  '198.51.100.9',
  '100.64.1.1',
  '192.168.1.1',
  '2600:1f00:a:1::10',
  '2600:1f00:a:1::11',
  '2001:db8::5',
];
const CIDRS_V4 = [
  '0.0.0.0/0',
  '10.0.0.0/16',
  '10.0.1.0/24',
  '10.0.2.20/32',
  '203.0.113.0/24',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '10.1.0.0/16',
];
const CIDRS_V6 = ['::/0', '2600:1f00:a::/56', '2600:1f00:a:1::10/128', '2001:db8::/32'];
const PORTS = [22, 53, 80, 443, 1024, 8080, 32768, 50000, 65535];
const GROUPS = ['sg-1', 'sg-2', 'sg-3', 'sg-4'];
/** sg-9 is referenced and carried but never described: a group of another account. */
const ALL_GROUPS = [...GROUPS, 'sg-9'];

const portRange = fc.tuple(fc.constantFrom(...PORTS), fc.constantFrom(...PORTS)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

const permission: fc.Arbitrary<IpPermission> = fc
  .record({
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6', '-1', '6', '17', '50'),
    ports: portRange,
    icmpType: fc.constantFrom(-1, -1, 8),
    v4: fc.subarray(CIDRS_V4, { maxLength: 2 }),
    v6: fc.subarray(CIDRS_V6, { maxLength: 1 }),
    pl: fc.subarray(['pl-1', 'pl-2'], { maxLength: 1 }),
    refs: fc.subarray(ALL_GROUPS, { maxLength: 2 }),
  })
  .map(({ protocol, ports, icmpType, v4, v6, pl, refs }) => {
    const p: IpPermission = {
      IpProtocol: protocol,
      IpRanges: v4.map((CidrIp) => ({ CidrIp })),
      Ipv6Ranges: v6.map((CidrIpv6) => ({ CidrIpv6 })),
      PrefixListIds: pl.map((PrefixListId) => ({ PrefixListId })),
      UserIdGroupPairs: refs.map((GroupId) => ({ GroupId, UserId: GroupId === 'sg-9' ? '999999999999' : '111111111111' })),
    };
    if (protocol === 'tcp' || protocol === 'udp' || protocol === '6' || protocol === '17') {
      p.FromPort = ports[0];
      p.ToPort = ports[1];
    } else if (protocol === 'icmp' || protocol === 'icmpv6') {
      p.FromPort = icmpType;
      p.ToPort = -1;
    } else {
      p.FromPort = -1;
      p.ToPort = -1;
    }
    return p;
  });

const naclEntry = (egress: boolean): fc.Arbitrary<NetworkAclEntry> =>
  fc
    .record({
      rule: fc.integer({ min: 1, max: 300 }),
      protocol: fc.constantFrom('-1', '6', '17', '1', '58'),
      allow: fc.boolean(),
      cidr: fc.constantFrom(...CIDRS_V4, ...CIDRS_V6),
      ports: portRange,
      icmpType: fc.constantFrom(-1, -1, 0),
    })
    .map(({ rule, protocol, allow, cidr, ports, icmpType }) => {
      const e: NetworkAclEntry = { RuleNumber: rule, Protocol: protocol, RuleAction: allow ? 'allow' : 'deny', Egress: egress };
      if (cidr.includes(':')) e.Ipv6CidrBlock = cidr;
      else e.CidrBlock = cidr;
      if (protocol === '6' || protocol === '17') e.PortRange = { From: ports[0], To: ports[1] };
      if (protocol === '1' || protocol === '58') e.IcmpTypeCode = { Type: icmpType, Code: -1 };
      return e;
    });

/**
 * A band of TCP ports denied ahead of an entry that lets everything through, in one direction
 * (egress when true): what a collapsed range of client ports can straddle with both its ends let through.
 */
const midBand = (egress: boolean): NetworkAclEntry[] => [
  { RuleNumber: 5, Protocol: '6', RuleAction: 'deny', Egress: egress, CidrBlock: '0.0.0.0/0', PortRange: { From: 50000, To: 50000 } },
  { RuleNumber: 6, Protocol: '-1', RuleAction: 'allow', Egress: egress, CidrBlock: '0.0.0.0/0' },
];

const entries = fc
  .tuple(
    fc.array(naclEntry(false), { maxLength: 4 }),
    fc.array(naclEntry(true), { maxLength: 4 }),
    fc.constantFrom<boolean | null>(null, null, null, null, false, true),
  )
  .map(([a, b, band]) => {
    const seen = new Set<string>();
    const unique = [...(band === null ? [] : midBand(band)), ...a, ...b].filter(
      (e) => !seen.has(`${e.Egress}:${e.RuleNumber}`) && seen.add(`${e.Egress}:${e.RuleNumber}`),
    );
    return [
      ...unique,
      { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
      { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
      { RuleNumber: 32768, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '::/0' },
    ] as NetworkAclEntry[];
  });

/** What the snapshot says of transit gateway tgw-1 and the attachments of vpc-a and vpc-b to it. */
const SETTINGS = ['absent', 'enable', 'enable', 'disable', 'unset', 'modifying', 'pending'] as const;
type Setting = (typeof SETTINGS)[number];
const transitGateways = fc.record({
  routes: fc.constantFrom('none', 'main', 'main', 'main+a2'),
  gateway: fc.constantFrom(...SETTINGS),
  gatewayOwner: fc.constantFrom('111111111111', '333333333333'),
  attachA: fc.constantFrom(...SETTINGS),
  attachB: fc.constantFrom(...SETTINGS),
  attachments: fc.constantFrom('listed', 'listed', 'absent', 'refused'),
  vpcBOwner: fc.constantFrom(undefined, '111111111111', '333333333333'),
});

function transitGatewayMembers(t: typeof transitGateways extends fc.Arbitrary<infer T> ? T : never): Partial<NetworkSnapshot> {
  if (t.routes === 'none') return {};
  const local = (DestinationCidrBlock: string) => ({ DestinationCidrBlock, GatewayId: 'local', State: 'active' });
  const viaGateway = (DestinationCidrBlock: string) => ({ DestinationCidrBlock, TransitGatewayId: 'tgw-1', State: 'active' });
  const RouteTables: RouteTable[] = [
    { RouteTableId: 'rtb-a', VpcId: 'vpc-a', Associations: [{ Main: true }], Routes: [local('10.0.0.0/16'), viaGateway('10.1.0.0/16')] },
    { RouteTableId: 'rtb-b', VpcId: 'vpc-b', Associations: [{ Main: true }], Routes: [local('10.1.0.0/16'), viaGateway('10.0.0.0/16')] },
  ];
  if (t.routes === 'main+a2') {
    RouteTables.push({
      RouteTableId: 'rtb-a2',
      VpcId: 'vpc-a',
      Associations: [{ SubnetId: 'subnet-a2' }],
      Routes: [local('10.0.0.0/16'), { DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-1', State: 'active' }],
    });
  }
  const state = (setting: Setting) => (setting === 'modifying' ? 'modifying' : setting === 'pending' ? 'pending' : 'available');
  const options = (setting: Setting) =>
    setting === 'enable' || setting === 'disable' ? { Options: { SecurityGroupReferencingSupport: setting } } : {};
  const attachment = (vpc: 'a' | 'b', setting: Setting): TransitGatewayVpcAttachment[] =>
    setting === 'absent'
      ? []
      : [
          {
            TransitGatewayAttachmentId: `tgw-attach-${vpc}`,
            TransitGatewayId: 'tgw-1',
            VpcId: `vpc-${vpc}`,
            State: setting === 'pending' ? 'pendingAcceptance' : state(setting),
            ...options(setting),
          },
        ];
  return {
    RouteTables,
    ...(t.gateway === 'absent'
      ? {}
      : { TransitGateways: [{ TransitGatewayId: 'tgw-1', OwnerId: t.gatewayOwner, State: state(t.gateway), ...options(t.gateway) }] }),
    ...(t.attachments === 'listed' ? { TransitGatewayVpcAttachments: [...attachment('a', t.attachA), ...attachment('b', t.attachB)] } : {}),
    ...(t.attachments === 'refused'
      ? {
          NotRead: [
            {
              Member: 'TransitGatewayVpcAttachments',
              Action: 'ec2:DescribeTransitGatewayVpcAttachments',
              AccountId: '111111111111',
              ErrorCode: 'UnauthorizedOperation',
            },
          ],
        }
      : {}),
  };
}

const ENI_ADDRESSES = ['10.0.1.10', '10.0.1.11', '10.0.2.20', '10.0.2.21', '10.1.1.30'];
const SUBNET_OF: Record<string, [string, string]> = {
  '10.0.1': ['subnet-a1', 'vpc-a'],
  '10.0.2': ['subnet-a2', 'vpc-a'],
  '10.1.1': ['subnet-b1', 'vpc-b'],
};

/** A random snapshot over the tiny universe. */
export const snapshotArbitrary: fc.Arbitrary<NetworkSnapshot> = fc
  .record({
    groups: fc.array(fc.tuple(fc.array(permission, { maxLength: 3 }), fc.array(permission, { maxLength: 2 }), fc.boolean()), {
      minLength: 4,
      maxLength: 4,
    }),
    enis: fc.array(
      fc.record({
        address: fc.constantFrom(...ENI_ADDRESSES),
        v6: fc.boolean(),
        groups: fc.subarray(ALL_GROUPS, { minLength: 0, maxLength: 3 }),
        publicIp: fc.boolean(),
        // Load balancers and NAT gateways (client ports 1024–65535), known by description or by type alone.
        kind: fc.constantFrom('instance', 'instance', 'instance', 'elb', 'nlb-type', 'nat', 'nat-type'),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    peering: fc.constantFrom('active', 'pending-acceptance', 'none'),
    naclA: entries,
    naclA2: entries,
    naclB: entries,
    a2Explicit: fc.boolean(),
    plKnown: fc.boolean(),
    tgw: transitGateways,
  })
  .map(({ groups, enis, peering, naclA, naclA2, naclB, a2Explicit, plKnown, tgw }) => {
    const securityGroups: NetworkSnapshot['SecurityGroups'] = [];
    const rules: SecurityGroupRule[] = [];
    groups.forEach(([ingress, egress, asRules], i) => {
      const GroupId = GROUPS[i];
      const VpcId = i === 3 ? 'vpc-b' : 'vpc-a';
      if (!asRules) {
        securityGroups.push({ GroupId, VpcId, OwnerId: '111111111111', IpPermissions: ingress, IpPermissionsEgress: egress });
        return;
      }
      // Described the DescribeSecurityGroupRules way: one rule per peer.
      securityGroups.push({ GroupId, VpcId, OwnerId: '111111111111', IpPermissions: [], IpPermissionsEgress: [] });
      for (const [list, egressFlag] of [
        [ingress, false],
        [egress, true],
      ] as const) {
        for (const p of list) {
          const base = { GroupId, IsEgress: egressFlag, IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort };
          for (const r of p.IpRanges ?? []) rules.push({ ...base, CidrIpv4: r.CidrIp });
          for (const r of p.Ipv6Ranges ?? []) rules.push({ ...base, CidrIpv6: r.CidrIpv6 });
          for (const r of p.PrefixListIds ?? []) rules.push({ ...base, PrefixListId: r.PrefixListId });
          for (const r of p.UserIdGroupPairs ?? []) rules.push({ ...base, ReferencedGroupInfo: { GroupId: r.GroupId, UserId: r.UserId } });
        }
      }
    });
    const networkInterfaces = enis.map((e, i) => {
      const [SubnetId, VpcId] = SUBNET_OF[e.address.split('.').slice(0, 3).join('.')];
      const nat = e.kind === 'nat' || e.kind === 'nat-type';
      return {
        NetworkInterfaceId: `eni-${i + 1}`,
        SubnetId,
        VpcId,
        InterfaceType: e.kind === 'nlb-type' ? 'network_load_balancer' : e.kind === 'nat-type' ? 'nat_gateway' : 'interface',
        ...(e.kind === 'elb' ? { Description: 'ELB app/shop/0123456789abcdef' } : {}),
        ...(e.kind === 'nat' ? { Description: 'Interface for NAT Gateway nat-0123' } : {}),
        PrivateIpAddress: e.address,
        PrivateIpAddresses: [
          { PrivateIpAddress: e.address, Primary: true, ...(e.publicIp ? { Association: { PublicIp: '198.51.100.9' } } : {}) },
        ],
        Ipv6Addresses: e.v6 && SubnetId === 'subnet-a1' ? [{ Ipv6Address: `2600:1f00:a:1::${10 + (i % 2)}` }] : [],
        Groups: nat ? [] : e.groups.map((GroupId) => ({ GroupId })),
      };
    });
    const snapshot: NetworkSnapshot = {
      Vpcs: [
        { VpcId: 'vpc-a', CidrBlock: '10.0.0.0/16', Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:a::/56' }] },
        { VpcId: 'vpc-b', CidrBlock: '10.1.0.0/16', ...(tgw.vpcBOwner ? { OwnerId: tgw.vpcBOwner } : {}) },
      ],
      Subnets: [
        {
          SubnetId: 'subnet-a1',
          VpcId: 'vpc-a',
          CidrBlock: '10.0.1.0/24',
          Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f00:a:1::/64' }],
        },
        { SubnetId: 'subnet-a2', VpcId: 'vpc-a', CidrBlock: '10.0.2.0/24' },
        { SubnetId: 'subnet-b1', VpcId: 'vpc-b', CidrBlock: '10.1.1.0/24' },
      ],
      SecurityGroups: securityGroups,
      SecurityGroupRules: rules,
      NetworkInterfaces: networkInterfaces,
      NetworkAcls: [
        {
          NetworkAclId: 'acl-a',
          VpcId: 'vpc-a',
          IsDefault: true,
          Associations: [{ SubnetId: 'subnet-a1' }, ...(a2Explicit ? [] : [{ SubnetId: 'subnet-a2' }])],
          Entries: naclA,
        },
        {
          NetworkAclId: 'acl-a2',
          VpcId: 'vpc-a',
          IsDefault: false,
          Associations: a2Explicit ? [{ SubnetId: 'subnet-a2' }] : [],
          Entries: naclA2,
        },
        { NetworkAclId: 'acl-b', VpcId: 'vpc-b', IsDefault: true, Associations: [], Entries: naclB },
      ],
      VpcPeeringConnections:
        peering === 'none'
          ? []
          : [
              {
                VpcPeeringConnectionId: 'pcx-1',
                Status: { Code: peering },
                RequesterVpcInfo: { VpcId: 'vpc-a' },
                AccepterVpcInfo: { VpcId: 'vpc-b' },
              },
            ],
      PrefixListEntries: {
        'pl-1': [{ Cidr: '10.0.2.0/24' }, { Cidr: '203.0.113.0/24' }],
        ...(plKnown ? { 'pl-2': [{ Cidr: '2001:db8::/32' }] } : {}),
      },
      ...transitGatewayMembers(tgw),
    };
    return snapshot;
  });

/** A random flow at one of the generated interfaces (or an unknown one), ACCEPT or REJECT. */
export function flowArbitrary(action?: 'ACCEPT' | 'REJECT'): fc.Arbitrary<FlowAggregate> {
  return fc
    .record({
      eni: fc.constantFrom('eni-1', 'eni-2', 'eni-3', 'eni-1', 'eni-2', 'eni-404'),
      ownSide: fc.constantFrom('src', 'dst', 'dst', 'none'),
      own: fc.constantFrom(...ENI_ADDRESSES, '2600:1f00:a:1::10', '2600:1f00:a:1::11'),
      other: fc.constantFrom(...ADDRESSES),
      srcport: fc.constantFrom(...PORTS, null),
      dstport: fc.constantFrom(...PORTS, null),
      protocol: fc.constantFrom(6, 6, 17, 1, 58, 50),
      flowDirection: fc.constantFrom(null, null, 'ingress', 'egress') as fc.Arbitrary<'ingress' | 'egress' | null>,
      tcpFlags: fc.constantFrom(null, 0, 2, 18, 19, 1, 4, 3),
      action: action ? fc.constant(action) : (fc.constantFrom('ACCEPT', 'REJECT') as fc.Arbitrary<'ACCEPT' | 'REJECT'>),
      bpa: fc.integer({ min: 0, max: 20 }),
      // The client ports of an aggregate that collapsed its destination side: the lowest and the highest it saw.
      collapsed: fc.constantFrom<[number, number] | null>(null, null, null, [1024, 65535], [32768, 60999], [1025, 50000], [40000, 62000]),
    })
    .map((r) => {
      const ported = r.protocol === 6 || r.protocol === 17;
      const [srcaddr, dstaddr] = r.ownSide === 'src' ? [r.own, r.other] : r.ownSide === 'dst' ? [r.other, r.own] : [r.other, r.other];
      return {
        interfaceId: r.eni,
        accountId: '111111111111',
        vpcId: null,
        subnetId: null,
        flowDirection: r.flowDirection,
        srcaddr,
        dstaddr,
        srcport: ported ? (r.srcport ?? 443) : null,
        dstport: ported ? (r.dstport ?? 50000) : null,
        protocol: r.protocol,
        action: r.action,
        tcpFlags: r.protocol === 6 ? r.tcpFlags : null,
        rejectReason: r.bpa === 0 ? 'BPA' : r.bpa === 1 ? 'EC' : null,
        ...(ported && r.collapsed
          ? { dstport: r.collapsed[0], servicePortSide: 'src' as const, ephemeralPortMin: r.collapsed[0], ephemeralPortMax: r.collapsed[1] }
          : { servicePortSide: null, ephemeralPortMin: null, ephemeralPortMax: null }),
        records: 1,
        packets: 1,
        bytes: 40,
        firstSeen: 1700000000,
        lastSeen: 1700000060,
      };
    });
}
