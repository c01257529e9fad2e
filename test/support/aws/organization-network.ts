import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';

export interface Member {
  accountId: string;
  region: string;
}

/** A resource id of one member: `prefix-0<a><r>` then 14 hex digits ending in `n`. */
function id(prefix: string, a: number, r: number, n: number): string {
  return `${prefix}-0${a}${r}${n.toString(16).padStart(14, '0')}`;
}

/**
 * A small, complete network of one member account in one region: a VPC, a subnet under an
 * allow-all NACL, a security group that lets in only HTTPS from the VPC, an app and a database
 * interface in it. Each member has its own address space (10.<2a+r>.0.0/16).
 */
export function memberSnapshot(member: Member, a: number, r: number): NetworkSnapshot {
  const net = `10.${2 * a + r}`;
  const vpc = id('vpc', a, r, 1);
  const subnet = id('subnet', a, r, 1);
  const sg = id('sg', a, r, 1);
  const owner = member.accountId;
  const eni = (n: number, ip: string) => ({
    NetworkInterfaceId: id('eni', a, r, n),
    SubnetId: subnet,
    VpcId: vpc,
    OwnerId: owner,
    InterfaceType: 'interface',
    Status: 'in-use',
    PrivateIpAddress: ip,
    PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
    Attachment: { InstanceId: `i-0${a}${r}${n.toString(16).padStart(14, '0')}`, DeviceIndex: 0 },
    Groups: [{ GroupId: sg, GroupName: 'app' }],
  });
  return {
    Vpcs: [{ VpcId: vpc, CidrBlock: `${net}.0.0/16`, OwnerId: owner }],
    Subnets: [{ SubnetId: subnet, VpcId: vpc, CidrBlock: `${net}.1.0/24`, OwnerId: owner, AvailabilityZone: `${member.region}a` }],
    NetworkAcls: [
      {
        NetworkAclId: id('acl', a, r, 1),
        VpcId: vpc,
        IsDefault: true,
        OwnerId: owner,
        Associations: [{ NetworkAclAssociationId: id('aclassoc', a, r, 1), NetworkAclId: id('acl', a, r, 1), SubnetId: subnet }],
        Entries: [false, true].flatMap((egress) => [
          { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow' as const, Egress: egress, CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny' as const, Egress: egress, CidrBlock: '0.0.0.0/0' },
        ]),
      },
    ],
    SecurityGroups: [
      {
        GroupId: sg,
        GroupName: 'app',
        VpcId: vpc,
        OwnerId: owner,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: `${net}.0.0/16` }] }],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ],
    NetworkInterfaces: [eni(1, `${net}.1.10`), eni(2, `${net}.1.20`)],
    FlowLogs: [
      {
        FlowLogId: id('fl', a, r, 1),
        ResourceId: vpc,
        TrafficType: 'ALL',
        LogDestinationType: 's3',
        LogDestination: 'arn:aws:s3:::org-flow-logs',
        FlowLogStatus: 'ACTIVE',
      },
    ],
  };
}

/**
 * What the central table holds of one member for one day: the app's connections to the
 * database's PostgreSQL port refused at the database (its group admits only HTTPS), and the
 * HTTPS the app reaches accepted.
 */
export function memberAggregates(member: Member, a: number, r: number, day: { from: string }): FlowAggregate[] {
  const net = `10.${2 * a + r}`;
  const start = Math.floor(Date.parse(day.from) / 1000) + 3600 * (2 + a + r);
  const base = {
    accountId: member.accountId,
    vpcId: id('vpc', a, r, 1),
    subnetId: id('subnet', a, r, 1),
    srcaddr: `${net}.1.10`,
    dstaddr: `${net}.1.20`,
    srcport: null,
    protocol: 6,
    tcpFlags: 2,
    rejectReason: null,
    servicePortSide: 'dst' as const,
    ephemeralPortMin: 40_000,
    ephemeralPortMax: 60_000,
    firstSeen: start,
    lastSeen: start + 1800,
  };
  const records = 40 + 10 * (2 * a + r);
  return [
    {
      ...base,
      interfaceId: id('eni', a, r, 2),
      flowDirection: 'ingress',
      dstport: 5432,
      action: 'REJECT',
      records,
      packets: records * 2,
      bytes: records * 120,
      hourly: [start - (start % 3600), records],
    },
    {
      ...base,
      interfaceId: id('eni', a, r, 2),
      flowDirection: 'ingress',
      dstport: 443,
      action: 'ACCEPT',
      tcpFlags: 19,
      records: 300,
      packets: 3000,
      bytes: 900_000,
    },
  ];
}
