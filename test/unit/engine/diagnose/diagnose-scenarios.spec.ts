import { describe, expect, it } from 'vitest';

import { type DiagnoseResult, diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FixChange, SuggestedFix } from '../../../../src/engine/fixes/fix';
import { FlowAggregateStore } from '../../../../src/engine/flow-log/flow-aggregate-store';
import { FlowAggregator } from '../../../../src/engine/flow-log/flow-aggregator';
import { parseLogFormat } from '../../../../src/engine/flow-log/flow-log-fields';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import { mergeSnapshots } from '../../../../src/engine/network/snapshot-loader';

/*
 * Labelled scenarios for `diagnose`: a small snapshot in the EC2 API's own shapes, a few flow-log
 * records, and what AWS's documented behaviour and the design's "Suggested fixes" say the finding
 * must be — its classification, the blocking control and, above all, the fix: exact protocol and
 * port, the narrowest peer (a referenced group for an interface with a group in the same or a
 * same-Region peered VPC, else the narrowest CIDR, a subnet's block for many hosts of it), NACL
 * entries under a free number before any matching deny, the clients' ephemeral range for replies,
 * IPv6 entries with Ipv6CidrBlock, `verified`, no fix for noise. Where several answers are right
 * (which free rule number), the property is asserted, not the number.
 *
 * The records go through the flow-log parser and aggregator into the store the CLI hands to
 * `diagnose`, as `sgdoctor diagnose` does.
 */

type Json = Record<string, unknown>;

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const REGION = 'us-east-1';
const T0 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// Addresses of the base world
// ---------------------------------------------------------------------------------------------

const APP1 = '10.0.1.10';
const APP2 = '10.0.1.11';
const WEB1 = '10.0.2.10';
const DB1 = '10.0.3.10';
const W1 = '10.0.4.20';
const W2 = '10.0.4.21';
const W3 = '10.0.4.22';
const MON = '10.0.4.30';
const ALB_A = '10.0.2.50';
const ALB_B = '10.0.6.50';
const APP1_6 = '2600:1f18:aaaa:bb01::10';
const WEB1_6 = '2600:1f18:aaaa:bb02::10';
const DB1_6 = '2600:1f18:aaaa:bb03::10';
const W1_6 = '2600:1f18:aaaa:bb04::20';
const MON_6 = '2600:1f18:aaaa:bb04::30';

/** The client ephemeral ranges AWS documents for NACL return-traffic rules: NAT gateway / ELB, Linux, Windows. */
const EPHEMERAL_RANGES = [
  { From: 1024, To: 65535 },
  { From: 32768, To: 60999 },
  { From: 49152, To: 65535 },
];
/** One entry for Linux and Windows clients together: exactly the union of their two ranges. */
const LINUX_OR_WINDOWS = { From: 32768, To: 65535 };

// ---------------------------------------------------------------------------------------------
// Snapshot builder (DescribeVpcs / DescribeSubnets / DescribeSecurityGroups / DescribeNetworkAcls /
// DescribeNetworkInterfaces / DescribeManagedPrefixLists / DescribeVpcPeeringConnections shapes)
// ---------------------------------------------------------------------------------------------

interface PeerSpec {
  cidr?: string;
  group?: string;
  groupOwner?: string;
  prefixList?: string;
}

function perm(protocol: string, from: number | null, to: number | null, ...peers: PeerSpec[]): Json {
  const permission: Json = {
    IpProtocol: protocol,
    IpRanges: peers.filter((p) => p.cidr && !p.cidr.includes(':')).map((p) => ({ CidrIp: p.cidr })),
    Ipv6Ranges: peers.filter((p) => p.cidr?.includes(':')).map((p) => ({ CidrIpv6: p.cidr })),
    PrefixListIds: peers.filter((p) => p.prefixList).map((p) => ({ PrefixListId: p.prefixList })),
    UserIdGroupPairs: peers.filter((p) => p.group).map((p) => ({ GroupId: p.group, UserId: p.groupOwner ?? ACCOUNT })),
  };
  if (from !== null) permission.FromPort = from;
  if (to !== null) permission.ToPort = to;
  return permission;
}

const tcp = (port: number, ...peers: PeerSpec[]): Json => perm('tcp', port, port, ...peers);
const ALL_OUT = perm('-1', null, null, { cidr: '0.0.0.0/0' }, { cidr: '::/0' });

interface EntrySpec {
  RuleNumber: number;
  RuleAction: 'allow' | 'deny';
  Protocol: string;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From: number; To: number };
  IcmpTypeCode?: { Type: number; Code: number };
}

function entry(ruleNumber: number, action: 'allow' | 'deny', cidr: string, protocol = '-1', ports?: [number, number]): EntrySpec {
  const spec: EntrySpec = { RuleNumber: ruleNumber, RuleAction: action, Protocol: protocol };
  if (cidr.includes(':')) spec.Ipv6CidrBlock = cidr;
  else spec.CidrBlock = cidr;
  if (ports) spec.PortRange = { From: ports[0], To: ports[1] };
  return spec;
}
const allow = (n: number, cidr: string, protocol = '-1', ports?: [number, number]) => entry(n, 'allow', cidr, protocol, ports);
const deny = (n: number, cidr: string, protocol = '-1', ports?: [number, number]) => entry(n, 'deny', cidr, protocol, ports);
const DEFAULT_DENIES = [deny(32767, '0.0.0.0/0'), deny(32768, '::/0')];
const OPEN = [allow(100, '0.0.0.0/0'), allow(101, '::/0'), ...DEFAULT_DENIES];

interface EniSpec {
  id: string;
  subnet: string;
  ip: string;
  groups: string[];
  ipv6?: string;
  publicIp?: string;
  owner?: string;
  description?: string;
  interfaceType?: string;
  requesterId?: string;
  instanceId?: string | null;
}

class World {
  readonly raw = {
    Vpcs: [] as Json[],
    Subnets: [] as Json[],
    SecurityGroups: [] as Json[],
    NetworkAcls: [] as Json[],
    NetworkInterfaces: [] as Json[],
    ManagedPrefixLists: [] as Json[],
    PrefixListEntries: {} as Record<string, Json[]>,
    VpcPeeringConnections: [] as Json[],
  };

  addVpc(id: string, cidr: string, ipv6: string | null = null, owner = ACCOUNT): this {
    this.raw.Vpcs.push({
      VpcId: id,
      OwnerId: owner,
      CidrBlock: cidr,
      CidrBlockAssociationSet: [{ CidrBlock: cidr, CidrBlockState: { State: 'associated' } }],
      Ipv6CidrBlockAssociationSet: ipv6 ? [{ Ipv6CidrBlock: ipv6, Ipv6CidrBlockState: { State: 'associated' } }] : [],
    });
    return this;
  }

  /** A subnet with its own NACL (`acl-` + the subnet's name), open both ways unless `acl` names another. */
  addSubnet(id: string, vpc: string, cidr: string, ipv6: string | null = null, acl?: string, owner = ACCOUNT): this {
    this.raw.Subnets.push({
      SubnetId: id,
      VpcId: vpc,
      OwnerId: owner,
      CidrBlock: cidr,
      Ipv6CidrBlockAssociationSet: ipv6 ? [{ Ipv6CidrBlock: ipv6, Ipv6CidrBlockState: { State: 'associated' } }] : [],
    });
    const aclId = acl ?? `acl-${id.slice('subnet-'.length)}`;
    const existing = this.raw.NetworkAcls.find((a) => a.NetworkAclId === aclId);
    if (existing) {
      (existing.Associations as Json[]).push({ NetworkAclId: aclId, SubnetId: id });
    } else {
      this.raw.NetworkAcls.push({
        NetworkAclId: aclId,
        VpcId: vpc,
        OwnerId: owner,
        IsDefault: false,
        Associations: [{ NetworkAclId: aclId, SubnetId: id }],
      });
      this.acl(aclId, OPEN, OPEN);
    }
    return this;
  }

  addGroup(id: string, vpc: string, ingress: Json[] = [], egress: Json[] = [ALL_OUT], owner = ACCOUNT): this {
    this.raw.SecurityGroups.push({
      GroupId: id,
      GroupName: id.slice('sg-'.length),
      Description: id,
      VpcId: vpc,
      OwnerId: owner,
      IpPermissions: ingress,
      IpPermissionsEgress: egress,
    });
    return this;
  }

  addEni(spec: EniSpec): this {
    const subnet = this.raw.Subnets.find((s) => s.SubnetId === spec.subnet);
    if (!subnet) throw new Error(`no subnet ${spec.subnet}`);
    const eni: Json = {
      NetworkInterfaceId: spec.id,
      SubnetId: spec.subnet,
      VpcId: subnet.VpcId,
      OwnerId: spec.owner ?? ACCOUNT,
      InterfaceType: spec.interfaceType ?? 'interface',
      Description: spec.description ?? '',
      PrivateIpAddress: spec.ip,
      PrivateIpAddresses: [
        { PrivateIpAddress: spec.ip, Primary: true, ...(spec.publicIp ? { Association: { PublicIp: spec.publicIp } } : {}) },
      ],
      Ipv6Addresses: spec.ipv6 ? [{ Ipv6Address: spec.ipv6 }] : [],
      Groups: spec.groups.map((g) => ({ GroupId: g, GroupName: g.slice('sg-'.length) })),
      Status: 'in-use',
    };
    if (spec.publicIp) eni.Association = { PublicIp: spec.publicIp, IpOwnerId: 'amazon' };
    if (spec.requesterId) {
      eni.RequesterId = spec.requesterId;
      eni.RequesterManaged = true;
    }
    if (spec.instanceId !== null)
      eni.Attachment = { InstanceId: spec.instanceId ?? `i-${spec.id.slice('eni-'.length)}`, Status: 'attached' };
    this.raw.NetworkInterfaces.push(eni);
    return this;
  }

  group(id: string): Json {
    const group = this.raw.SecurityGroups.find((g) => g.GroupId === id);
    if (!group) throw new Error(`no group ${id}`);
    return group;
  }

  ingress(id: string, ...permissions: Json[]): this {
    this.group(id).IpPermissions = permissions;
    return this;
  }

  egress(id: string, ...permissions: Json[]): this {
    this.group(id).IpPermissionsEgress = permissions;
    return this;
  }

  acl(id: string, inbound: EntrySpec[], outbound: EntrySpec[]): this {
    const acl = this.raw.NetworkAcls.find((a) => a.NetworkAclId === id);
    if (!acl) throw new Error(`no acl ${id}`);
    acl.Entries = [...inbound.map((e) => ({ ...e, Egress: false })), ...outbound.map((e) => ({ ...e, Egress: true }))];
    return this;
  }

  /** Rule numbers the NACL already uses in one direction. */
  taken(id: string, egress: boolean): number[] {
    const acl = this.raw.NetworkAcls.find((a) => a.NetworkAclId === id);
    return ((acl?.Entries ?? []) as Json[]).filter((e) => e.Egress === egress).map((e) => e.RuleNumber as number);
  }

  prefixList(id: string, cidrs: string[] | null): this {
    this.raw.ManagedPrefixLists.push({
      PrefixListId: id,
      PrefixListName: id,
      AddressFamily: 'IPv4',
      MaxEntries: 10,
      State: 'create-complete',
      OwnerId: ACCOUNT,
    });
    if (cidrs) this.raw.PrefixListEntries[id] = cidrs.map((Cidr) => ({ Cidr }));
    return this;
  }

  peering(id: string, requester: PeeringSide, accepter: PeeringSide, status = 'active'): this {
    const side = (s: PeeringSide) => ({
      VpcId: s.vpc,
      OwnerId: s.owner ?? ACCOUNT,
      Region: s.region ?? REGION,
      CidrBlock: s.cidr,
      CidrBlockSet: [{ CidrBlock: s.cidr }],
    });
    this.raw.VpcPeeringConnections.push({
      VpcPeeringConnectionId: id,
      Status: { Code: status },
      RequesterVpcInfo: side(requester),
      AccepterVpcInfo: side(accepter),
    });
    return this;
  }

  snapshot() {
    return mergeSnapshots([structuredClone(this.raw)]);
  }
}

interface PeeringSide {
  vpc: string;
  cidr: string;
  owner?: string;
  region?: string;
}

/**
 * VPC `vpc-main` 10.0.0.0/16 (and an IPv6 /56): subnets app 10.0.1.0/24, web 10.0.2.0/24, data
 * 10.0.3.0/24, clients 10.0.4.0/24, each with an open NACL of its own. Every group allows all
 * outbound and nothing inbound, so an inbound flow is refused by the destination's group until a
 * scenario opens it.
 */
function baseWorld(): World {
  const w = new World()
    .addVpc('vpc-main', '10.0.0.0/16', '2600:1f18:aaaa:bb00::/56')
    .addSubnet('subnet-app', 'vpc-main', '10.0.1.0/24', '2600:1f18:aaaa:bb01::/64')
    .addSubnet('subnet-web', 'vpc-main', '10.0.2.0/24', '2600:1f18:aaaa:bb02::/64')
    .addSubnet('subnet-data', 'vpc-main', '10.0.3.0/24', '2600:1f18:aaaa:bb03::/64')
    .addSubnet('subnet-clients', 'vpc-main', '10.0.4.0/24', '2600:1f18:aaaa:bb04::/64');
  for (const g of ['sg-app', 'sg-web', 'sg-db', 'sg-worker', 'sg-mon']) w.addGroup(g, 'vpc-main');
  return w
    .addEni({ id: 'eni-app1', subnet: 'subnet-app', ip: APP1, ipv6: APP1_6, groups: ['sg-app'] })
    .addEni({ id: 'eni-app2', subnet: 'subnet-app', ip: APP2, groups: ['sg-app'] })
    .addEni({ id: 'eni-web1', subnet: 'subnet-web', ip: WEB1, ipv6: WEB1_6, groups: ['sg-web'] })
    .addEni({ id: 'eni-db1', subnet: 'subnet-data', ip: DB1, ipv6: DB1_6, groups: ['sg-db'] })
    .addEni({ id: 'eni-worker1', subnet: 'subnet-clients', ip: W1, ipv6: W1_6, groups: ['sg-worker'] })
    .addEni({ id: 'eni-worker2', subnet: 'subnet-clients', ip: W2, groups: ['sg-worker'] })
    .addEni({ id: 'eni-worker3', subnet: 'subnet-clients', ip: W3, groups: ['sg-worker'] })
    .addEni({ id: 'eni-mon1', subnet: 'subnet-clients', ip: MON, ipv6: MON_6, groups: ['sg-mon'] });
}

/** Two interfaces of an Application Load Balancer `shop-alb` (one per subnet, as ELB creates them). */
function withAlb(w: World): World {
  w.addSubnet('subnet-web2', 'vpc-main', '10.0.6.0/24', null, 'acl-web').addGroup('sg-alb', 'vpc-main', [tcp(443, { cidr: '0.0.0.0/0' })]);
  for (const [id, subnet, ip] of [
    ['eni-alb-a', 'subnet-web', ALB_A],
    ['eni-alb-b', 'subnet-web2', ALB_B],
  ] as const) {
    w.addEni({
      id,
      subnet,
      ip,
      groups: ['sg-alb'],
      description: 'ELB app/shop-alb/50dc6c495c0c9188',
      requesterId: 'amazon-elb',
      instanceId: null,
    });
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// Flow-log records (version 8 custom format, as a file delivered to S3 with its header)
// ---------------------------------------------------------------------------------------------

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction reject-reason';

interface Rec {
  eni: string;
  dir: 'ingress' | 'egress';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  protocol?: number;
  packets?: number;
  at?: number;
  action?: 'ACCEPT' | 'REJECT';
  /** Default: SYN (2) for TCP, 0 otherwise. */
  flags?: number;
  rejectReason?: string;
}

function lineV8(r: Rec): string {
  const protocol = r.protocol ?? 6;
  const packets = r.packets ?? 3;
  const at = r.at ?? T0;
  const action = r.action ?? 'REJECT';
  const flags = r.flags ?? (protocol === 6 ? 2 : 0);
  const reason = r.rejectReason ?? '-';
  return `8 ${ACCOUNT} ${r.eni} ${r.src} ${r.dst} ${r.sport} ${r.dport} ${protocol} ${packets} ${packets * 60} ${at} ${at + 60} ${action} OK ${flags} ${r.dir} ${action === 'REJECT' ? reason : '-'}`;
}

/** `n` records of a client that retries, `gap` seconds apart, each from the next source port. */
function retries(rec: Rec, n = 4, gap = 600): Rec[] {
  return Array.from({ length: n }, (_, i) => ({
    ...rec,
    sport: rec.sport + (rec.protocol === 1 || rec.protocol === 58 ? 0 : i),
    at: (rec.at ?? T0) + i * gap,
  }));
}

/**
 * A client's connections and the server's replies: the requests ACCEPTed at `acceptedAt` and the
 * replies (SYN-ACK) REJECTed at `rejectedAt` — the pattern of return traffic a NACL drops.
 */
function conversation(opts: {
  client: string;
  server: string;
  port: number;
  clientPorts: number[];
  acceptedAt: { eni: string; dir: 'ingress' | 'egress' };
  rejectedAt: { eni: string; dir: 'ingress' | 'egress' };
  protocol?: number;
}): Rec[] {
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

/** The default (version 2) format, without a header: no tcp-flags, no flow-direction. */
function lineV2(r: Rec): string {
  const protocol = r.protocol ?? 6;
  const packets = r.packets ?? 3;
  const at = r.at ?? T0;
  return `2 ${ACCOUNT} ${r.eni} ${r.src} ${r.dst} ${r.sport} ${r.dport} ${protocol} ${packets} ${packets * 60} ${at} ${at + 60} ${r.action ?? 'REJECT'} OK`;
}

function run(world: World, records: Rec[], format: 'v8' | 'v2' = 'v8'): DiagnoseResult {
  const parse = format === 'v8' ? createLineParser(parseLogFormat(HEADER)) : createLineParser();
  const line = format === 'v8' ? lineV8 : lineV2;
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const record of records) {
    const parsed = parse(line(record));
    if (!parsed.ok) throw new Error(`${parsed.error}: ${line(record)}`);
    aggregator.add(parsed.record);
  }
  const store = new FlowAggregateStore();
  for (const aggregate of aggregator.aggregates()) store.add(aggregate);
  return diagnose(world.snapshot(), store);
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

function ruleFindings(result: DiagnoseResult): Finding[] {
  return result.findings.filter((f) => f.kind === 'rule');
}

/** The one rule finding of the scenario. */
function onlyRuleFinding(result: DiagnoseResult): Finding {
  const rules = ruleFindings(result);
  expect(rules, JSON.stringify(result.findings.map((f) => [f.kind, f.classification, f.blockedBy, f.traffic.port]))).toHaveLength(1);
  return rules[0];
}

function ruleFindingOn(result: DiagnoseResult, port: number, protocol = 6): Finding {
  const found = ruleFindings(result).filter((f) => f.traffic.port === port && f.traffic.protocol === protocol);
  expect(found, `rule finding for ${protocol}/${port}`).toHaveLength(1);
  return found[0];
}

function fixOf(finding: Finding): SuggestedFix {
  expect(finding.suggestedFix, JSON.stringify(finding.fixNote ?? null)).not.toBeNull();
  return finding.suggestedFix as SuggestedFix;
}

function changesOf(fix: SuggestedFix, action: FixChange['action']): FixChange[] {
  return fix.changes.filter((c) => c.action === action);
}

function onlyChange(fix: SuggestedFix, action: FixChange['action']): FixChange {
  expect(fix.changes.map((c) => c.action)).toEqual([action]);
  return fix.changes[0];
}

interface Permission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp: string }[];
  Ipv6Ranges?: { CidrIpv6: string }[];
  PrefixListIds?: { PrefixListId: string }[];
  UserIdGroupPairs?: { GroupId: string; UserId?: string; VpcId?: string; VpcPeeringConnectionId?: string }[];
}

/** A security-group change's single permission, on `groups`' group, for exactly `protocol` `from`–`to`. */
function sgPermission(change: FixChange, groups: string[], protocol: string, from?: number, to?: number): Permission {
  expect(groups).toContain(change.params.GroupId);
  const permissions = change.params.IpPermissions as Permission[];
  expect(permissions).toHaveLength(1);
  const [permission] = permissions;
  expect(permission.IpProtocol).toBe(protocol);
  if (from !== undefined) expect([permission.FromPort, permission.ToPort]).toEqual([from, to ?? from]);
  return permission;
}

const cidrsOf = (p: Permission) => (p.IpRanges ?? []).map((r) => r.CidrIp);
const cidrs6Of = (p: Permission) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6);
const pairsOf = (p: Permission) => p.UserIdGroupPairs ?? [];

/** The peer of a permission is exactly one referenced group among `groups`, and nothing else. */
function expectGroupPeer(p: Permission, groups: string[]): { GroupId: string; UserId?: string } {
  expect(cidrsOf(p)).toEqual([]);
  expect(cidrs6Of(p)).toEqual([]);
  expect(p.PrefixListIds ?? []).toEqual([]);
  const pairs = pairsOf(p);
  expect(pairs).toHaveLength(1);
  expect(groups).toContain(pairs[0].GroupId);
  return pairs[0];
}

function expectCidrPeers(p: Permission, cidrs: string[]): void {
  expect(pairsOf(p)).toEqual([]);
  expect([...cidrsOf(p), ...cidrs6Of(p)].sort()).toEqual([...cidrs].sort());
}

function expectNoWorldOpen(fix: SuggestedFix | null): void {
  const text = JSON.stringify(fix?.changes ?? []);
  expect(text).not.toContain('"0.0.0.0/0"');
  expect(text).not.toContain('"::/0"');
}

// IP arithmetic of the assertions (IPv4 and IPv6), independent of the engine's.

function addressBits(address: string): { value: bigint; width: number } {
  if (!address.includes(':')) {
    const value = address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { value, width: 32 };
  }
  const [head, tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}

function cidrContains(cidr: string, address: string): boolean {
  const [base, lengthText] = cidr.split('/');
  const net = addressBits(base);
  const ip = addressBits(address);
  if (net.width !== ip.width) return false;
  const shift = BigInt(net.width - Number(lengthText));
  return net.value >> shift === ip.value >> shift;
}

function cidrSize(cidr: string): bigint {
  const [base, lengthText] = cidr.split('/');
  return 1n << BigInt(addressBits(base).width - Number(lengthText));
}

/** Every peer covered by some CIDR, at most `maxSources` CIDRs, each within `within`. */
function expectCover(cidrs: string[], peers: string[], opts: { within?: string; maxSources?: number; maxAddresses?: bigint } = {}): void {
  for (const peer of peers)
    expect(
      cidrs.some((c) => cidrContains(c, peer)),
      `${peer} covered by ${cidrs.join(',')}`,
    ).toBe(true);
  expect(cidrs.length).toBeLessThanOrEqual(opts.maxSources ?? 10);
  if (opts.within)
    for (const c of cidrs)
      expect(cidrContains(opts.within, c.split('/')[0]) && cidrSize(c) <= cidrSize(opts.within), `${c} within ${opts.within}`).toBe(true);
  if (opts.maxAddresses !== undefined) expect(cidrs.reduce((sum, c) => sum + cidrSize(c), 0n)).toBeLessThanOrEqual(opts.maxAddresses);
}

interface NaclChangeSpec {
  acl: string;
  egress: boolean;
  protocol: string;
  /** Every rule number of the NACL's direction before the change. */
  taken: number[];
  /** The number of the first deny that matches the flows: the new entry must come before it. */
  before: number;
}

/** A CreateNetworkAclEntry allowing the flows, under a free number before the matching deny. */
function expectNaclAllow(change: FixChange, spec: NaclChangeSpec): Json {
  expect(change.action).toBe('CreateNetworkAclEntry');
  const p = change.params;
  expect(p.NetworkAclId).toBe(spec.acl);
  expect(p.Egress).toBe(spec.egress);
  expect(p.RuleAction).toBe('allow');
  expect(String(p.Protocol)).toBe(spec.protocol);
  expect(p.RuleNumber).toBeGreaterThanOrEqual(1);
  expect(p.RuleNumber).toBeLessThan(spec.before);
  expect(spec.taken).not.toContain(p.RuleNumber);
  return p;
}

function naclCidr(p: Json): string {
  const cidr = (p.CidrBlock ?? p.Ipv6CidrBlock) as string;
  expect(typeof cidr).toBe('string');
  return cidr;
}

/** A return-traffic port range: one of the documented client ranges, covering every observed client port. */
function expectEphemeralRange(p: Json, clientPorts: number[]): { From: number; To: number } {
  const range = p.PortRange as { From: number; To: number };
  expect(EPHEMERAL_RANGES).toContainEqual(range);
  for (const port of clientPorts) expect(port >= range.From && port <= range.To, `${port} in ${range.From}-${range.To}`).toBe(true);
  return range;
}

const riskKinds = (fix: SuggestedFix) => fix.risks.map((r) => r.kind);

/** Every finding noise: campaigns without a fix. */
function expectAllNoise(result: DiagnoseResult): void {
  expect(result.findings.length).toBeGreaterThan(0);
  for (const f of result.findings) {
    expect(f.classification, JSON.stringify([f.kind, f.traffic.port, f.signals])).toBe('likely-noise');
    expect(f.suggestedFix).toBeNull();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

describe('diagnose scenarios: security group blocks inbound', () => {
  it('S01 a worker in the VPC retrying the database port: misconfiguration, the worker group referenced on tcp/5432', () => {
    const w = baseWorld().ingress('sg-db', tcp(5432, { group: 'sg-app' }));
    const result = run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 }));
    const f = onlyRuleFinding(result);
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] });
    expect(f.traffic).toMatchObject({ direction: 'ingress', protocol: 6, port: 5432, records: 4 });
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432);
    expectGroupPeer(p, ['sg-worker']);
    expect(fix.verified).toBe(true);
    expect(riskKinds(fix)).not.toContain('internet-exposure');
  });

  it('S59 a referenced group with members that sent nothing: the risks name what else the reference opens', () => {
    const w = baseWorld().ingress('sg-db', tcp(5432, { group: 'sg-app' }));
    const fix = fixOf(onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 }))));
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    expect(fix.risks.length).toBeGreaterThan(0);
    expect(JSON.stringify(fix.risks)).toMatch(/sg-worker|eni-worker2|10\.0\.4\.21/);
  });

  it('S02 an interface with two groups: the finding names both, the fix authorizes on one of them', () => {
    const w = baseWorld().addGroup('sg-db-admin', 'vpc-main', [tcp(22, { cidr: '10.0.0.0/16' })]);
    w.raw.NetworkInterfaces.find((e) => e.NetworkInterfaceId === 'eni-db1')!.Groups = [
      { GroupId: 'sg-db-admin', GroupName: 'db-admin' },
      { GroupId: 'sg-db', GroupName: 'db' },
    ];
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'ingress', groupIds: ['sg-db', 'sg-db-admin'] });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db', 'sg-db-admin'], 'tcp', 5432), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });

  it('S03 three workers of one group: one finding, one rule referencing their group', () => {
    const recs = [W1, W2, W3].flatMap((src, i) =>
      retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 40000 + i * 100, dport: 5432 }),
    );
    const f = onlyRuleFinding(run(baseWorld(), recs));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.peers.map((p) => p.address).sort()).toEqual([W1, W2, W3]);
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });

  it('S04 a peer carrying two groups: the rule references one of the peer’s groups', () => {
    const w = baseWorld().addGroup('sg-batch', 'vpc-main');
    w.addEni({ id: 'eni-batch1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker', 'sg-batch'] });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.40', dst: DB1, sport: 45000, dport: 5432 })));
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker', 'sg-batch']);
    expect(fix.verified).toBe(true);
  });

  it('S05 a VPC address no interface holds: the narrowest CIDR, the /32, never a group or the VPC', () => {
    const f = onlyRuleFinding(
      run(baseWorld(), retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.77', dst: DB1, sport: 45000, dport: 5432 })),
    );
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['10.0.4.77/32']);
    expect(fix.verified).toBe(true);
  });

  it('S06 two neighbouring VPC addresses without interfaces: CIDRs covering exactly the two', () => {
    const recs = ['10.0.4.80', '10.0.4.81'].flatMap((src) =>
      retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }),
    );
    const fix = fixOf(onlyRuleFinding(run(baseWorld(), recs)));
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432);
    expect(pairsOf(p)).toEqual([]);
    expectCover(cidrsOf(p), ['10.0.4.80', '10.0.4.81'], { maxAddresses: 2n });
    expect(fix.verified).toBe(true);
  });

  it('S07 25 on-premises clients (VPN, 192.168.50.0/24) retrying: a few CIDRs inside their network, never the internet', () => {
    const peers = Array.from({ length: 25 }, (_, i) => `192.168.50.${10 + i}`);
    const recs = peers.flatMap((src) => retries({ eni: 'eni-app1', dir: 'ingress', src, dst: APP1, sport: 50000, dport: 8080 }, 3));
    const f = onlyRuleFinding(run(baseWorld(), recs));
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080);
    expectCover(cidrsOf(p), peers, { within: '192.168.50.0/24' });
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S08 fifteen hosts of one subnet, each in a group of its own: the subnet’s block', () => {
    const w = baseWorld().addSubnet('subnet-batch', 'vpc-main', '10.0.5.0/24');
    const peers: string[] = [];
    for (let i = 0; i < 15; i++) {
      const ip = `10.0.5.${10 + i}`;
      peers.push(ip);
      w.addGroup(`sg-job${i}`, 'vpc-main').addEni({ id: `eni-job${i}`, subnet: 'subnet-batch', ip, groups: [`sg-job${i}`] });
    }
    const recs = peers.flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }, 3));
    const f = onlyRuleFinding(run(w, recs));
    expect(f.classification).toBe('likely-misconfiguration');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['10.0.5.0/24']);
    expect(fix.verified).toBe(true);
  });

  it('S09 an internet partner retrying tcp/8443 with retransmits: not noise, its /32 only', () => {
    const f = onlyRuleFinding(
      run(baseWorld(), retries({ eni: 'eni-web1', dir: 'ingress', src: '198.51.100.20', dst: WEB1, sport: 51000, dport: 8443 }, 5)),
    );
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 8443), ['198.51.100.20/32']);
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S10 a port already open to a neighbour subnet and accepted from it: the refused worker is a misconfiguration', () => {
    const w = baseWorld().ingress('sg-web', tcp(443, { cidr: '10.0.2.0/24' }));
    w.addEni({ id: 'eni-web2', subnet: 'subnet-web', ip: '10.0.2.11', groups: ['sg-web'] });
    const recs = [
      ...retries({ eni: 'eni-web1', dir: 'ingress', src: '10.0.2.11', dst: WEB1, sport: 41000, dport: 443, action: 'ACCEPT' }),
      ...retries({ eni: 'eni-web1', dir: 'ingress', src: W1, dst: WEB1, sport: 45000, dport: 443 }),
    ];
    const f = onlyRuleFinding(run(w, recs));
    expect(f.classification).toBe('likely-misconfiguration');
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 443), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });

  it('S11 UDP: SNMP polls from the monitoring host open udp/161 for its group', () => {
    const f = onlyRuleFinding(
      run(
        baseWorld(),
        retries({ eni: 'eni-app1', dir: 'ingress', src: MON, dst: APP1, sport: 40100, dport: 161, protocol: 17, packets: 1 }, 6),
      ),
    );
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic).toMatchObject({ protocol: 17, port: 161 });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'udp', 161), ['sg-mon']);
    expect(fix.verified).toBe(true);
  });

  it('S12 GRE (protocol 47) from an app host to a web host: the rule names protocol 47, never all protocols', () => {
    const f = onlyRuleFinding(
      run(baseWorld(), retries({ eni: 'eni-web1', dir: 'ingress', src: APP1, dst: WEB1, sport: 0, dport: 0, protocol: 47 })),
    );
    expect(f.traffic.protocol).toBe(47);
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], '47');
    expectGroupPeer(p, ['sg-app']);
    expect(fix.verified).toBe(true);
  });

  it('S13 two ports from one peer: two findings, each fix opening exactly its own port', () => {
    const recs = [8080, 8081].flatMap((dport) =>
      retries({ eni: 'eni-app1', dir: 'ingress', src: W1, dst: APP1, sport: 45000 + dport, dport }),
    );
    const result = run(baseWorld(), recs);
    expect(ruleFindings(result)).toHaveLength(2);
    for (const port of [8080, 8081]) {
      const fix = fixOf(ruleFindingOn(result, port));
      expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', port), ['sg-worker']);
      expect(fix.verified).toBe(true);
    }
  });

  it('S14 a worker reaching a web host by its public address: a public address never matches a group, the fix is its /32', () => {
    const w = baseWorld();
    w.raw.NetworkInterfaces.find((e) => e.NetworkInterfaceId === 'eni-worker1')!.Association = {
      PublicIp: '3.80.0.21',
      IpOwnerId: 'amazon',
    };
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-web1', dir: 'ingress', src: '3.80.0.21', dst: WEB1, sport: 45000, dport: 8443 })));
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 8443), ['3.80.0.21/32']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: security group blocks outbound', () => {
  it('S15 an app host’s egress group does not allow the database: AuthorizeSecurityGroupEgress referencing the db group', () => {
    const w = baseWorld()
      .egress('sg-app', tcp(443, { cidr: '0.0.0.0/0' }))
      .ingress('sg-db', tcp(5432, { group: 'sg-app' }));
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 5432), ['sg-db']);
    expect(fix.verified).toBe(true);
  });

  it('S16 outbound HTTPS to one external API refused: egress tcp/443 to its /32', () => {
    const w = baseWorld().egress('sg-app', tcp(80, { cidr: '0.0.0.0/0' }));
    const f = onlyRuleFinding(
      run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.50', sport: 45000, dport: 443 })),
    );
    expect(f.classification).not.toBe('likely-noise');
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] });
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443), ['203.0.113.50/32']);
    expect(fix.verified).toBe(true);
  });

  it('S17 outbound HTTPS to twenty addresses of one provider /24: at most ten CIDRs inside it', () => {
    const w = baseWorld().egress('sg-app', tcp(80, { cidr: '0.0.0.0/0' }));
    const peers = Array.from({ length: 20 }, (_, i) => `203.0.113.${10 + i}`);
    const recs = peers.flatMap((dst) => retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst, sport: 45000, dport: 443 }, 2));
    const f = onlyRuleFinding(run(w, recs));
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443);
    expectCover(cidrsOf(p), peers, { within: '203.0.113.0/24' });
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S18 outbound IPv6 refused by an IPv4-only egress group: an Ipv6Ranges /128', () => {
    const w = baseWorld().egress('sg-app', perm('-1', null, null, { cidr: '0.0.0.0/0' }));
    const f = onlyRuleFinding(
      run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1_6, dst: '2606:4700:4700::1111', sport: 45000, dport: 443 })),
    );
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443);
    expect(cidrsOf(p)).toEqual([]);
    expectCidrPeers(p, ['2606:4700:4700::1111/128']);
    expect(fix.verified).toBe(true);
  });

  it('S19 a load balancer’s egress group does not reach its targets: the finding names the load balancer', () => {
    const w = withAlb(baseWorld()).egress('sg-alb', tcp(80, { cidr: '10.0.0.0/16' }));
    w.ingress('sg-app', tcp(8080, { group: 'sg-alb' }));
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-alb-a', dir: 'egress', src: ALB_A, dst: APP1, sport: 3000, dport: 8080 })));
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-alb'] });
    expect(f.traffic.interfaces.map((i) => i.owner ?? '').join(' ')).toContain('shop-alb');
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-alb'], 'tcp', 8080), ['sg-app']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: network ACLs', () => {
  it('S20 a data subnet NACL that admits only the app subnet: a free entry before the catch-all deny for the worker’s /32', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl('acl-data', [allow(100, '10.0.1.0/24', '6', [5432, 5432]), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-data', ruleNumber: 32767 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 32767,
    });
    expect(p.PortRange).toEqual({ From: 5432, To: 5432 });
    expect(naclCidr(p)).toBe(`${W1}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S21 the same, with an outbound NACL that only answers the app subnet: the reply entry on the client’s ephemeral range too', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl(
        'acl-data',
        [allow(100, '10.0.1.0/24', '6', [5432, 5432]), ...DEFAULT_DENIES],
        [allow(100, '10.0.1.0/24', '6', [1024, 65535]), ...DEFAULT_DENIES],
      );
    const recs = retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 });
    const fix = fixOf(onlyRuleFinding(run(w, recs)));
    const inbound = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === false);
    const outbound = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === true);
    expect(inbound).toHaveLength(1);
    expect(outbound).toHaveLength(1);
    expectNaclAllow(inbound[0], { acl: 'acl-data', egress: false, protocol: '6', taken: w.taken('acl-data', false), before: 32767 });
    const reply = expectNaclAllow(outbound[0], {
      acl: 'acl-data',
      egress: true,
      protocol: '6',
      taken: w.taken('acl-data', true),
      before: 32767,
    });
    expectEphemeralRange(reply, [45000, 45001, 45002, 45003]);
    expect(cidrContains(naclCidr(reply), W1)).toBe(true);
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S22 an explicit deny at 50 for the clients subnet: the allow lands on a free number below 50', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl(
        'acl-data',
        [allow(10, '10.0.1.0/24', '6', [22, 22]), deny(50, '10.0.4.0/24'), allow(100, '10.0.0.0/16'), ...DEFAULT_DENIES],
        OPEN,
      );
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-data', ruleNumber: 50 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 50,
    });
    expect(p.PortRange).toEqual({ From: 5432, To: 5432 });
    expect(naclCidr(p)).toBe(`${W1}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S23 a crowded NACL (10…90 taken, deny at 95): a free number below 95', () => {
    const taken = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((n, i) => allow(n, '10.0.1.0/24', '6', [8000 + i, 8000 + i]));
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl('acl-data', [...taken, deny(95, '10.0.4.0/22'), allow(100, '10.0.0.0/16'), ...DEFAULT_DENIES], OPEN);
    const fix = fixOf(onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 }))));
    expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 95,
    });
    expect(fix.verified).toBe(true);
  });

  it('S24 a deny at rule 1 leaves no number before it: the deny is re-created after it, then replaced by the allow', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl('acl-data', [deny(1, '0.0.0.0/0', '6', [5432, 5432]), allow(100, '10.0.0.0/16'), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toMatchObject({ control: 'network-acl', ruleNumber: 1 });
    const fix = fixOf(f);
    expect(fix.changes.map((c) => c.action)).toEqual(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry']);
    const [moved, replaced] = fix.changes.map((c) => c.params);
    expect(moved).toMatchObject({
      NetworkAclId: 'acl-data',
      Egress: false,
      RuleAction: 'deny',
      CidrBlock: '0.0.0.0/0',
      PortRange: { From: 5432, To: 5432 },
    });
    expect(moved.RuleNumber).toBeGreaterThan(1);
    expect(moved.RuleNumber).toBeLessThan(100);
    expect(w.taken('acl-data', false)).not.toContain(moved.RuleNumber);
    expect(replaced).toMatchObject({
      NetworkAclId: 'acl-data',
      Egress: false,
      RuleNumber: 1,
      RuleAction: 'allow',
      CidrBlock: `${W1}/32`,
      PortRange: { From: 5432, To: 5432 },
    });
    expect(fix.verified).toBe(true);
  });

  it('S58 a deny at rule 1 followed by an allow-all at 2 cannot be moved: it is replaced alone, and the risks say what that opens', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { cidr: '0.0.0.0/0' }))
      .acl('acl-data', [deny(1, '0.0.0.0/0', '6', [5432, 5432]), allow(2, '0.0.0.0/0'), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    const fix = fixOf(f);
    const replaced = onlyChange(fix, 'ReplaceNetworkAclEntry').params;
    expect(replaced).toMatchObject({
      NetworkAclId: 'acl-data',
      Egress: false,
      RuleNumber: 1,
      RuleAction: 'allow',
      CidrBlock: `${W1}/32`,
      PortRange: { From: 5432, To: 5432 },
    });
    expect(riskKinds(fix)).toEqual(expect.arrayContaining(['deny-removed', 'internet-exposure']));
    expect(fix.verified).toBe(true);
  });

  it('S25 an app subnet NACL that lets out only HTTPS: an outbound entry for tcp/5432 to the database', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-app' }))
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '0.0.0.0/0', '6', [32768, 60999]), ...DEFAULT_DENIES]);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'egress', networkAclId: 'acl-app', ruleNumber: 32767 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: true,
      protocol: '6',
      taken: w.taken('acl-app', true),
      before: 32767,
    });
    expect(p.PortRange).toEqual({ From: 5432, To: 5432 });
    expect(naclCidr(p)).toBe(`${DB1}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S26 two services refused by one NACL in one run: their entries take different free numbers', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }), tcp(6379, { group: 'sg-worker' }))
      .acl('acl-data', [allow(100, '10.0.1.0/24'), ...DEFAULT_DENIES], OPEN);
    const recs = [5432, 6379].flatMap((dport) =>
      retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 40000 + dport, dport }),
    );
    const result = run(w, recs);
    const numbers = [5432, 6379].map((port) => {
      const fix = fixOf(ruleFindingOn(result, port));
      const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
        acl: 'acl-data',
        egress: false,
        protocol: '6',
        taken: w.taken('acl-data', false),
        before: 32767,
      });
      expect(p.PortRange).toEqual({ From: port, To: port });
      return p.RuleNumber;
    });
    expect(new Set(numbers).size).toBe(2);
  });

  it('S27 IPv6 from a worker refused by the IPv6 catch-all (32768): an entry with Ipv6CidrBlock', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { cidr: '2600:1f18:aaaa:bb04::/64' }))
      .acl('acl-data', [allow(100, '10.0.0.0/16'), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1_6, dst: DB1_6, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-data', ruleNumber: 32768 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 32768,
    });
    expect(p.CidrBlock).toBeUndefined();
    expect(p.Ipv6CidrBlock).toBe(`${W1_6}/128`);
    expect(p.PortRange).toEqual({ From: 5432, To: 5432 });
    expect(fix.verified).toBe(true);
  });

  it('S28 ICMPv6 from the monitoring host refused by the NACL: protocol 58 with every ICMP type and code', () => {
    const w = baseWorld()
      .ingress('sg-app', perm('icmpv6', -1, -1, { cidr: '2600:1f18:aaaa:bb00::/56' }))
      .acl('acl-app', [allow(100, '0.0.0.0/0'), allow(101, '::/0', '6', [443, 443]), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(
      run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: MON_6, dst: APP1_6, sport: 0, dport: 0, protocol: 58, packets: 4 }, 6)),
    );
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32768 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '58',
      taken: w.taken('acl-app', false),
      before: 32768,
    });
    expect(p.Ipv6CidrBlock).toBe(`${MON_6}/128`);
    expect(p.IcmpTypeCode).toEqual({ Type: -1, Code: -1 });
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: return traffic (stateless NACL)', () => {
  it('S29 replies of an external HTTPS API dropped by the app subnet’s inbound NACL: a NACL entry on the Linux ephemeral range, never a group', () => {
    const w = baseWorld().acl(
      'acl-app',
      [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES],
      OPEN,
    );
    const clientPorts = [40000, 40001, 40002, 40003];
    const recs = conversation({
      client: APP1,
      server: '203.0.113.50',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.traffic.port).toBe(443);
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32767 });
    const fix = fixOf(f);
    expect(fix.changes.some((c) => c.action.includes('SecurityGroup'))).toBe(false);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expect(expectEphemeralRange(p, clientPorts)).toEqual({ From: 32768, To: 60999 });
    expect(naclCidr(p)).toBe('203.0.113.50/32');
    expect(fix.verified).toBe(true);
  });

  it('S30 a web server’s replies to a Linux client dropped by an outbound NACL that only has the Windows range', () => {
    const w = baseWorld()
      .ingress('sg-web', tcp(443, { group: 'sg-worker' }))
      .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [49152, 65535]), ...DEFAULT_DENIES]);
    const clientPorts = [40000, 40001, 40002];
    const recs = conversation({
      client: W1,
      server: WEB1,
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-web1', dir: 'egress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'egress', networkAclId: 'acl-web', ruleNumber: 32767 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-web',
      egress: true,
      protocol: '6',
      taken: w.taken('acl-web', true),
      before: 32767,
    });
    expect(expectEphemeralRange(p, clientPorts)).toEqual({ From: 32768, To: 60999 });
    expect(naclCidr(p)).toBe(`${W1}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S31 a Windows client’s replies (ports above 61000) dropped by an outbound NACL with the Linux range only', () => {
    const w = baseWorld()
      .ingress('sg-web', tcp(443, { group: 'sg-worker' }))
      .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [32768, 60999]), ...DEFAULT_DENIES]);
    w.addEni({ id: 'eni-win1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker'] });
    const clientPorts = [62000, 62001, 62002];
    const recs = conversation({
      client: '10.0.4.40',
      server: WEB1,
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-web1', dir: 'egress' },
    });
    const fix = fixOf(onlyRuleFinding(run(w, recs)));
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-web',
      egress: true,
      protocol: '6',
      taken: w.taken('acl-web', true),
      before: 32767,
    });
    expect(expectEphemeralRange(p, clientPorts)).toEqual({ From: 49152, To: 65535 });
    expect(fix.verified).toBe(true);
  });

  it('S32 a target’s replies to its load balancer (client ports 1024–65535) dropped outbound: the ELB range, the load balancer named', () => {
    const w = withAlb(baseWorld())
      .ingress('sg-app', tcp(8080, { group: 'sg-alb' }))
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [32768, 65535]), ...DEFAULT_DENIES]);
    const recs = [
      ...conversation({
        client: ALB_A,
        server: APP1,
        port: 8080,
        clientPorts: [3000, 3001],
        acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-app1', dir: 'egress' },
      }),
      ...conversation({
        client: ALB_B,
        server: APP1,
        port: 8080,
        clientPorts: [5000, 5001],
        acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-app1', dir: 'egress' },
      }),
    ];
    const f = onlyRuleFinding(run(w, recs));
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.traffic.peers.map((p) => p.owner ?? '').join(' ')).toContain('shop-alb');
    const fix = fixOf(f);
    const entries = changesOf(fix, 'CreateNetworkAclEntry');
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(fix.changes.length).toBe(entries.length);
    const cidrs: string[] = [];
    for (const change of entries) {
      const p = expectNaclAllow(change, { acl: 'acl-app', egress: true, protocol: '6', taken: w.taken('acl-app', true), before: 32767 });
      expect(p.PortRange).toEqual({ From: 1024, To: 65535 });
      cidrs.push(naclCidr(p));
    }
    expectCover(cidrs, [ALB_A, ALB_B], { within: '10.0.0.0/16' });
    expect(new Set(entries.map((c) => c.params.RuleNumber)).size).toBe(entries.length);
    expect(fix.verified).toBe(true);
  });

  it('S33 UDP DNS answers from an external resolver dropped inbound: a protocol-17 entry on the ephemeral range', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6'), ...DEFAULT_DENIES], OPEN);
    const clientPorts = [50000, 50001, 50002, 50003];
    const recs = conversation({
      client: APP1,
      server: '8.8.8.8',
      port: 53,
      protocol: 17,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.traffic).toMatchObject({ protocol: 17, port: 53, returnTraffic: true });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '17',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expectEphemeralRange(p, clientPorts);
    expect(naclCidr(p)).toBe('8.8.8.8/32');
    expect(fix.verified).toBe(true);
  });

  it('S34 a late FIN of an external server after the connection closed: no rule finding (the NACL would pass it; groups never block replies)', () => {
    const recs: Rec[] = [
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.50', sport: 40000, dport: 443, action: 'ACCEPT', flags: 3 },
      { eni: 'eni-app1', dir: 'ingress', src: '203.0.113.50', dst: APP1, sport: 443, dport: 40000, packets: 1, flags: 1, at: T0 + 400 },
    ];
    const result = run(baseWorld(), recs);
    expect(ruleFindings(result).filter((f) => f.suggestedFix !== null)).toEqual([]);
    expect(result.findings.filter((f) => f.classification === 'likely-misconfiguration')).toEqual([]);
  });
});

describe('diagnose scenarios: several controls', () => {
  it('S35 the data NACL and the db group both refuse a worker: the NACL is named first, the fix opens both', () => {
    const w = baseWorld().acl('acl-data', [allow(100, '10.0.1.0/24'), ...DEFAULT_DENIES], OPEN);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-data', ruleNumber: 32767 });
    expect(f.alsoBlockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }]);
    const fix = fixOf(f);
    expect(fix.changes.map((c) => c.action).sort()).toEqual(['AuthorizeSecurityGroupIngress', 'CreateNetworkAclEntry']);
    const nacl = expectNaclAllow(changesOf(fix, 'CreateNetworkAclEntry')[0], {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 32767,
    });
    expect(nacl.PortRange).toEqual({ From: 5432, To: 5432 });
    expectGroupPeer(sgPermission(changesOf(fix, 'AuthorizeSecurityGroupIngress')[0], ['sg-db'], 'tcp', 5432), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });

  it('S36 the worker’s egress group and its subnet’s outbound NACL both refuse: the group is named first, the fix opens both', () => {
    const w = baseWorld()
      .egress('sg-worker', tcp(443, { cidr: '0.0.0.0/0' }))
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }))
      .acl('acl-clients', OPEN, [
        allow(100, '0.0.0.0/0', '6', [443, 443]),
        allow(110, '0.0.0.0/0', '6', [32768, 60999]),
        ...DEFAULT_DENIES,
      ]);
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-worker1', dir: 'egress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-worker'] });
    expect(f.alsoBlockedBy).toEqual([{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-clients', ruleNumber: 32767 }]);
    const fix = fixOf(f);
    expect(fix.changes.map((c) => c.action).sort()).toEqual(['AuthorizeSecurityGroupEgress', 'CreateNetworkAclEntry']);
    expectGroupPeer(sgPermission(changesOf(fix, 'AuthorizeSecurityGroupEgress')[0], ['sg-worker'], 'tcp', 5432), ['sg-db']);
    const nacl = expectNaclAllow(changesOf(fix, 'CreateNetworkAclEntry')[0], {
      acl: 'acl-clients',
      egress: true,
      protocol: '6',
      taken: w.taken('acl-clients', true),
      before: 32767,
    });
    expect(nacl.PortRange).toEqual({ From: 5432, To: 5432 });
    expect(naclCidr(nacl)).toBe(`${DB1}/32`);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: IPv6 and ICMP', () => {
  it('S37 an IPv6 internet partner retrying: Ipv6Ranges with its /128, never ::/0', () => {
    const f = onlyRuleFinding(
      run(
        baseWorld(),
        retries({ eni: 'eni-web1', dir: 'ingress', src: '2001:4860:4860::8888', dst: WEB1_6, sport: 51000, dport: 8443 }, 5),
      ),
    );
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 8443);
    expect(cidrsOf(p)).toEqual([]);
    expectCidrPeers(p, ['2001:4860:4860::8888/128']);
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S38 pings from the monitoring host refused by the app group: every ICMP type for the monitoring group, and the risk said', () => {
    const f = onlyRuleFinding(
      run(baseWorld(), retries({ eni: 'eni-app1', dir: 'ingress', src: MON, dst: APP1, sport: 0, dport: 0, protocol: 1, packets: 4 }, 6)),
    );
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'ingress', groupIds: ['sg-app'] });
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'icmp', -1, -1);
    expectGroupPeer(p, ['sg-mon']);
    expect(riskKinds(fix)).toContain('all-icmp-types');
    expect(fix.verified).toBe(true);
  });

  it('S39 pings against a group that allows only some ICMP types: undecidable, no finding, counted under its reason', () => {
    const w = baseWorld().ingress('sg-app', perm('icmp', 0, -1, { cidr: '10.0.0.0/16' }));
    const result = run(
      w,
      retries({ eni: 'eni-app1', dir: 'ingress', src: MON, dst: APP1, sport: 0, dport: 0, protocol: 1, packets: 4 }, 6),
    );
    expect(ruleFindings(result)).toEqual([]);
    expect(result.stats.rejected.unknown.records).toBe(6);
    expect(result.stats.coverage.undecided.map((u) => u.reason)).toContain('icmp-type-rule');
  });
});

describe('diagnose scenarios: prefix lists', () => {
  it('S40 a VPN client outside the group’s prefix list: its /32 (a group rule cannot edit the list)', () => {
    const w = baseWorld()
      .prefixList('pl-corp', ['10.50.0.0/16'])
      .ingress('sg-db', tcp(5432, { prefixList: 'pl-corp' }));
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: '10.60.1.5', dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['10.60.1.5/32']);
    expect(fix.verified).toBe(true);
  });

  it('S41 a client the prefix list now covers: the REJECTs are already allowed, no finding', () => {
    const w = baseWorld()
      .prefixList('pl-corp', ['10.50.0.0/16'])
      .ingress('sg-db', tcp(5432, { prefixList: 'pl-corp' }));
    const result = run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: '10.50.1.5', dst: DB1, sport: 45000, dport: 5432 }));
    expect(result.findings).toEqual([]);
    expect(result.stats.rejected.allowed.records).toBe(4);
  });

  it('S42 a prefix list the snapshot has no entries for: undecidable, no finding, counted under its reason', () => {
    const w = baseWorld()
      .prefixList('pl-corp', null)
      .ingress('sg-db', tcp(5432, { prefixList: 'pl-corp' }));
    const result = run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: '10.50.1.5', dst: DB1, sport: 45000, dport: 5432 }));
    expect(ruleFindings(result)).toEqual([]);
    expect(result.stats.coverage.undecided.map((u) => u.reason)).toContain('prefix-list-without-entries');
  });
});

describe('diagnose scenarios: peered VPCs', () => {
  function peeredWorld(opts: { vpc: string; cidr: string; owner?: string; region?: string }): World {
    const name = opts.vpc.slice('vpc-'.length);
    const w = baseWorld()
      .addVpc(opts.vpc, opts.cidr, null, opts.owner)
      .addSubnet(`subnet-${name}1`, opts.vpc, opts.cidr.replace('.0.0/16', '.1.0/24'), null, undefined, opts.owner)
      .addGroup(`sg-${name}-client`, opts.vpc, [], [ALL_OUT], opts.owner)
      .addEni({
        id: `eni-${name}1`,
        subnet: `subnet-${name}1`,
        ip: opts.cidr.replace('.0.0/16', '.1.20'),
        groups: [`sg-${name}-client`],
        owner: opts.owner,
      })
      .peering(
        `pcx-main${name}`,
        { vpc: 'vpc-main', cidr: '10.0.0.0/16' },
        { vpc: opts.vpc, cidr: opts.cidr, owner: opts.owner, region: opts.region },
      );
    return w;
  }

  it('S43 a client in a peered VPC of the same Region and account: its group referenced', () => {
    const w = peeredWorld({ vpc: 'vpc-peer', cidr: '10.1.0.0/16' });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: '10.1.1.20', dst: APP1, sport: 45000, dport: 8080 })));
    expect(f.classification).toBe('likely-misconfiguration');
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), ['sg-peer-client']);
    expect(fix.verified).toBe(true);
  });

  it('S44 a client in a peered VPC of another Region: groups cannot be referenced across Regions, its /32', () => {
    const w = peeredWorld({ vpc: 'vpc-west', cidr: '10.2.0.0/16', region: 'us-west-2' });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: '10.2.1.20', dst: APP1, sport: 45000, dport: 8080 })));
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), ['10.2.1.20/32']);
    expect(fix.verified).toBe(true);
  });

  it('S45 a client in a peered VPC of another account, same Region: its group referenced with the owner’s account id', () => {
    const w = peeredWorld({ vpc: 'vpc-partner', cidr: '10.3.0.0/16', owner: OTHER_ACCOUNT });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: '10.3.1.20', dst: APP1, sport: 45000, dport: 8080 })));
    const fix = fixOf(f);
    const pair = expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), [
      'sg-partner-client',
    ]);
    expect(pair.UserId).toBe(OTHER_ACCOUNT);
    expect(fix.verified).toBe(true);
  });

  it('S46 egress to a peered VPC of the same Region refused by the app group: egress referencing the peer’s group', () => {
    const w = peeredWorld({ vpc: 'vpc-peer', cidr: '10.1.0.0/16' }).egress('sg-app', tcp(443, { cidr: '0.0.0.0/0' }));
    w.ingress('sg-peer-client', tcp(9000, { cidr: '10.0.0.0/16' }));
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.1.1.20', sport: 45000, dport: 9000 })));
    expect(f.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 9000), ['sg-peer-client']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: load balancers', () => {
  it('S47 ALB health checks refused by the target group: the ALB’s group referenced, the peers named as the load balancer', () => {
    const w = withAlb(baseWorld());
    const recs = [
      ...retries({ eni: 'eni-app1', dir: 'ingress', src: ALB_A, dst: APP1, sport: 3000, dport: 8080 }, 6, 30),
      ...retries({ eni: 'eni-app1', dir: 'ingress', src: ALB_B, dst: APP1, sport: 5000, dport: 8080 }, 6, 30),
    ];
    const f = onlyRuleFinding(run(w, recs));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.peers.map((p) => p.owner ?? '').join(' ')).toContain('shop-alb');
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), ['sg-alb']);
    expect(fix.verified).toBe(true);
  });

  it('S48 a Network Load Balancer with a group refusing an internal client: the finding’s interface is the NLB by name', () => {
    const w = baseWorld().addGroup('sg-nlb', 'vpc-main', [tcp(443, { cidr: '10.0.1.0/24' })]);
    w.addEni({
      id: 'eni-nlb1',
      subnet: 'subnet-web',
      ip: '10.0.2.60',
      groups: ['sg-nlb'],
      description: 'ELB net/api-nlb/0123456789abcdef',
      interfaceType: 'network_load_balancer',
      requesterId: 'amazon-elb',
      instanceId: null,
    });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-nlb1', dir: 'ingress', src: W1, dst: '10.0.2.60', sport: 45000, dport: 443 })));
    expect(f.traffic.interfaces.map((i) => i.owner ?? '').join(' ')).toContain('api-nlb');
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-nlb'], 'tcp', 443), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: nothing to fix', () => {
  it('S49 REJECTs the current groups already allow (the rule was added since): no finding, counted as allowed', () => {
    const w = baseWorld().ingress('sg-db', tcp(5432, { group: 'sg-worker' }));
    const result = run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 }));
    expect(result.findings).toEqual([]);
    expect(result.stats.rejected.allowed.records).toBe(4);
  });

  it('S50 instance metadata and the Amazon DNS server are never filtered: no finding', () => {
    const w = baseWorld().egress('sg-app', tcp(443, { cidr: '0.0.0.0/0' }));
    const recs = [
      ...retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '169.254.169.254', sport: 45000, dport: 80 }),
      ...retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.0.0.2', sport: 45000, dport: 53, protocol: 17 }),
    ];
    expect(run(w, recs).findings).toEqual([]);
  });

  it('S51 an interface the snapshot does not hold: no finding, counted under interface-not-in-snapshot', () => {
    const result = run(baseWorld(), retries({ eni: 'eni-gone1', dir: 'ingress', src: W1, dst: '10.0.1.99', sport: 45000, dport: 8080 }));
    expect(result.findings).toEqual([]);
    expect(result.stats.coverage.undecided.map((u) => u.reason)).toContain('interface-not-in-snapshot');
  });

  it('S52 VPC Block Public Access refused the flows: named as such, no rule change proposed', () => {
    const w = baseWorld().ingress('sg-web', tcp(443, { cidr: '0.0.0.0/0' }));
    const result = run(
      w,
      retries({ eni: 'eni-web1', dir: 'ingress', src: '198.51.100.30', dst: WEB1, sport: 51000, dport: 443, rejectReason: 'BPA' }),
    );
    const bpa = result.findings.filter((f) => f.blockedBy.control === 'block-public-access');
    expect(bpa.length).toBeGreaterThan(0);
    for (const f of bpa) {
      expect(f.suggestedFix).toBeNull();
      expect(f.fixNote?.reason).toBe('block-public-access');
    }
  });
});

describe('diagnose scenarios: scanner noise', () => {
  /** First octets of public unicast space (no private, shared, loopback or link-local block). */
  const PUBLIC_FIRST_OCTETS = [23, 34, 52, 81, 91, 104, 151, 185];
  const PROBED = [22, 23, 445, 1433, 3306, 3389, 5900, 6379, 8080, 9200, 27017];

  it('S53 thirty internet sources probing many ports of two hosts once each: noise, no fix', () => {
    const recs: Rec[] = [];
    for (let s = 0; s < 30; s++) {
      const src = `${45 + s}.${100 + s}.7.${9 + s}`;
      PROBED.forEach((dport, i) => {
        for (const [eni, dst] of [
          ['eni-web1', WEB1],
          ['eni-app1', APP1],
        ]) {
          recs.push({ eni, dir: 'ingress', src, dst, sport: 40000 + s, dport, packets: 1, at: T0 + s * 97 + i * 3 });
        }
      });
    }
    expectAllNoise(run(baseWorld(), recs));
  });

  it('S54 one internet source scanning sixty ports of one host: noise, no fix', () => {
    const recs = Array.from({ length: 60 }, (_, i): Rec => ({
      eni: 'eni-web1',
      dir: 'ingress',
      src: '203.0.113.99',
      dst: WEB1,
      sport: 61000,
      dport: 1000 + i * 7,
      packets: 1,
      at: T0 + i,
    }));
    expectAllNoise(run(baseWorld(), recs));
  });

  it('S55 a telnet botnet (sixty sources, one SYN each): noise, no fix', () => {
    const recs = Array.from({ length: 60 }, (_, i): Rec => ({
      eni: 'eni-web1',
      dir: 'ingress',
      src: `${PUBLIC_FIRST_OCTETS[i % 8]}.${i}.1.2`,
      dst: WEB1,
      sport: 40000 + i,
      dport: 23,
      packets: 1,
      at: T0 + i * 31,
    }));
    expectAllNoise(run(baseWorld(), recs));
  });

  it('S56 a partner retrying tcp/8443 while a scanner also hits 8443 among forty ports: the fix names the partner and never the scanner', () => {
    const recs: Rec[] = [
      ...retries({ eni: 'eni-web1', dir: 'ingress', src: '198.51.100.7', dst: WEB1, sport: 51000, dport: 8443 }, 5),
      ...Array.from({ length: 40 }, (_, i): Rec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: '203.0.113.99',
        dst: WEB1,
        sport: 61000,
        dport: i === 0 ? 8443 : 2000 + i,
        packets: 1,
        at: T0 + i,
      })),
    ];
    const result = run(baseWorld(), recs);
    const f = ruleFindingOn(result, 8443);
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 8443), ['198.51.100.7/32']);
    for (const finding of result.findings) expect(JSON.stringify(finding.suggestedFix)).not.toContain('203.0.113.99');
    expect(fix.verified).toBe(true);
  });

  it('S57 150 internet addresses from as many networks retrying one port: never a rule listing more than ten sources, never the whole internet', () => {
    const recs = Array.from({ length: 150 }, (_, i) =>
      retries(
        {
          eni: 'eni-web1',
          dir: 'ingress',
          src: `${PUBLIC_FIRST_OCTETS[i % 8]}.${i}.${(i * 7) % 250}.${1 + i}`,
          dst: WEB1,
          sport: 50000,
          dport: 8443,
          at: T0 + i * 5,
        },
        2,
        900,
      ),
    ).flat();
    const result = run(baseWorld(), recs);
    for (const f of result.findings) {
      expectNoWorldOpen(f.suggestedFix);
      for (const change of f.suggestedFix?.changes ?? []) {
        for (const p of (change.params.IpPermissions as Permission[] | undefined) ?? []) {
          expect(cidrsOf(p).length + cidrs6Of(p).length + pairsOf(p).length).toBeLessThanOrEqual(10);
        }
      }
      if (f.classification !== 'likely-noise' && f.suggestedFix === null) expect(f.fixNote?.reason).toBe('too-many-peers');
    }
  });
});

describe('diagnose scenarios: both directions of one NACL', () => {
  it('S61 an outbound NACL entry for a request whose answers the same NACL drops inbound: both directions', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-app' }))
      .acl(
        'acl-app',
        [allow(100, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES],
        [allow(100, '0.0.0.0/0', '6', [443, 443]), ...DEFAULT_DENIES],
      );
    const clientPorts = [45000, 45001, 45002, 45003];
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'egress', networkAclId: 'acl-app', ruleNumber: 32767 });
    const fix = fixOf(f);
    const out = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === true);
    const back = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === false);
    expect(out).toHaveLength(1);
    expect(back).toHaveLength(1);
    expect(
      expectNaclAllow(out[0], { acl: 'acl-app', egress: true, protocol: '6', taken: w.taken('acl-app', true), before: 32767 }).PortRange,
    ).toEqual({
      From: 5432,
      To: 5432,
    });
    const reply = expectNaclAllow(back[0], {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expectEphemeralRange(reply, clientPorts);
    expect(naclCidr(reply)).toBe(`${DB1}/32`);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: more return traffic', () => {
  it('S63 a NAT gateway’s answers from the internet dropped by its public subnet’s NACL: the NAT range 1024–65535', () => {
    const w = baseWorld().addSubnet('subnet-public', 'vpc-main', '10.0.7.0/24');
    w.acl(
      'acl-public',
      [allow(100, '0.0.0.0/0', '6', [80, 80]), allow(110, '0.0.0.0/0', '6', [443, 443]), allow(120, '10.0.0.0/16'), ...DEFAULT_DENIES],
      OPEN,
    );
    w.addEni({
      id: 'eni-nat1',
      subnet: 'subnet-public',
      ip: '10.0.7.5',
      groups: [],
      publicIp: '3.90.0.5',
      description: 'Interface for NAT Gateway nat-0123456789abcdef0',
      interfaceType: 'nat_gateway',
      requesterId: '441234567890',
      instanceId: null,
    });
    const clientPorts = [40000, 40001, 40002];
    const recs = conversation({
      client: '10.0.7.5',
      server: '203.0.113.50',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-nat1', dir: 'egress' },
      rejectedAt: { eni: 'eni-nat1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-public', ruleNumber: 32767 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-public',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-public', false),
      before: 32767,
    });
    expect(p.PortRange).toEqual({ From: 1024, To: 65535 });
    expect(naclCidr(p)).toBe('203.0.113.50/32');
    expect(fix.verified).toBe(true);
  });

  it('S64 echo replies to the app’s pings dropped by its inbound NACL: an ICMP entry, never a group', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6'), ...DEFAULT_DENIES], OPEN);
    const recs = conversation({
      client: APP1,
      server: '8.8.8.8',
      port: 0,
      protocol: 1,
      clientPorts: [0, 0, 0, 0],
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.traffic).toMatchObject({ protocol: 1, returnTraffic: true });
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32767 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '1',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expect([-1, 0]).toContain((p.IcmpTypeCode as { Type: number }).Type);
    expect(naclCidr(p)).toBe('8.8.8.8/32');
    expect(fix.verified).toBe(true);
  });

  it('S65 a Linux and a Windows client’s answers dropped outbound: documented ranges (or their union) covering both clients’ ports', () => {
    const w = baseWorld()
      .ingress('sg-web', tcp(443, { group: 'sg-worker' }))
      .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443]), ...DEFAULT_DENIES]);
    w.addEni({ id: 'eni-win1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker'] });
    const recs = [
      ...conversation({
        client: W1,
        server: WEB1,
        port: 443,
        clientPorts: [40000, 40001],
        acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-web1', dir: 'egress' },
      }),
      ...conversation({
        client: '10.0.4.40',
        server: WEB1,
        port: 443,
        clientPorts: [62000, 62001],
        acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-web1', dir: 'egress' },
      }),
    ];
    const fix = fixOf(onlyRuleFinding(run(w, recs)));
    const entries = changesOf(fix, 'CreateNetworkAclEntry');
    expect(entries.length).toBe(fix.changes.length);
    const covered = (port: number, peer: string) =>
      entries.some((c) => {
        const range = c.params.PortRange as { From: number; To: number };
        return port >= range.From && port <= range.To && cidrContains(naclCidr(c.params), peer);
      });
    for (const change of entries) {
      expectNaclAllow(change, { acl: 'acl-web', egress: true, protocol: '6', taken: w.taken('acl-web', true), before: 32767 });
      expect([...EPHEMERAL_RANGES, LINUX_OR_WINDOWS]).toContainEqual(change.params.PortRange);
    }
    for (const port of [40000, 40001]) expect(covered(port, W1)).toBe(true);
    for (const port of [62000, 62001]) expect(covered(port, '10.0.4.40')).toBe(true);
    expectNoWorldOpen(fix);
    expect(fix.verified).toBe(true);
  });

  it('S66 IPv6 answers of an external API dropped inbound: an Ipv6CidrBlock entry on the ephemeral range', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0'), allow(101, '::/0', '6', [443, 443]), ...DEFAULT_DENIES], OPEN);
    const clientPorts = [40000, 40001, 40002];
    const recs = conversation({
      client: APP1_6,
      server: '2606:4700:4700::1111',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32768 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32768,
    });
    expect(p.CidrBlock).toBeUndefined();
    expect(p.Ipv6CidrBlock).toBe('2606:4700:4700::1111/128');
    expectEphemeralRange(p, clientPorts);
    expect(fix.verified).toBe(true);
  });

  it('S67 answers dropped by an explicit deny of the ephemeral ports at 50: the entry lands on a free number below 50', () => {
    const w = baseWorld().acl(
      'acl-app',
      [
        allow(10, '10.0.0.0/16', '6', [22, 22]),
        deny(50, '203.0.113.0/24', '6', [32768, 65535]),
        allow(100, '0.0.0.0/0'),
        ...DEFAULT_DENIES,
      ],
      OPEN,
    );
    const clientPorts = [40000, 40001, 40002];
    const recs = conversation({
      client: APP1,
      server: '203.0.113.50',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs));
    expect(f.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 50 });
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 50,
    });
    expectEphemeralRange(p, clientPorts);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: more peers', () => {
  it('S68 a worker with a group and an address without an interface: the group and the /32, nothing wider', () => {
    const recs = [W1, '10.0.4.77'].flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }));
    const fix = fixOf(onlyRuleFinding(run(baseWorld(), recs)));
    const permissions = fix.changes.flatMap((c) => {
      expect(c.action).toBe('AuthorizeSecurityGroupIngress');
      expect(c.params.GroupId).toBe('sg-db');
      return c.params.IpPermissions as Permission[];
    });
    for (const p of permissions) expect([p.IpProtocol, p.FromPort, p.ToPort]).toEqual(['tcp', 5432, 5432]);
    expect(permissions.flatMap(pairsOf).map((pair) => pair.GroupId)).toEqual(['sg-worker']);
    expect(permissions.flatMap(cidrsOf)).toEqual(['10.0.4.77/32']);
    expect(fix.verified).toBe(true);
  });

  it('S69 a peer using a secondary private address of its interface: still its group', () => {
    const w = baseWorld();
    w.addEni({ id: 'eni-worker9', subnet: 'subnet-clients', ip: '10.0.4.50', groups: ['sg-worker'] });
    const eni = w.raw.NetworkInterfaces.find((e) => e.NetworkInterfaceId === 'eni-worker9')!;
    eni.PrivateIpAddresses = [
      { PrivateIpAddress: '10.0.4.50', Primary: true },
      { PrivateIpAddress: '10.0.4.51', Primary: false },
    ];
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.51', dst: DB1, sport: 45000, dport: 5432 })));
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    expect(fix.verified).toBe(true);
  });

  it('S70 a VPC reached without a peering connection (say through a transit gateway): no group reference, the /32', () => {
    const w = baseWorld()
      .addVpc('vpc-shared', '10.9.0.0/16')
      .addSubnet('subnet-shared1', 'vpc-shared', '10.9.1.0/24')
      .addGroup('sg-shared-client', 'vpc-shared')
      .addEni({ id: 'eni-shared1', subnet: 'subnet-shared1', ip: '10.9.1.20', groups: ['sg-shared-client'] });
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: '10.9.1.20', dst: APP1, sport: 45000, dport: 8080 })));
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), ['10.9.1.20/32']);
    expect(fix.verified).toBe(true);
  });

  it('S71 a peering connection still pending acceptance: no group reference across it, the /32', () => {
    const w = baseWorld()
      .addVpc('vpc-new', '10.4.0.0/16')
      .addSubnet('subnet-new1', 'vpc-new', '10.4.1.0/24')
      .addGroup('sg-new-client', 'vpc-new')
      .addEni({ id: 'eni-new1', subnet: 'subnet-new1', ip: '10.4.1.20', groups: ['sg-new-client'] })
      .peering('pcx-mainnew', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-new', cidr: '10.4.0.0/16' }, 'pending-acceptance');
    const f = onlyRuleFinding(run(w, retries({ eni: 'eni-app1', dir: 'ingress', src: '10.4.1.20', dst: APP1, sport: 45000, dport: 8080 })));
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', 8080), ['10.4.1.20/32']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: scanners that look like something else', () => {
  it('S72 an internal host probing fifty ports of the database once each: a scan, no rule opened for it', () => {
    const w = baseWorld().addGroup('sg-tools', 'vpc-main');
    w.addEni({ id: 'eni-tools1', subnet: 'subnet-clients', ip: '10.0.4.60', groups: ['sg-tools'] });
    const recs = Array.from({ length: 50 }, (_, i): Rec => ({
      eni: 'eni-db1',
      dir: 'ingress',
      src: '10.0.4.60',
      dst: DB1,
      sport: 45000 + i,
      dport: 1000 + i * 13,
      packets: 1,
      at: T0 + i,
    }));
    const result = run(w, recs);
    expect(result.findings.filter((f) => f.suggestedFix !== null)).toEqual([]);
  });

  it('S73 an internet source sweeping high ports from source port 443 with SYN flags: requests of a scanner, not replies', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES], OPEN);
    const recs = Array.from({ length: 30 }, (_, i): Rec => ({
      eni: 'eni-app1',
      dir: 'ingress',
      src: '203.0.113.99',
      dst: APP1,
      sport: 443,
      dport: 40000 + i * 17,
      packets: 1,
      at: T0 + i,
    }));
    const result = run(w, recs);
    for (const f of result.findings) {
      expect(f.traffic.returnTraffic).toBe(false);
      expect(JSON.stringify(f.suggestedFix)).not.toContain('203.0.113.99');
    }
  });

  it('S74 the same sweep in version 2 records (no flags, no accepted request): no rule opened to the scanner', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES], OPEN);
    const recs = Array.from({ length: 30 }, (_, i): Rec => ({
      eni: 'eni-app1',
      dir: 'ingress',
      src: '203.0.113.99',
      dst: APP1,
      sport: 443,
      dport: 40000 + i * 17,
      packets: 1,
      at: T0 + i,
    }));
    const accepted: Rec = {
      eni: 'eni-app1',
      dir: 'egress',
      src: APP1,
      dst: '198.51.100.80',
      sport: 41000,
      dport: 443,
      action: 'ACCEPT',
      at: T0,
    };
    const result = run(w, [...recs, accepted], 'v2');
    for (const f of result.findings) expect(JSON.stringify(f.suggestedFix)).not.toContain('203.0.113.99');
  });

  it('S81 a real NACL gap in version 2 records (replies retransmitted, requests accepted): still return traffic with its fix', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES], OPEN);
    const clientPorts = [40000, 40001, 40002, 40003];
    const recs = conversation({
      client: APP1,
      server: '203.0.113.50',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(run(w, recs, 'v2'));
    expect(f.classification).toBe('likely-misconfiguration');
    expect(f.traffic.returnTraffic).toBe(true);
    const p = expectNaclAllow(onlyChange(fixOf(f), 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expect(expectEphemeralRange(p, clientPorts)).toEqual({ From: 32768, To: 60999 });
    expect(naclCidr(p)).toBe('203.0.113.50/32');
  });

  it('S82 the same gap in REJECT-only version 2 logs (no request to match): replies retransmitted, still return traffic with its fix', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22]), ...DEFAULT_DENIES], OPEN);
    const clientPorts = [40000, 40001, 40002, 40003];
    const recs = conversation({
      client: APP1,
      server: '203.0.113.50',
      port: 443,
      clientPorts,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    }).filter((r) => r.action !== 'ACCEPT');
    const f = onlyRuleFinding(run(w, recs, 'v2'));
    expect(f.classification).not.toBe('likely-noise');
    expect(f.traffic.returnTraffic).toBe(true);
    const p = expectNaclAllow(onlyChange(fixOf(f), 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expectEphemeralRange(p, clientPorts);
    expect(naclCidr(p)).toBe('203.0.113.50/32');
  });

  it('S75 forty internet sources retrying SSH on a port no rule opens: never a likely misconfiguration, and SSH never opened to them', () => {
    const octets = [23, 34, 52, 81, 91, 104, 151, 185];
    const recs = Array.from({ length: 40 }, (_, i) =>
      retries(
        {
          eni: 'eni-web1',
          dir: 'ingress',
          src: `${octets[i % 8]}.${40 + i}.9.${7 + i}`,
          dst: WEB1,
          sport: 50000,
          dport: 22,
          at: T0 + i * 13,
        },
        4,
        600,
      ),
    ).flat();
    const result = run(baseWorld(), recs);
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings) {
      expect(f.classification).not.toBe('likely-misconfiguration');
      expect(f.suggestedFix).toBeNull();
    }
  });
});

describe('diagnose scenarios: NACL entries for several peers', () => {
  it('S76 one IPv4 and one IPv6 client refused by the NACL: an entry per family, each before its own catch-all, numbers distinct', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }), tcp(5432, { cidr: '2600:1f18:aaaa:bb04::/64' }))
      .acl('acl-data', [allow(100, '10.0.1.0/24'), allow(101, '2600:1f18:aaaa:bb01::/64'), ...DEFAULT_DENIES], OPEN);
    const recs = [
      ...retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 }),
      ...retries({ eni: 'eni-db1', dir: 'ingress', src: W1_6, dst: DB1_6, sport: 46000, dport: 5432 }),
    ];
    const result = run(w, recs);
    const entries = ruleFindings(result).flatMap((f) => changesOf(fixOf(f), 'CreateNetworkAclEntry'));
    const v4 = entries.filter((c) => c.params.CidrBlock !== undefined);
    const v6 = entries.filter((c) => c.params.Ipv6CidrBlock !== undefined);
    expect(v4).toHaveLength(1);
    expect(v6).toHaveLength(1);
    expect(v4[0].params.CidrBlock).toBe(`${W1}/32`);
    expect(v6[0].params.Ipv6CidrBlock).toBe(`${W1_6}/128`);
    expectNaclAllow(v4[0], { acl: 'acl-data', egress: false, protocol: '6', taken: w.taken('acl-data', false), before: 32767 });
    expectNaclAllow(v6[0], { acl: 'acl-data', egress: false, protocol: '6', taken: w.taken('acl-data', false), before: 32768 });
    expect(v4[0].params.RuleNumber).not.toBe(v6[0].params.RuleNumber);
    for (const f of ruleFindings(result)) expect(fixOf(f).verified).toBe(true);
  });

  it('S77 fifteen hosts of one subnet refused by the data NACL: one entry for the subnet’s block', () => {
    const w = baseWorld().addSubnet('subnet-batch', 'vpc-main', '10.0.5.0/24').addGroup('sg-batch', 'vpc-main');
    const peers = Array.from({ length: 15 }, (_, i) => `10.0.5.${10 + i}`);
    peers.forEach((ip, i) => w.addEni({ id: `eni-job${i}`, subnet: 'subnet-batch', ip, groups: ['sg-batch'] }));
    w.ingress('sg-db', tcp(5432, { group: 'sg-batch' })).acl('acl-data', [allow(100, '10.0.1.0/24'), ...DEFAULT_DENIES], OPEN);
    const recs = peers.flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }, 3));
    const fix = fixOf(onlyRuleFinding(run(w, recs)));
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-data', false),
      before: 32767,
    });
    expect(naclCidr(p)).toBe('10.0.5.0/24');
    expect(fix.verified).toBe(true);
  });

  it('S78 clients in two subnets refused by the data NACL: an entry each, free, distinct, no wider block', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, { group: 'sg-worker' }), tcp(5432, { group: 'sg-app' }))
      .acl('acl-data', [allow(100, '10.0.2.0/24'), ...DEFAULT_DENIES], OPEN);
    const recs = [W1, APP1].flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }));
    const fix = fixOf(onlyRuleFinding(run(w, recs)));
    const entries = changesOf(fix, 'CreateNetworkAclEntry');
    expect(entries.length).toBe(fix.changes.length);
    for (const c of entries)
      expectNaclAllow(c, { acl: 'acl-data', egress: false, protocol: '6', taken: w.taken('acl-data', false), before: 32767 });
    expectCover(
      entries.map((c) => naclCidr(c.params)),
      [W1, APP1],
      { maxAddresses: 2n },
    );
    expect(new Set(entries.map((c) => c.params.RuleNumber)).size).toBe(entries.length);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: a few more protocols', () => {
  it('S79 IPv6 pings from the monitoring host: icmpv6 for its group', () => {
    const f = onlyRuleFinding(
      run(
        baseWorld(),
        retries({ eni: 'eni-app1', dir: 'ingress', src: MON_6, dst: APP1_6, sport: 0, dport: 0, protocol: 58, packets: 4 }, 6),
      ),
    );
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'icmpv6', -1, -1), ['sg-mon']);
    expect(fix.verified).toBe(true);
  });

  it('S80 DNS queries to an external resolver refused by the egress group: udp/53 to its /32', () => {
    const w = baseWorld().egress('sg-app', tcp(443, { cidr: '0.0.0.0/0' }));
    const f = onlyRuleFinding(
      run(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '1.1.1.1', sport: 50000, dport: 53, protocol: 17, packets: 1 }, 6)),
    );
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'udp', 53), ['1.1.1.1/32']);
    expect(fix.verified).toBe(true);
  });
});
