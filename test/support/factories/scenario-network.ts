import { type DiagnoseResult, diagnose } from '../../../src/engine/diagnose/diagnose';
import type { BlockingControl } from '../../../src/engine/evaluate/verdict';
import { FlowAggregateStore } from '../../../src/engine/flow-log/flow-aggregate-store';
import { FlowAggregator } from '../../../src/engine/flow-log/flow-aggregator';
import { DEFAULT_FORMAT, parseLogFormat } from '../../../src/engine/flow-log/flow-log-fields';
import { createLineParser } from '../../../src/engine/flow-log/flow-log-parser';
import type {
  IpPermission,
  ManagedPrefixList,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  NetworkSnapshot,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  ServiceQuota,
  StaleIpPermission,
  StaleSecurityGroup,
  Subnet,
  TransitGateway,
  TransitGatewayVpcAttachment,
  UserIdGroupPair,
  Vpc,
  VpcPeeringConnection,
} from '../../../src/engine/network/snapshot';
import { mergeSnapshots } from '../../../src/engine/network/snapshot-loader';

/*
 * The builder of the labelled scenarios (explain, diagnose): a network in the EC2 API's own shapes
 * (DescribeVpcs, DescribeSubnets, DescribeSecurityGroups, DescribeNetworkAcls,
 * DescribeNetworkInterfaces, DescribeManagedPrefixLists, DescribeVpcPeeringConnections), the
 * flow-log records a scenario feeds it as the lines a flow log delivers, and the pipeline
 * `sgdoctor diagnose` runs them through. Each suite starts from a world of its own (`baseWorld`
 * here for diagnose, its own for explain) and changes only what its scenario is about.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
/** The start of every record unless a scenario moves it. */
export const T0 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// Security-group permissions
// ---------------------------------------------------------------------------------------------

/**
 * A permission's peer: a CIDR (IPv4 or IPv6), a prefix-list id (`pl-…`), a group id (`sg-…`, of
 * this account), or a group pair written out (another account, a peered VPC).
 */
export type Peer = string | UserIdGroupPair;

/** One IpPermission; `range` is [FromPort, ToPort], left out as DescribeSecurityGroups leaves it out for -1 and port-less protocols. */
export function perm(protocol: string, range: [number, number] | undefined, ...peers: Peer[]): IpPermission {
  const permission: IpPermission = { IpProtocol: protocol, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
  for (const peer of peers) {
    if (typeof peer !== 'string') permission.UserIdGroupPairs!.push(peer);
    else if (peer.startsWith('sg-')) permission.UserIdGroupPairs!.push({ GroupId: peer, UserId: ACCOUNT });
    else if (peer.startsWith('pl-')) permission.PrefixListIds!.push({ PrefixListId: peer });
    else if (peer.includes(':')) permission.Ipv6Ranges!.push({ CidrIpv6: peer });
    else permission.IpRanges!.push({ CidrIp: peer });
  }
  if (range) [permission.FromPort, permission.ToPort] = range;
  return permission;
}

const portRange = (ports: number | [number, number]): [number, number] => (typeof ports === 'number' ? [ports, ports] : ports);
/** TCP on one port or a [from, to] range. */
export const tcp = (ports: number | [number, number], ...peers: Peer[]) => perm('tcp', portRange(ports), ...peers);
/** UDP on one port or a [from, to] range. */
export const udp = (ports: number | [number, number], ...peers: Peer[]) => perm('udp', portRange(ports), ...peers);
/** Every protocol and port (-1). */
export const all = (...peers: Peer[]) => perm('-1', undefined, ...peers);
/** What a new group allows out: everything, IPv4 and IPv6. */
export const ALL_OUT = all('0.0.0.0/0', '::/0');

// ---------------------------------------------------------------------------------------------
// Network ACL entries (written without their direction: `ScenarioNetwork.acl` and `aclEntries` give it)
// ---------------------------------------------------------------------------------------------

export type AclRule = Omit<NetworkAclEntry, 'Egress'>;

function aclRule(RuleNumber: number, RuleAction: 'allow' | 'deny', cidr: string, Protocol: string, ports?: [number, number]): AclRule {
  return {
    RuleNumber,
    RuleAction,
    Protocol,
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
  };
}

/** An allow entry: protocol -1 (every protocol) unless given, `ports` a [from, to] range. */
export const allow = (n: number, cidr: string, protocol = '-1', ports?: [number, number]) => aclRule(n, 'allow', cidr, protocol, ports);
export const deny = (n: number, cidr: string, protocol = '-1', ports?: [number, number]) => aclRule(n, 'deny', cidr, protocol, ports);
/** An allow entry for ICMP (`1`) or ICMPv6 (`58`) of one type and code (-1: every one). */
export const allowIcmp = (n: number, cidr: string, protocol: '1' | '58', [Type, Code]: [number, number]): AclRule => ({
  ...aclRule(n, 'allow', cidr, protocol),
  IcmpTypeCode: { Type, Code },
});

/** The catch-all denies every NACL ends with, as DescribeNetworkAcls reports them (`*`: 32767 IPv4, 32768 IPv6). */
export const CATCH_ALL: readonly AclRule[] = [deny(32767, '0.0.0.0/0'), deny(32768, '::/0')];
/** A default NACL's allow-everything entries, IPv4 (100) and IPv6 (101). */
export const OPEN: readonly AclRule[] = [allow(100, '0.0.0.0/0'), allow(101, '::/0')];

/** The entries of a NACL: `inbound` then `outbound`, each stamped with its direction. */
export function aclEntries(inbound: readonly AclRule[], outbound: readonly AclRule[]): NetworkAclEntry[] {
  return [...inbound.map((e) => ({ ...e, Egress: false })), ...outbound.map((e) => ({ ...e, Egress: true }))];
}

/** `rules` with the catch-all denies it does not number itself appended. */
function withCatchAll(rules: readonly AclRule[]): AclRule[] {
  const numbers = new Set(rules.map((r) => r.RuleNumber));
  return [...rules, ...CATCH_ALL.filter((r) => !numbers.has(r.RuleNumber))];
}

// ---------------------------------------------------------------------------------------------
// The controls a verdict or finding names as blocking
// ---------------------------------------------------------------------------------------------

export const sgIn = (...groupIds: string[]): BlockingControl => ({ control: 'security-group', direction: 'ingress', groupIds });
export const sgOut = (...groupIds: string[]): BlockingControl => ({ control: 'security-group', direction: 'egress', groupIds });
export const naclIn = (networkAclId: string, ruleNumber: number): BlockingControl => ({
  control: 'network-acl',
  direction: 'ingress',
  networkAclId,
  ruleNumber,
});
export const naclOut = (networkAclId: string, ruleNumber: number): BlockingControl => ({
  control: 'network-acl',
  direction: 'egress',
  networkAclId,
  ruleNumber,
});
export const bpa = (direction: 'ingress' | 'egress'): BlockingControl => ({ control: 'block-public-access', direction });

// ---------------------------------------------------------------------------------------------
// The network
// ---------------------------------------------------------------------------------------------

export interface EniSpec {
  id: string;
  subnet: string;
  ip: string;
  /** null: the snapshot entry has no Groups member at all. */
  groups: string[] | null;
  ipv6?: string;
  secondary?: { ip: string; publicIp?: string }[];
  publicIp?: string;
  ipv4Prefixes?: string[];
  owner?: string;
  description?: string;
  interfaceType?: string;
  /** Set for an interface AWS manages (a load balancer's, a NAT gateway's): it is attached to no instance. */
  requesterId?: string;
}

/** The interface AWS makes for a NAT gateway, as DescribeNetworkInterfaces shows it: no groups, requested by AWS. */
export const natGatewayEni = (ip: string, publicIp: string, subnet = 'subnet-public'): EniSpec => ({
  id: 'eni-nat1',
  subnet,
  ip,
  groups: [],
  publicIp,
  description: 'Interface for NAT Gateway nat-0123456789abcdef0',
  interfaceType: 'nat_gateway',
  requesterId: '441234567890',
});

export interface PeeringSide {
  vpc: string;
  cidr: string;
  owner?: string;
  region?: string;
}

const nameOf = (id: string) => id.slice(id.indexOf('-') + 1);

export class ScenarioNetwork {
  private readonly vpcs: Vpc[] = [];
  private readonly defaultAcls = new Map<string, string>();
  private readonly subnets: Subnet[] = [];
  private readonly groups: SecurityGroup[] = [];
  private readonly acls: NetworkAcl[] = [];
  private readonly enis: NetworkInterface[] = [];
  private readonly prefixLists: ManagedPrefixList[] = [];
  private readonly prefixListEntries: Record<string, PrefixListEntry[]> = {};
  private readonly peerings: VpcPeeringConnection[] = [];
  private readonly routeTables: RouteTable[] = [];
  private readonly transitGateways: TransitGateway[] = [];
  private readonly attachments: TransitGatewayVpcAttachment[] = [];
  private readonly serviceQuotas: ServiceQuota[] = [];
  private readonly staleGroups: StaleSecurityGroup[] = [];

  /** A VPC; with `defaultAcl`, its default NACL (open both ways), which its subnets join unless told otherwise. */
  vpc(id: string, cidr: string, opts: { ipv6?: string; owner?: string; defaultAcl?: string } = {}): this {
    this.vpcs.push({
      VpcId: id,
      OwnerId: opts.owner ?? ACCOUNT,
      CidrBlock: cidr,
      CidrBlockAssociationSet: [{ CidrBlock: cidr, CidrBlockState: { State: 'associated' } }],
      Ipv6CidrBlockAssociationSet: opts.ipv6 ? [{ Ipv6CidrBlock: opts.ipv6, Ipv6CidrBlockState: { State: 'associated' } }] : [],
    });
    if (opts.defaultAcl) {
      this.defaultAcls.set(id, opts.defaultAcl);
      this.createAcl(opts.defaultAcl, id, opts.owner ?? ACCOUNT, true);
    }
    return this;
  }

  /**
   * A subnet on the NACL `acl` (created open both ways if new); without it, on its VPC's default
   * NACL, or else on a NACL of its own named `acl-` + the subnet's name.
   */
  subnet(id: string, vpc: string, cidr: string, opts: { ipv6?: string; acl?: string; owner?: string } = {}): this {
    const owner = opts.owner ?? ACCOUNT;
    this.subnets.push({
      SubnetId: id,
      VpcId: vpc,
      OwnerId: owner,
      CidrBlock: cidr,
      Ipv6CidrBlockAssociationSet: opts.ipv6 ? [{ Ipv6CidrBlock: opts.ipv6, Ipv6CidrBlockState: { State: 'associated' } }] : [],
    });
    const aclId = opts.acl ?? this.defaultAcls.get(vpc) ?? `acl-${nameOf(id)}`;
    const acl = this.acls.find((a) => a.NetworkAclId === aclId) ?? this.createAcl(aclId, vpc, owner, false);
    acl.Associations!.push({ NetworkAclId: aclId, SubnetId: id });
    return this;
  }

  /** A group; a new group allows nothing in and everything out. */
  group(id: string, vpc: string, ingress: IpPermission[] = [], egress: IpPermission[] = [ALL_OUT], owner = ACCOUNT): this {
    this.groups.push({
      GroupId: id,
      GroupName: nameOf(id),
      Description: id,
      VpcId: vpc,
      OwnerId: owner,
      IpPermissions: ingress,
      IpPermissionsEgress: egress,
    });
    return this;
  }

  /** The group's inbound rules, replaced. */
  ingress(id: string, ...permissions: IpPermission[]): this {
    this.groupOf(id).IpPermissions = permissions;
    return this;
  }

  /** The group's outbound rules, replaced (none: it lets nothing out). */
  egress(id: string, ...permissions: IpPermission[]): this {
    this.groupOf(id).IpPermissionsEgress = permissions;
    return this;
  }

  /** An interface (replacing one of the same id), attached to instance `i-` + its name unless AWS manages it. */
  eni(spec: EniSpec): this {
    const subnet = this.subnets.find((s) => s.SubnetId === spec.subnet);
    if (!subnet) throw new Error(`no subnet ${spec.subnet}`);
    const address = (ip: string, Primary: boolean, publicIp?: string) => ({
      PrivateIpAddress: ip,
      Primary,
      ...(publicIp ? { Association: { PublicIp: publicIp } } : {}),
    });
    const eni: NetworkInterface = {
      NetworkInterfaceId: spec.id,
      SubnetId: spec.subnet,
      VpcId: subnet.VpcId,
      OwnerId: spec.owner ?? ACCOUNT,
      InterfaceType: spec.interfaceType ?? 'interface',
      Description: spec.description ?? '',
      Status: 'in-use',
      PrivateIpAddress: spec.ip,
      PrivateIpAddresses: [address(spec.ip, true, spec.publicIp), ...(spec.secondary ?? []).map((s) => address(s.ip, false, s.publicIp))],
      Ipv6Addresses: spec.ipv6 ? [{ Ipv6Address: spec.ipv6 }] : [],
    };
    if (spec.publicIp) eni.Association = { PublicIp: spec.publicIp };
    if (spec.ipv4Prefixes) eni.Ipv4Prefixes = spec.ipv4Prefixes.map((Ipv4Prefix) => ({ Ipv4Prefix }));
    if (spec.requesterId) {
      eni.RequesterId = spec.requesterId;
      eni.RequesterManaged = true;
    } else {
      eni.Attachment = { InstanceId: `i-${nameOf(spec.id)}` };
    }
    const at = this.enis.findIndex((e) => e.NetworkInterfaceId === spec.id);
    if (at >= 0) this.enis[at] = eni;
    else this.enis.push(eni);
    return this.attach(spec.id, spec.groups);
  }

  /** The interface's groups, replaced (null: the snapshot entry has no Groups member). */
  attach(eniId: string, groups: string[] | null): this {
    const eni = this.enis.find((e) => e.NetworkInterfaceId === eniId);
    if (!eni) throw new Error(`no interface ${eniId}`);
    if (groups === null) delete eni.Groups;
    else eni.Groups = groups.map((GroupId) => ({ GroupId, GroupName: nameOf(GroupId) }));
    return this;
  }

  /**
   * The NACL's entries, replaced: `inbound` and `outbound`, each ending with the catch-all denies
   * it does not number itself. With `subnets`, those subnets first leave their NACL for this one
   * (created if new).
   */
  acl(id: string, inbound: readonly AclRule[], outbound: readonly AclRule[], subnets: string[] = []): this {
    for (const subnet of subnets) {
      for (const other of this.acls) other.Associations = other.Associations!.filter((a) => a.SubnetId !== subnet);
    }
    let acl = this.acls.find((a) => a.NetworkAclId === id);
    if (!acl) {
      if (subnets.length === 0) throw new Error(`no acl ${id}`);
      const vpc = this.subnets.find((s) => s.SubnetId === subnets[0])?.VpcId;
      if (!vpc) throw new Error(`no subnet ${subnets[0]}`);
      acl = this.createAcl(id, vpc, ACCOUNT, false);
    }
    acl.Associations!.push(...subnets.map((SubnetId) => ({ NetworkAclId: id, SubnetId })));
    acl.Entries = aclEntries(withCatchAll(inbound), withCatchAll(outbound));
    return this;
  }

  /** Rule numbers the NACL uses in one direction. */
  taken(id: string, egress: boolean): number[] {
    const acl = this.acls.find((a) => a.NetworkAclId === id);
    return (acl?.Entries ?? []).filter((e) => e.Egress === egress).map((e) => e.RuleNumber);
  }

  /** A managed prefix list; `cidrs` null: the snapshot has no entries for it. */
  prefixList(id: string, cidrs: string[] | null): this {
    this.prefixLists.push({
      PrefixListId: id,
      PrefixListName: id,
      AddressFamily: cidrs?.[0]?.includes(':') ? 'IPv6' : 'IPv4',
      MaxEntries: 10,
      OwnerId: ACCOUNT,
    });
    if (cidrs) this.prefixListEntries[id] = cidrs.map((Cidr) => ({ Cidr }));
    return this;
  }

  /** A peering connection; each side in this account and Region unless it says otherwise. */
  peering(id: string, requester: PeeringSide, accepter: PeeringSide, status = 'active'): this {
    const side = (s: PeeringSide) => ({
      VpcId: s.vpc,
      OwnerId: s.owner ?? ACCOUNT,
      Region: s.region ?? REGION,
      CidrBlock: s.cidr,
      CidrBlockSet: [{ CidrBlock: s.cidr }],
    });
    this.peerings.push({
      VpcPeeringConnectionId: id,
      Status: { Code: status },
      RequesterVpcInfo: side(requester),
      AccepterVpcInfo: side(accepter),
    });
    return this;
  }

  /**
   * Transit gateway `id` with an available attachment of each of `vpcIds` (an attachment `state`
   * other than available when told), and each VPC's main route table sending the other VPCs' blocks to it.
   */
  transitGateway(id: string, vpcIds: string[], attachmentState: Record<string, string> = {}): this {
    this.transitGateways.push({ TransitGatewayId: id, OwnerId: ACCOUNT, State: 'available', Options: {} });
    for (const vpcId of vpcIds) {
      this.attachments.push({
        TransitGatewayAttachmentId: `tgw-attach-${nameOf(vpcId)}`,
        TransitGatewayId: id,
        VpcId: vpcId,
        VpcOwnerId: ACCOUNT,
        State: attachmentState[vpcId] ?? 'available',
      });
      let table = this.routeTables.find((t) => t.VpcId === vpcId);
      if (!table) {
        const local = { DestinationCidrBlock: this.vpcCidr(vpcId), GatewayId: 'local', State: 'active' };
        table = { RouteTableId: `rtb-${nameOf(vpcId)}`, VpcId: vpcId, Associations: [{ Main: true }], Routes: [local] };
        this.routeTables.push(table);
      }
      for (const other of vpcIds) {
        if (other !== vpcId) table.Routes!.push({ DestinationCidrBlock: this.vpcCidr(other), TransitGatewayId: id, State: 'active' });
      }
    }
    return this;
  }

  peeringStatus(id: string, status: string): this {
    const peering = this.peerings.find((p) => p.VpcPeeringConnectionId === id);
    if (!peering) throw new Error(`no peering ${id}`);
    peering.Status = { Code: status };
    return this;
  }

  /**
   * The group's rules EC2 reports stale (`StaleSecurityGroupSet`, as describe-stale-security-groups
   * prints it): inbound and outbound, each a permission whose pairs name the referenced groups.
   */
  staleGroup(id: string, vpc: string, inbound: StaleIpPermission[], outbound: StaleIpPermission[] = []): this {
    this.staleGroups.push({
      GroupId: id,
      GroupName: nameOf(id),
      Description: id,
      VpcId: vpc,
      StaleIpPermissions: inbound,
      StaleIpPermissionsEgress: outbound,
    });
    return this;
  }

  /** A Service Quotas quota of the snapshot (`ServiceQuotas`, as `aws service-quotas get-service-quota` gives it). */
  serviceQuota(quota: ServiceQuota): this {
    this.serviceQuotas.push(quota);
    return this;
  }

  /** The snapshot as a file holds it (a copy: later changes to the builder do not reach it). */
  json(): NetworkSnapshot {
    return structuredClone({
      Vpcs: this.vpcs,
      Subnets: this.subnets,
      SecurityGroups: this.groups,
      NetworkAcls: this.acls,
      NetworkInterfaces: this.enis,
      ManagedPrefixLists: this.prefixLists,
      PrefixListEntries: this.prefixListEntries,
      VpcPeeringConnections: this.peerings,
      // Only when a scenario routes: a snapshot with route tables has its routes judged.
      ...(this.routeTables.length
        ? { RouteTables: this.routeTables, TransitGateways: this.transitGateways, TransitGatewayVpcAttachments: this.attachments }
        : {}),
      ...(this.serviceQuotas.length > 0 ? { ServiceQuotas: this.serviceQuotas } : {}),
      ...(this.staleGroups.length > 0 ? { StaleSecurityGroupSet: this.staleGroups } : {}),
    });
  }

  private vpcCidr(vpcId: string): string {
    const cidr = this.vpcs.find((v) => v.VpcId === vpcId)?.CidrBlock;
    if (!cidr) throw new Error(`no vpc ${vpcId}`);
    return cidr;
  }

  /** The snapshot as the CLI loads it. */
  snapshot(): NetworkSnapshot {
    return mergeSnapshots([this.json()]);
  }

  private groupOf(id: string): SecurityGroup {
    const group = this.groups.find((g) => g.GroupId === id);
    if (!group) throw new Error(`no group ${id}`);
    return group;
  }

  private createAcl(id: string, vpc: string, owner: string, isDefault: boolean): NetworkAcl {
    const acl: NetworkAcl = {
      NetworkAclId: id,
      VpcId: vpc,
      OwnerId: owner,
      IsDefault: isDefault,
      Associations: [],
      Entries: aclEntries(withCatchAll(OPEN), withCatchAll(OPEN)),
    };
    this.acls.push(acl);
    return acl;
  }
}

// ---------------------------------------------------------------------------------------------
// The diagnose scenarios' world
// ---------------------------------------------------------------------------------------------

export const APP1 = '10.0.1.10';
export const APP2 = '10.0.1.11';
export const WEB1 = '10.0.2.10';
export const DB1 = '10.0.3.10';
export const W1 = '10.0.4.20';
export const W2 = '10.0.4.21';
export const W3 = '10.0.4.22';
export const MON = '10.0.4.30';
export const APP1_6 = '2600:1f18:aaaa:bb01::10';
export const WEB1_6 = '2600:1f18:aaaa:bb02::10';
export const DB1_6 = '2600:1f18:aaaa:bb03::10';
export const W1_6 = '2600:1f18:aaaa:bb04::20';
export const MON_6 = '2600:1f18:aaaa:bb04::30';

/**
 * VPC `vpc-main` 10.0.0.0/16 (and an IPv6 /56): subnets app 10.0.1.0/24, web 10.0.2.0/24, data
 * 10.0.3.0/24, clients 10.0.4.0/24, each with an open NACL of its own (`acl-app`, …). Every group
 * allows all outbound and nothing inbound, so an inbound flow is refused by the destination's group
 * until a scenario opens it.
 *
 *   subnet-app      eni-app1 APP1 (+ APP1_6), eni-app2 APP2          sg-app
 *   subnet-web      eni-web1 WEB1 (+ WEB1_6)                         sg-web
 *   subnet-data     eni-db1  DB1 (+ DB1_6)                           sg-db
 *   subnet-clients  eni-worker1..3 W1 (+ W1_6), W2, W3               sg-worker
 *                   eni-mon1 MON (+ MON_6)                           sg-mon
 */
export function baseWorld(): ScenarioNetwork {
  const w = new ScenarioNetwork()
    .vpc('vpc-main', '10.0.0.0/16', { ipv6: '2600:1f18:aaaa:bb00::/56' })
    .subnet('subnet-app', 'vpc-main', '10.0.1.0/24', { ipv6: '2600:1f18:aaaa:bb01::/64' })
    .subnet('subnet-web', 'vpc-main', '10.0.2.0/24', { ipv6: '2600:1f18:aaaa:bb02::/64' })
    .subnet('subnet-data', 'vpc-main', '10.0.3.0/24', { ipv6: '2600:1f18:aaaa:bb03::/64' })
    .subnet('subnet-clients', 'vpc-main', '10.0.4.0/24', { ipv6: '2600:1f18:aaaa:bb04::/64' });
  for (const g of ['sg-app', 'sg-web', 'sg-db', 'sg-worker', 'sg-mon']) w.group(g, 'vpc-main');
  return w
    .eni({ id: 'eni-app1', subnet: 'subnet-app', ip: APP1, ipv6: APP1_6, groups: ['sg-app'] })
    .eni({ id: 'eni-app2', subnet: 'subnet-app', ip: APP2, groups: ['sg-app'] })
    .eni({ id: 'eni-web1', subnet: 'subnet-web', ip: WEB1, ipv6: WEB1_6, groups: ['sg-web'] })
    .eni({ id: 'eni-db1', subnet: 'subnet-data', ip: DB1, ipv6: DB1_6, groups: ['sg-db'] })
    .eni({ id: 'eni-worker1', subnet: 'subnet-clients', ip: W1, ipv6: W1_6, groups: ['sg-worker'] })
    .eni({ id: 'eni-worker2', subnet: 'subnet-clients', ip: W2, groups: ['sg-worker'] })
    .eni({ id: 'eni-worker3', subnet: 'subnet-clients', ip: W3, groups: ['sg-worker'] })
    .eni({ id: 'eni-mon1', subnet: 'subnet-clients', ip: MON, ipv6: MON_6, groups: ['sg-mon'] });
}

/**
 * baseWorld whose app subnet lets replies out only on the Linux ephemeral range (TCP 32768-60999
 * outbound, everything inbound), with sg-app admitting 8080 from the VPC: the estate where replies
 * to Windows clients (49152-65535) and NAT gateways (1024-65535) are refused.
 */
export function linuxOnlyReplies(): ScenarioNetwork {
  return baseWorld()
    .ingress('sg-app', tcp(8080, '10.0.0.0/8'))
    .acl('acl-app', [allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0', '6', [32768, 60999])]);
}

// ---------------------------------------------------------------------------------------------
// Flow-log records and the lines a flow log delivers
// ---------------------------------------------------------------------------------------------

/** One flow-log record; what it leaves out takes the default of its field (see `flowLine`). */
export interface FlowRec {
  eni: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** IANA number; 6 unless given. */
  protocol?: number;
  /** 3 unless given; bytes are 60 a packet. */
  packets?: number;
  /** The start; T0 unless given, the end a minute later. */
  at?: number;
  action?: 'ACCEPT' | 'REJECT';
  status?: 'OK' | 'NODATA' | 'SKIPDATA';
  flags?: number;
  dir?: 'ingress' | 'egress';
  pktSrc?: string;
  pktDst?: string;
  rejectReason?: string;
  vpc?: string;
  subnet?: string;
}

/** The default format (version 2): its fourteen fields, as the parser knows them. */
export const V2_FIELDS = DEFAULT_FORMAT.names;
/** Every field up to version 5. */
export const V5_FIELDS = [
  ...V2_FIELDS,
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'flow-direction',
  'traffic-path',
];
/** Every field up to version 8 (reject-reason). */
export const V8_FIELDS = [...V5_FIELDS, 'reject-reason'];
/** A custom version 8 format: the default fields, then tcp-flags, flow-direction and reject-reason. */
export const V8_SHORT_FIELDS = [...V2_FIELDS, 'tcp-flags', 'flow-direction', 'reject-reason'];

function fieldValue(field: string, r: FlowRec, version: number): string {
  const protocol = r.protocol ?? 6;
  const packets = r.packets ?? 3;
  const at = r.at ?? T0;
  switch (field) {
    case 'version':
      return String(version);
    case 'account-id':
      return ACCOUNT;
    case 'interface-id':
      return r.eni;
    case 'srcaddr':
      return r.src;
    case 'dstaddr':
      return r.dst;
    case 'srcport':
      return String(r.sport ?? 0);
    case 'dstport':
      return String(r.dport ?? 0);
    case 'protocol':
      return String(protocol);
    case 'packets':
      return String(packets);
    case 'bytes':
      return String(packets * 60);
    case 'start':
      return String(at);
    case 'end':
      return String(at + 60);
    case 'action':
      return r.action ?? 'REJECT';
    case 'log-status':
      return r.status ?? 'OK';
    case 'vpc-id':
      return r.vpc ?? '-';
    case 'subnet-id':
      return r.subnet ?? '-';
    case 'instance-id':
      return '-';
    case 'tcp-flags':
      return r.flags === undefined ? (protocol === 6 ? '0' : '-') : String(r.flags);
    case 'type':
      return r.src.includes(':') ? 'IPv6' : 'IPv4';
    case 'pkt-srcaddr':
      return r.pktSrc ?? r.src;
    case 'pkt-dstaddr':
      return r.pktDst ?? r.dst;
    case 'flow-direction':
      return r.dir ?? '-';
    case 'traffic-path':
      return '-';
    case 'reject-reason':
      return r.rejectReason ?? '-';
    default:
      throw new Error(`no value for ${field}`);
  }
}

/** The record as one line of a flow log with these fields. */
export function flowLine(fields: readonly string[], record: FlowRec, version: number): string {
  return fields.map((f) => fieldValue(f, record, version)).join(' ');
}

export interface FlowFile {
  /** V2_FIELDS unless given. */
  fields?: string[];
  /** 8, 5 or 2 for V8_FIELDS, V5_FIELDS and the rest, unless given. */
  version?: number;
  /** A header line naming the fields: written unless the format is the default one. */
  header?: boolean;
  records: FlowRec[];
  /** Raw lines added after the records (NODATA, SKIPDATA). */
  raw?: string[];
}

/** The file a flow log delivers to S3 with these records. */
export function flowFileText(file: FlowFile): string {
  const fields = file.fields ?? V2_FIELDS;
  const version = file.version ?? (fields === V8_FIELDS ? 8 : fields === V5_FIELDS ? 5 : 2);
  const lines: string[] = [];
  if (file.header ?? fields !== V2_FIELDS) lines.push(fields.join(' '));
  for (const r of file.records) lines.push(flowLine(fields, r, version));
  lines.push(...(file.raw ?? []));
  return `${lines.join('\n')}\n`;
}

/** `n` records of a client that retries, `gap` seconds apart, each from the next source port (ICMP has none). */
export function retries(rec: FlowRec, n = 4, gap = 600): FlowRec[] {
  return Array.from({ length: n }, (_, i) => ({
    ...rec,
    sport: (rec.sport ?? 0) + (rec.protocol === 1 || rec.protocol === 58 ? 0 : i),
    at: (rec.at ?? T0) + i * gap,
  }));
}

/**
 * A client's connections and the server's replies, ten minutes apart: the requests (SYN) ACCEPTed
 * at `acceptedAt` and the replies (SYN-ACK) REJECTed at `rejectedAt`, the pattern of return
 * traffic a NACL drops.
 */
export function conversation(opts: {
  client: string;
  server: string;
  port: number;
  clientPorts: number[];
  acceptedAt: { eni: string; dir: 'ingress' | 'egress' };
  rejectedAt: { eni: string; dir: 'ingress' | 'egress' };
  protocol?: number;
}): FlowRec[] {
  const protocol = opts.protocol ?? 6;
  return opts.clientPorts.flatMap((sport, i) => {
    const at = T0 + i * 600;
    return [
      {
        ...opts.acceptedAt,
        src: opts.client,
        dst: opts.server,
        sport,
        dport: opts.port,
        protocol,
        at,
        action: 'ACCEPT' as const,
        flags: protocol === 6 ? 2 : 0,
      },
      {
        ...opts.rejectedAt,
        src: opts.server,
        dst: opts.client,
        sport: opts.port,
        dport: sport,
        protocol,
        at,
        flags: protocol === 6 ? 18 : 0,
      },
    ];
  });
}

/**
 * `sgdoctor diagnose` over these records: each written as a line of the format (`v8`: the
 * V8_SHORT_FIELDS format with its header, a TCP record without flags a SYN and any other 0; `v2`:
 * the default format, which has neither flags nor direction), parsed, aggregated into the store
 * the CLI hands to `diagnose`.
 */
export function runDiagnose(network: ScenarioNetwork, records: readonly FlowRec[], format: 'v8' | 'v2' = 'v8'): DiagnoseResult {
  const fields = format === 'v8' ? V8_SHORT_FIELDS : V2_FIELDS;
  const parse = format === 'v8' ? createLineParser(parseLogFormat(fields.join(' '))) : createLineParser();
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const record of records) {
    const flags = record.flags ?? ((record.protocol ?? 6) === 6 ? 2 : 0);
    const line = flowLine(fields, { ...record, flags }, format === 'v8' ? 8 : 2);
    const parsed = parse(line);
    if (!parsed.ok) throw new Error(`${parsed.error}: ${line}`);
    aggregator.add(parsed.record);
  }
  const store = new FlowAggregateStore();
  for (const aggregate of aggregator.aggregates()) store.add(aggregate);
  return diagnose(network.snapshot(), store);
}
