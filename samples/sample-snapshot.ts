import type {
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  NetworkSnapshot,
  SecurityGroup,
  Subnet,
} from '../src/engine/network/snapshot';
import {
  ACCOUNT_ID,
  ACL,
  ALB_DESCRIPTION,
  CORP_IPV4,
  CORP_IPV6,
  ENI,
  EniSpec,
  FLOW_LOG,
  LAMBDA_DESCRIPTION,
  NAT_GATEWAY_ID,
  PEERING_ID,
  PREFIX_LIST_CORP,
  REGION,
  SG,
  SUBNETS,
  SubnetSpec,
  VPC,
  VPC_ENDPOINT_ID,
} from './scenario';

/**
 * Builds the sample network snapshot: what `aws ec2 describe-…` would print for the scenario in
 * scenario.ts. The misconfigurations the README lists are deliberate; comments mark them.
 */
export function buildSnapshot(): NetworkSnapshot {
  return {
    Vpcs: buildVpcs(),
    Subnets: Object.values(SUBNETS).map(buildSubnet),
    SecurityGroups: buildSecurityGroups(),
    NetworkAcls: buildNetworkAcls(),
    NetworkInterfaces: Object.values(ENI).map(buildInterface),
    ManagedPrefixLists: [
      {
        PrefixListId: PREFIX_LIST_CORP,
        PrefixListName: 'corp-vpn',
        AddressFamily: 'IPv4',
        MaxEntries: 10,
        OwnerId: ACCOUNT_ID,
        Version: 3,
      },
    ],
    PrefixListEntries: { [PREFIX_LIST_CORP]: [{ Cidr: CORP_IPV4, Description: 'corporate VPN egress' }] },
    VpcPeeringConnections: [
      {
        VpcPeeringConnectionId: PEERING_ID,
        Status: { Code: 'active', Message: 'Active' },
        RequesterVpcInfo: {
          VpcId: VPC.shop.id,
          OwnerId: ACCOUNT_ID,
          Region: REGION,
          CidrBlock: VPC.shop.cidr,
          CidrBlockSet: [{ CidrBlock: VPC.shop.cidr }],
          Ipv6CidrBlockSet: [{ Ipv6CidrBlock: VPC.shop.ipv6 }],
        },
        AccepterVpcInfo: {
          VpcId: VPC.shared.id,
          OwnerId: ACCOUNT_ID,
          Region: REGION,
          CidrBlock: VPC.shared.cidr,
          CidrBlockSet: [{ CidrBlock: VPC.shared.cidr }],
        },
      },
    ],
    FlowLogs: Object.values(FLOW_LOG).map((log) => ({
      FlowLogId: log.id,
      ResourceId: log.resourceId,
      TrafficType: log.trafficType,
      LogDestinationType: 's3',
      LogDestination: `arn:aws:s3:::shop-flow-logs-${ACCOUNT_ID}`,
      LogFormat: log.fields.map((f) => '${' + f + '}').join(' '),
      FlowLogStatus: 'ACTIVE',
      MaxAggregationInterval: 60,
    })),
  };
}

const name = (value: string) => [{ Key: 'Name', Value: value }];

function buildVpcs(): NetworkSnapshot['Vpcs'] {
  return [
    {
      VpcId: VPC.shop.id,
      CidrBlock: VPC.shop.cidr,
      OwnerId: ACCOUNT_ID,
      IsDefault: false,
      CidrBlockAssociationSet: [{ CidrBlock: VPC.shop.cidr, CidrBlockState: { State: 'associated' } }],
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: VPC.shop.ipv6, Ipv6CidrBlockState: { State: 'associated' } }],
      Tags: name('shop'),
    },
    {
      VpcId: VPC.shared.id,
      CidrBlock: VPC.shared.cidr,
      OwnerId: ACCOUNT_ID,
      IsDefault: false,
      CidrBlockAssociationSet: [{ CidrBlock: VPC.shared.cidr, CidrBlockState: { State: 'associated' } }],
      Ipv6CidrBlockAssociationSet: [],
      Tags: name('shared-services'),
    },
  ];
}

function buildSubnet(s: SubnetSpec): Subnet {
  return {
    SubnetId: s.id,
    VpcId: s.vpcId,
    CidrBlock: s.cidr,
    AvailabilityZone: s.az,
    AvailabilityZoneId: s.azId,
    OwnerId: ACCOUNT_ID,
    MapPublicIpOnLaunch: false,
    Ipv6CidrBlockAssociationSet: s.ipv6 ? [{ Ipv6CidrBlock: s.ipv6, Ipv6CidrBlockState: { State: 'associated' } }] : [],
    Tags: name(s.name),
  };
}

// ----- security groups ------------------------------------------------------------------------

const perm = (protocol: string, from: number | undefined, to: number | undefined, peers: Partial<IpPermission>): IpPermission => ({
  IpProtocol: protocol,
  ...(from === undefined ? {} : { FromPort: from, ToPort: to }),
  IpRanges: peers.IpRanges ?? [],
  Ipv6Ranges: peers.Ipv6Ranges ?? [],
  PrefixListIds: peers.PrefixListIds ?? [],
  UserIdGroupPairs: peers.UserIdGroupPairs ?? [],
});
const cidr4 = (CidrIp: string, Description?: string) => ({ IpRanges: [{ CidrIp, ...(Description ? { Description } : {}) }] });
const group = (GroupId: string, Description?: string) => ({
  UserIdGroupPairs: [{ GroupId, UserId: ACCOUNT_ID, ...(Description ? { Description } : {}) }],
});
const allOut: IpPermission[] = [
  perm('-1', undefined, undefined, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
];

function sg(
  GroupId: string,
  GroupName: string,
  Description: string,
  VpcId: string,
  IpPermissions: IpPermission[],
  IpPermissionsEgress: IpPermission[],
): SecurityGroup {
  return { GroupId, GroupName, Description, VpcId, OwnerId: ACCOUNT_ID, IpPermissions, IpPermissionsEgress, Tags: name(GroupName) };
}

function buildSecurityGroups(): SecurityGroup[] {
  const shop = VPC.shop.id;
  return [
    sg(SG.shopDefault, 'default', 'default VPC security group', shop, [perm('-1', undefined, undefined, group(SG.shopDefault))], allOut),
    sg(
      SG.alb,
      'shop-web-alb',
      'Internet-facing ALB shop-web',
      shop,
      [
        perm('tcp', 443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
        perm('tcp', 80, 80, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
      ],
      [perm('tcp', 8080, 8080, group(SG.app, 'targets and health checks'))],
    ),
    // Deliberate: 8443 (internal admin API) is open to the app group only, not to batch.
    sg(
      SG.app,
      'shop-app',
      'Shop application servers',
      shop,
      [
        perm('tcp', 8080, 8080, group(SG.alb, 'from the ALB')),
        perm('tcp', 8443, 8443, group(SG.app, 'admin API between app servers')),
        perm('tcp', 22, 22, group(SG.bastion, 'SSH from the bastion')),
      ],
      allOut,
    ),
    // Shared by app and batch instances. The ICMP rule is type-specific (echo request only).
    sg(
      SG.nodeExporter,
      'node-exporter',
      'Prometheus exporters, scraped from shared-services',
      shop,
      [
        perm('tcp', 9100, 9102, {
          UserIdGroupPairs: [
            {
              GroupId: SG.monitoring,
              UserId: ACCOUNT_ID,
              VpcId: VPC.shared.id,
              VpcPeeringConnectionId: PEERING_ID,
              PeeringStatus: 'active',
              Description: 'prometheus',
            },
          ],
        }),
        perm('icmp', 8, -1, cidr4(VPC.shared.cidr, 'ping from monitoring')),
      ],
      [],
    ),
    sg(SG.batch, 'shop-batch', 'Batch workers', shop, [perm('tcp', 22, 22, group(SG.bastion, 'SSH from the bastion'))], allOut),
    sg(
      SG.db,
      'shop-db',
      'RDS PostgreSQL shop-orders',
      shop,
      [
        perm('tcp', 5432, 5432, {
          UserIdGroupPairs: [
            { GroupId: SG.app, UserId: ACCOUNT_ID, Description: 'app' },
            { GroupId: SG.batch, UserId: ACCOUNT_ID, Description: 'batch' },
            { GroupId: SG.lambda, UserId: ACCOUNT_ID, Description: 'orders-worker' },
          ],
        }),
      ],
      allOut,
    ),
    sg(SG.redis, 'shop-sessions-redis', 'ElastiCache shop-sessions', shop, [perm('tcp', 6379, 6379, group(SG.app, 'app'))], allOut),
    // Deliberate: SSH only from the IPv4 corporate prefix list; admins on IPv6 are refused.
    sg(
      SG.bastion,
      'shop-bastion',
      'SSH bastion',
      shop,
      [perm('tcp', 22, 22, { PrefixListIds: [{ PrefixListId: PREFIX_LIST_CORP, Description: 'corporate VPN' }] })],
      allOut,
    ),
    // Deliberate: no egress for the partner API on tcp/8443.
    sg(
      SG.lambda,
      'orders-worker-lambda',
      'Lambda orders-worker',
      shop,
      [],
      [
        perm('tcp', 443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
        perm('tcp', 5432, 5432, group(SG.db, 'orders database')),
      ],
    ),
    sg(SG.endpoints, 'shop-endpoints', 'Interface VPC endpoints', shop, [perm('tcp', 443, 443, cidr4(VPC.shop.cidr))], []),
    sg(
      SG.sharedDefault,
      'default',
      'default VPC security group',
      VPC.shared.id,
      [perm('-1', undefined, undefined, group(SG.sharedDefault))],
      allOut,
    ),
    // Deliberate: scrapes allowed out on 9100 only; the batch exporter listens on 9102.
    sg(
      SG.monitoring,
      'monitoring',
      'Prometheus',
      VPC.shared.id,
      [perm('tcp', 9090, 9090, { PrefixListIds: [{ PrefixListId: PREFIX_LIST_CORP }] })],
      [
        perm('tcp', 9100, 9100, cidr4(VPC.shop.cidr, 'node exporters in shop')),
        perm('icmp', -1, -1, cidr4(VPC.shop.cidr)),
        perm('tcp', 443, 443, cidr4('0.0.0.0/0')),
      ],
    ),
  ];
}

// ----- network ACLs ---------------------------------------------------------------------------

interface Rule {
  n: number;
  egress: boolean;
  action: 'allow' | 'deny';
  protocol: string;
  cidr: string;
  ports?: [number, number];
  icmp?: [number, number];
}

function entry(r: Rule): NetworkAclEntry {
  const ipv6 = r.cidr.includes(':');
  return {
    RuleNumber: r.n,
    Protocol: r.protocol,
    RuleAction: r.action,
    Egress: r.egress,
    ...(ipv6 ? { Ipv6CidrBlock: r.cidr } : { CidrBlock: r.cidr }),
    ...(r.ports ? { PortRange: { From: r.ports[0], To: r.ports[1] } } : {}),
    ...(r.icmp ? { IcmpTypeCode: { Type: r.icmp[0], Code: r.icmp[1] } } : {}),
  };
}

const inbound = (n: number, protocol: string, cidr: string, ports?: [number, number], action: 'allow' | 'deny' = 'allow'): Rule => ({
  n,
  egress: false,
  action,
  protocol,
  cidr,
  ...(ports ? { ports } : {}),
});
const outbound = (n: number, protocol: string, cidr: string, ports?: [number, number]): Rule => ({
  n,
  egress: true,
  action: 'allow',
  protocol,
  cidr,
  ...(ports ? { ports } : {}),
});

/** The catch-all denies every NACL ends with, as DescribeNetworkAcls reports them. */
function catchAll(ipv6: boolean): Rule[] {
  const rules: Rule[] = [
    { n: 32767, egress: false, action: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
    { n: 32767, egress: true, action: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
  ];
  if (ipv6) {
    rules.push({ n: 32768, egress: false, action: 'deny', protocol: '-1', cidr: '::/0' });
    rules.push({ n: 32768, egress: true, action: 'deny', protocol: '-1', cidr: '::/0' });
  }
  return rules;
}

function acl(
  id: string,
  vpcId: string,
  isDefault: boolean,
  nameTag: string,
  subnets: SubnetSpec[],
  rules: Rule[],
  ipv6: boolean,
): NetworkAcl {
  const all = [...rules, ...catchAll(ipv6)];
  // DescribeNetworkAcls lists egress entries first, each direction in rule-number order.
  all.sort((a, b) => Number(b.egress) - Number(a.egress) || a.n - b.n);
  return {
    NetworkAclId: id,
    VpcId: vpcId,
    IsDefault: isDefault,
    OwnerId: ACCOUNT_ID,
    Associations: subnets.map((s, i) => ({
      NetworkAclAssociationId: `aclassoc-${id.slice(4, 16)}${String(i + 1).padStart(5, '0')}`,
      NetworkAclId: id,
      SubnetId: s.id,
    })),
    Entries: all.map(entry),
    Tags: name(nameTag),
  };
}

function buildNetworkAcls(): NetworkAcl[] {
  const shop = VPC.shop.id;
  const vpc4 = VPC.shop.cidr;
  const vpc6 = VPC.shop.ipv6;
  const any4 = '0.0.0.0/0';
  const any6 = '::/0';
  return [
    // The VPC's default NACL: every subnet uses a custom one, so it has no association.
    acl(
      ACL.shopDefault,
      shop,
      true,
      'shop-default',
      [],
      [inbound(100, '-1', any4), inbound(101, '-1', any6), outbound(100, '-1', any4), outbound(101, '-1', any6)],
      true,
    ),
    acl(
      ACL.public,
      shop,
      false,
      'shop-public',
      [SUBNETS.publicA, SUBNETS.publicB],
      [
        inbound(100, '6', any4, [443, 443]),
        inbound(101, '6', any6, [443, 443]),
        inbound(110, '6', any4, [80, 80]),
        inbound(111, '6', any6, [80, 80]),
        inbound(120, '6', CORP_IPV4, [22, 22]),
        inbound(122, '6', CORP_IPV6, [22, 22]),
        // Replies to the NAT gateway, the ALB and the bastion (NAT/ELB use 1024-65535).
        inbound(130, '6', any4, [1024, 65535]),
        inbound(131, '6', any6, [1024, 65535]),
        inbound(140, '17', any4, [1024, 65535]),
        // Private subnets' traffic to the NAT gateway and replies from targets to the ALB.
        inbound(150, '-1', vpc4),
        inbound(151, '-1', vpc6),
        outbound(100, '-1', any4),
        outbound(101, '-1', any6),
      ],
      true,
    ),
    // Deliberate: rule 120 lets internet replies in on 49152-65535 only (the Windows/IANA
    // range), while the Linux app servers use 32768-60999.
    acl(
      ACL.app,
      shop,
      false,
      'shop-app',
      [SUBNETS.appA, SUBNETS.appB],
      [
        inbound(100, '-1', vpc4),
        inbound(105, '-1', vpc6),
        inbound(110, '6', VPC.shared.cidr, [9100, 9102]),
        { ...inbound(115, '1', VPC.shared.cidr), icmp: [-1, -1] },
        inbound(120, '6', any4, [49152, 65535]),
        inbound(121, '6', any6, [32768, 65535]),
        outbound(100, '-1', any4),
        outbound(101, '-1', any6),
      ],
      true,
    ),
    // Deliberate: no rule for Redis (tcp/6379); PostgreSQL only, per source subnet.
    acl(
      ACL.db,
      shop,
      false,
      'shop-db',
      [SUBNETS.dbA, SUBNETS.dbB],
      [
        inbound(100, '6', SUBNETS.appA.cidr, [5432, 5432]),
        inbound(110, '6', SUBNETS.appB.cidr, [5432, 5432]),
        inbound(120, '6', SUBNETS.batchA.cidr, [5432, 5432]),
        outbound(100, '6', vpc4, [1024, 65535]),
      ],
      true,
    ),
    acl(
      ACL.batch,
      shop,
      false,
      'shop-batch',
      [SUBNETS.batchA],
      [
        inbound(100, '-1', vpc4),
        inbound(110, '6', VPC.shared.cidr, [9100, 9102]),
        inbound(120, '6', any4, [32768, 60999]),
        outbound(100, '-1', any4),
      ],
      true,
    ),
    acl(
      ACL.sharedDefault,
      VPC.shared.id,
      true,
      'shared-default',
      [SUBNETS.sharedA],
      [inbound(100, '-1', any4), outbound(100, '-1', any4)],
      false,
    ),
  ];
}

// ----- network interfaces ---------------------------------------------------------------------

const GROUP_NAMES: Record<string, string> = {
  [SG.alb]: 'shop-web-alb',
  [SG.app]: 'shop-app',
  [SG.nodeExporter]: 'node-exporter',
  [SG.batch]: 'shop-batch',
  [SG.db]: 'shop-db',
  [SG.redis]: 'shop-sessions-redis',
  [SG.bastion]: 'shop-bastion',
  [SG.lambda]: 'orders-worker-lambda',
  [SG.endpoints]: 'shop-endpoints',
  [SG.monitoring]: 'monitoring',
};

/** What AWS writes into the fields of a managed interface, by kind. */
function ownership(e: EniSpec): Partial<NetworkInterface> {
  switch (e.kind) {
    case 'alb':
      return {
        Description: ALB_DESCRIPTION,
        InterfaceType: 'interface',
        RequesterManaged: true,
        RequesterId: 'amazon-elb',
        Attachment: { InstanceOwnerId: 'amazon-elb', DeviceIndex: 1 },
      };
    case 'nat':
      return {
        Description: `Interface for NAT Gateway ${NAT_GATEWAY_ID}`,
        InterfaceType: 'nat_gateway',
        RequesterManaged: true,
        RequesterId: '018000000000',
        Attachment: { InstanceOwnerId: 'amazon-aws', DeviceIndex: 1 },
      };
    case 'lambda':
      return {
        Description: LAMBDA_DESCRIPTION,
        InterfaceType: 'lambda',
        RequesterManaged: true,
        RequesterId: 'AROA0EXAMPLE0LAMBDA0:orders-worker',
        Attachment: { InstanceOwnerId: 'amazon-aws', DeviceIndex: 1 },
      };
    case 'endpoint':
      return {
        Description: `VPC Endpoint Interface ${VPC_ENDPOINT_ID}`,
        InterfaceType: 'vpc_endpoint',
        RequesterManaged: true,
        RequesterId: '018000000000',
      };
    case 'rds':
      return {
        Description: 'RDSNetworkInterface',
        InterfaceType: 'interface',
        RequesterManaged: true,
        RequesterId: 'amazon-rds',
        Attachment: { InstanceOwnerId: 'amazon-rds', DeviceIndex: 1 },
      };
    case 'elasticache':
      return { Description: e.name, InterfaceType: 'interface', RequesterManaged: true, RequesterId: 'amazon-elasticache' };
    case 'instance':
      return {
        Description: 'Primary network interface',
        InterfaceType: 'interface',
        RequesterManaged: false,
        Attachment: { InstanceId: e.instanceId, InstanceOwnerId: ACCOUNT_ID, DeviceIndex: 0 },
      };
  }
}

function buildInterface(e: EniSpec): NetworkInterface {
  const association = e.publicIp ? { Association: { PublicIp: e.publicIp } } : {};
  return {
    NetworkInterfaceId: e.id,
    SubnetId: e.subnet.id,
    VpcId: e.subnet.vpcId,
    OwnerId: ACCOUNT_ID,
    Status: 'in-use',
    ...ownership(e),
    PrivateIpAddress: e.ip,
    PrivateIpAddresses: [{ PrivateIpAddress: e.ip, Primary: true, ...association }],
    Ipv6Addresses: e.ipv6 ? [{ Ipv6Address: e.ipv6 }] : [],
    ...(e.publicIp ? { Association: { PublicIp: e.publicIp } } : {}),
    Groups: e.groups.map((GroupId) => ({ GroupId, GroupName: GROUP_NAMES[GroupId] })),
    TagSet: e.kind === 'instance' ? name(e.name) : [],
  };
}
