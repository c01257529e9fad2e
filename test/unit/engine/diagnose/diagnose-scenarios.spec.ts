import { describe, expect, it } from 'vitest';

import { renderMarkdown } from '../../../../src/cli/render-markdown';
import { renderText } from '../../../../src/cli/render-text';
import type { DiagnoseResult } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { Finding } from '../../../../src/engine/findings/finding';
import { recordToFlow } from '../../../../src/engine/flow-log/flow-aggregator';
import { parseLogFormat } from '../../../../src/engine/flow-log/flow-log-fields';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import type { FixChange, SuggestedFix } from '../../../../src/engine/fixes/fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { IpPermission, UserIdGroupPair } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { pathQueryOfFinding } from '../../../../src/engine/path/finding-path';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { whoCanReach } from '../../../../src/engine/path/who-can-reach';
import {
  ACCOUNT,
  ALL_OUT,
  APP1,
  APP1_6,
  APP2,
  DB1,
  DB1_6,
  type FlowRec,
  MON,
  MON_6,
  OPEN,
  type ScenarioNetwork,
  T0,
  V8_SHORT_FIELDS,
  W1,
  W1_6,
  W2,
  W3,
  WEB1,
  WEB1_6,
  all,
  allow,
  baseWorld,
  conversation,
  deny,
  flowLine,
  linuxOnlyReplies,
  naclIn,
  naclOut,
  perm,
  retries,
  runDiagnose,
  sgIn,
  sgOut,
  tcp,
  udp,
  natGatewayEni,
} from '../../../support/factories/scenario-network';
import { networkAclRuleQuotaOf, ruleQuotaOf } from '../../../support/factories/service-quota';

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
 * `diagnose`, as `sgdoctor diagnose` does (`runDiagnose`). Most scenarios differ only in their
 * world, their records and the fix they expect: they are rows of the tables below (a group rule,
 * a NACL entry, nothing to fix, noise). Those whose assertions are their own are tests of their own.
 */

const OTHER_ACCOUNT = '444455556666';

/** The client ephemeral ranges AWS documents for NACL return-traffic rules: NAT gateway / ELB, Linux, Windows. */
const EPHEMERAL_RANGES = [
  { From: 1024, To: 65535 },
  { From: 32768, To: 60999 },
  { From: 49152, To: 65535 },
];
/** One entry for Linux and Windows clients together: exactly the union of their two ranges. */
const LINUX_OR_WINDOWS = { From: 32768, To: 65535 };

// ---------------------------------------------------------------------------------------------
// Worlds and records more than one scenario uses
// ---------------------------------------------------------------------------------------------

const ALB_A = '10.0.2.50';
const ALB_B = '10.0.6.50';

/** Two interfaces of an Application Load Balancer `shop-alb` (one per subnet, as ELB creates them). */
function withAlb(w: ScenarioNetwork): ScenarioNetwork {
  w.subnet('subnet-web2', 'vpc-main', '10.0.6.0/24', { acl: 'acl-web' }).group('sg-alb', 'vpc-main', [tcp(443, '0.0.0.0/0')]);
  for (const [id, subnet, ip] of [
    ['eni-alb-a', 'subnet-web', ALB_A],
    ['eni-alb-b', 'subnet-web2', ALB_B],
  ] as const) {
    w.eni({ id, subnet, ip, groups: ['sg-alb'], description: 'ELB app/shop-alb/50dc6c495c0c9188', requesterId: 'amazon-elb' });
  }
  return w;
}

/** Fifteen hosts of a batch subnet 10.0.5.0/24. */
const BATCH_HOSTS = Array.from({ length: 15 }, (_, i) => `10.0.5.${10 + i}`);

/** A worker retrying the database port. */
const WORKER_TO_DB = retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 45000, dport: 5432 });
/** Every batch host retrying the database port. */
const BATCH_TO_DB = BATCH_HOSTS.flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }, 3));
/** The monitoring host pinging an app host, over IPv4 and over IPv6. */
const MON_PINGS = retries({ eni: 'eni-app1', dir: 'ingress', src: MON, dst: APP1, sport: 0, dport: 0, protocol: 1, packets: 4 }, 6);
const MON_PINGS_6 = retries({ eni: 'eni-app1', dir: 'ingress', src: MON_6, dst: APP1_6, sport: 0, dport: 0, protocol: 58, packets: 4 }, 6);
/** An app host's HTTPS requests to an external API, accepted on the way out, and the API's answers refused on the way in. */
const apiConversation = (clientPorts: number[]) =>
  conversation({
    client: APP1,
    server: '203.0.113.50',
    port: 443,
    clientPorts,
    acceptedAt: { eni: 'eni-app1', dir: 'egress' },
    rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
  });
const API_CLIENT_PORTS = [40000, 40001, 40002, 40003];
const API_CONVERSATION = apiConversation(API_CLIENT_PORTS);

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

/** A security-group change's single permission, on `groups`' group, for exactly `protocol` `from`–`to`. */
function sgPermission(change: FixChange, groups: string[], protocol: string, from?: number, to?: number): IpPermission {
  expect(groups).toContain(change.params.GroupId);
  const permissions = change.params.IpPermissions as IpPermission[];
  expect(permissions).toHaveLength(1);
  const [permission] = permissions;
  expect(permission.IpProtocol).toBe(protocol);
  if (from !== undefined) expect([permission.FromPort, permission.ToPort]).toEqual([from, to ?? from]);
  return permission;
}

const cidrsOf = (p: IpPermission) => (p.IpRanges ?? []).map((r) => r.CidrIp);
const cidrs6Of = (p: IpPermission) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6);
const pairsOf = (p: IpPermission) => p.UserIdGroupPairs ?? [];

/** The peer of a permission is exactly one referenced group among `groups`, and nothing else. */
function expectGroupPeer(p: IpPermission, groups: string[]): { GroupId?: string; UserId?: string } {
  expect(cidrsOf(p)).toEqual([]);
  expect(cidrs6Of(p)).toEqual([]);
  expect(p.PrefixListIds ?? []).toEqual([]);
  const pairs = pairsOf(p);
  expect(pairs).toHaveLength(1);
  expect(groups).toContain(pairs[0].GroupId);
  return pairs[0];
}

/** The peers of a permission are exactly these CIDRs, IPv4 ones in IpRanges and IPv6 ones in Ipv6Ranges. */
function expectCidrPeers(p: IpPermission, cidrs: string[]): void {
  expect(pairsOf(p)).toEqual([]);
  expect(cidrsOf(p).sort()).toEqual(cidrs.filter((c) => !c.includes(':')).sort());
  expect(cidrs6Of(p).sort()).toEqual(cidrs.filter((c) => c.includes(':')).sort());
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

interface CoverSpec {
  /** Every CIDR inside this block. */
  within?: string;
  /** At most this many CIDRs; 10 unless given. */
  maxSources?: number;
  /** At most this many addresses in all. */
  maxAddresses?: bigint;
}

/** Every peer covered by some CIDR, at most `maxSources` CIDRs, each within `within`. */
function expectCover(cidrs: (string | undefined)[], peers: string[], opts: CoverSpec = {}): void {
  const defined = cidrs.filter((c): c is string => c !== undefined);
  expect(defined).toHaveLength(cidrs.length);
  for (const peer of peers)
    expect(
      defined.some((c) => cidrContains(c, peer)),
      `${peer} covered by ${defined.join(',')}`,
    ).toBe(true);
  expect(defined.length).toBeLessThanOrEqual(opts.maxSources ?? 10);
  if (opts.within)
    for (const c of defined)
      expect(cidrContains(opts.within, c.split('/')[0]) && cidrSize(c) <= cidrSize(opts.within), `${c} within ${opts.within}`).toBe(true);
  if (opts.maxAddresses !== undefined) expect(defined.reduce((sum, c) => sum + cidrSize(c), 0n)).toBeLessThanOrEqual(opts.maxAddresses);
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
function expectNaclAllow(change: FixChange, spec: NaclChangeSpec): Record<string, unknown> {
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

function naclCidr(p: Record<string, unknown>): string {
  const cidr = (p.CidrBlock ?? p.Ipv6CidrBlock) as string;
  expect(typeof cidr).toBe('string');
  return cidr;
}

/** A return-traffic port range: one of the documented client ranges, covering every observed client port. */
function expectEphemeralRange(p: Record<string, unknown>, clientPorts: number[]): { From: number; To: number } {
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
// Scenario tables
// ---------------------------------------------------------------------------------------------

interface Scenario {
  id: string;
  title: string;
  /** baseWorld() unless given. */
  world?: () => ScenarioNetwork;
  records: FlowRec[];
}

/** What the scenario's one rule finding says besides its fix. */
interface FindingExpectation {
  /** `not noise`: anything but likely-noise. */
  classification?: 'likely-misconfiguration' | 'not noise';
  blockedBy?: BlockingControl;
  /** Matched as a subset of the finding's traffic. */
  traffic?: Partial<Finding['traffic']>;
}

function expectFinding(f: Finding, want: FindingExpectation): void {
  if (want.classification === 'not noise') expect(f.classification).not.toBe('likely-noise');
  else if (want.classification) expect(f.classification).toBe(want.classification);
  if (want.blockedBy) expect(f.blockedBy).toEqual(want.blockedBy);
  if (want.traffic) expect(f.traffic).toMatchObject(want.traffic);
}

/** One rule finding whose verified fix is a single security-group rule. */
interface GroupFixScenario extends Scenario, FindingExpectation {
  /** The rule: on one of `groups`, for exactly `protocol` and, when given, `ports` (one port or [FromPort, ToPort]). */
  rule: {
    action: 'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress';
    groups: string[];
    protocol: string;
    ports?: number | [number, number];
  };
  /**
   * Its peer: one referenced group among `groups` (of account `owner` when given), exactly these
   * CIDRs, or no group and IPv4 CIDRs covering `addresses`.
   */
  peer: { groups: string[]; owner?: string } | { cidrs: string[] } | ({ addresses: string[] } & CoverSpec);
  /** Neither 0.0.0.0/0 nor ::/0 anywhere in the fix. */
  neverTheWorld?: true;
  /** What else the scenario is about. */
  also?: (finding: Finding, fix: SuggestedFix) => void;
}

function expectGroupFix(s: GroupFixScenario): void {
  const f = onlyRuleFinding(runDiagnose((s.world ?? baseWorld)(), s.records));
  expectFinding(f, s);
  const fix = fixOf(f);
  const ports = typeof s.rule.ports === 'number' ? [s.rule.ports, s.rule.ports] : s.rule.ports;
  const p = sgPermission(onlyChange(fix, s.rule.action), s.rule.groups, s.rule.protocol, ports?.[0], ports?.[1]);
  if ('groups' in s.peer) {
    const pair = expectGroupPeer(p, s.peer.groups);
    if (s.peer.owner) expect(pair.UserId).toBe(s.peer.owner);
  } else if ('cidrs' in s.peer) {
    expectCidrPeers(p, s.peer.cidrs);
  } else {
    expect(pairsOf(p)).toEqual([]);
    expectCover(cidrsOf(p), s.peer.addresses, s.peer);
  }
  if (s.neverTheWorld) expectNoWorldOpen(fix);
  s.also?.(f, fix);
  expect(fix.verified).toBe(true);
}

/** One rule finding whose fix is a single NACL allow entry. */
interface AclFixScenario extends Scenario, FindingExpectation {
  format?: 'v2';
  /** The entry: in `acl`, that direction, for `protocol`, under a free number below `before` (the deny that matches now). */
  entry: {
    acl: string;
    egress: boolean;
    protocol: string;
    before: number;
    /** Exactly this PortRange. */
    ports?: [number, number];
    /** Replies to these client ports: one of the documented ephemeral ranges, covering them all. */
    replyTo?: number[];
    /** Its CidrBlock, or for an IPv6 CIDR its Ipv6CidrBlock and no CidrBlock. */
    cidr?: string;
    icmp?: { Type: number; Code: number };
  };
  /** The fix is asserted verified unless this says the scenario leaves that unchecked. */
  verified?: 'unchecked';
  also?: (finding: Finding, entry: Record<string, unknown>) => void;
}

function expectAclFix(s: AclFixScenario): void {
  const w = (s.world ?? baseWorld)();
  const f = onlyRuleFinding(runDiagnose(w, s.records, s.format));
  expectFinding(f, s);
  const fix = fixOf(f);
  const { entry } = s;
  const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), { ...entry, taken: w.taken(entry.acl, entry.egress) });
  if (entry.ports) expect(p.PortRange).toEqual({ From: entry.ports[0], To: entry.ports[1] });
  if (entry.replyTo) expectEphemeralRange(p, entry.replyTo);
  if (entry.cidr?.includes(':')) {
    expect(p.CidrBlock).toBeUndefined();
    expect(p.Ipv6CidrBlock).toBe(entry.cidr);
  } else if (entry.cidr) {
    expect(naclCidr(p)).toBe(entry.cidr);
  }
  if (entry.icmp) expect(p.IcmpTypeCode).toEqual(entry.icmp);
  s.also?.(f, p);
  if (s.verified !== 'unchecked') expect(fix.verified).toBe(true);
}

/** Records no rule should be proposed for. */
interface NoFixScenario extends Scenario {
  /** `none`: no finding at all; `no rule finding`: no finding of kind rule. */
  findings: 'none' | 'no rule finding';
  /** How many REJECTed records the current configuration already allows, or cannot decide. */
  rejected?: { allowed?: number; unknown?: number };
  /** A reason the records are counted as undecided under. */
  undecided?: string;
}

function expectNoFix(s: NoFixScenario): void {
  const result = runDiagnose((s.world ?? baseWorld)(), s.records);
  if (s.findings === 'none') expect(result.findings).toEqual([]);
  else expect(ruleFindings(result)).toEqual([]);
  if (s.rejected?.allowed !== undefined) expect(result.stats.rejected.allowed.records).toBe(s.rejected.allowed);
  if (s.rejected?.unknown !== undefined) expect(result.stats.rejected.unknown.records).toBe(s.rejected.unknown);
  if (s.undecided) expect(result.stats.coverage.undecided.map((u) => u.reason)).toContain(s.undecided);
}

/** One test per scenario, named by its id and title. */
function scenarioTests<S extends Scenario>(scenarios: S[], check: (s: S) => void): void {
  for (const s of scenarios) it(`${s.id} ${s.title}`, () => check(s));
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

describe('diagnose scenarios: security group blocks inbound', () => {
  const VPN_CLIENTS = Array.from({ length: 25 }, (_, i) => `192.168.50.${10 + i}`);

  const scenarios: GroupFixScenario[] = [
    {
      id: 'S01',
      title: 'a worker in the VPC retrying the database port: misconfiguration, the worker group referenced on tcp/5432',
      world: () => baseWorld().ingress('sg-db', tcp(5432, 'sg-app')),
      records: WORKER_TO_DB,
      classification: 'likely-misconfiguration',
      blockedBy: sgIn('sg-db'),
      traffic: { direction: 'ingress', protocol: 6, port: 5432, records: 4 },
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker'] },
      also: (_, fix) => expect(riskKinds(fix)).not.toContain('internet-exposure'),
    },
    {
      id: 'S59',
      title: 'a referenced group with members that sent nothing: the risks name what else the reference opens',
      world: () => baseWorld().ingress('sg-db', tcp(5432, 'sg-app')),
      records: WORKER_TO_DB,
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker'] },
      also: (_, fix) => {
        expect(fix.risks.length).toBeGreaterThan(0);
        expect(JSON.stringify(fix.risks)).toMatch(/sg-worker|eni-worker2|10\.0\.4\.21/);
      },
    },
    {
      id: 'S02',
      title: 'an interface with two groups: the finding names both, the fix authorizes on one of them',
      world: () =>
        baseWorld()
          .group('sg-db-admin', 'vpc-main', [tcp(22, '10.0.0.0/16')])
          .attach('eni-db1', ['sg-db-admin', 'sg-db']),
      records: WORKER_TO_DB,
      blockedBy: sgIn('sg-db', 'sg-db-admin'),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db', 'sg-db-admin'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker'] },
    },
    {
      id: 'S03',
      title: 'three workers of one group: one finding, one rule referencing their group',
      records: [W1, W2, W3].flatMap((src, i) =>
        retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 40000 + i * 100, dport: 5432 }),
      ),
      classification: 'likely-misconfiguration',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker'] },
      also: (f) => expect(f.traffic.peers.map((p) => p.address).sort()).toEqual([W1, W2, W3]),
    },
    {
      id: 'S04',
      title: 'a peer carrying two groups: the rule references one of the peer’s groups',
      world: () =>
        baseWorld()
          .group('sg-batch', 'vpc-main')
          .eni({ id: 'eni-batch1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker', 'sg-batch'] }),
      records: retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.40', dst: DB1, sport: 45000, dport: 5432 }),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker', 'sg-batch'] },
    },
    {
      id: 'S05',
      title: 'a VPC address no interface holds: the narrowest CIDR, the /32, never a group or the VPC',
      records: retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.77', dst: DB1, sport: 45000, dport: 5432 }),
      classification: 'not noise',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { cidrs: ['10.0.4.77/32'] },
    },
    {
      id: 'S06',
      title: 'two neighbouring VPC addresses without interfaces: CIDRs covering exactly the two',
      records: ['10.0.4.80', '10.0.4.81'].flatMap((src) =>
        retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }),
      ),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { addresses: ['10.0.4.80', '10.0.4.81'], maxAddresses: 2n },
    },
    {
      id: 'S07',
      title: '25 on-premises clients (VPN, 192.168.50.0/24) retrying: a few CIDRs inside their network, never the internet',
      records: VPN_CLIENTS.flatMap((src) => retries({ eni: 'eni-app1', dir: 'ingress', src, dst: APP1, sport: 50000, dport: 8080 }, 3)),
      classification: 'not noise',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 },
      peer: { addresses: VPN_CLIENTS, within: '192.168.50.0/24' },
      neverTheWorld: true,
    },
    {
      id: 'S08',
      title: 'fifteen hosts of one subnet, each in a group of its own: the subnet’s block',
      world: () => {
        const w = baseWorld().subnet('subnet-batch', 'vpc-main', '10.0.5.0/24');
        BATCH_HOSTS.forEach((ip, i) =>
          w.group(`sg-job${i}`, 'vpc-main').eni({ id: `eni-job${i}`, subnet: 'subnet-batch', ip, groups: [`sg-job${i}`] }),
        );
        return w;
      },
      records: BATCH_TO_DB,
      classification: 'likely-misconfiguration',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { cidrs: ['10.0.5.0/24'] },
    },
    {
      id: 'S09',
      title: 'an internet partner retrying tcp/8443 with retransmits: not noise, its /32 only',
      records: retries({ eni: 'eni-web1', dir: 'ingress', src: '198.51.100.20', dst: WEB1, sport: 51000, dport: 8443 }, 5),
      classification: 'not noise',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-web'], protocol: 'tcp', ports: 8443 },
      peer: { cidrs: ['198.51.100.20/32'] },
      neverTheWorld: true,
    },
    {
      id: 'S10',
      title: 'a port already open to a neighbour subnet and accepted from it: the refused worker is a misconfiguration',
      world: () =>
        baseWorld()
          .ingress('sg-web', tcp(443, '10.0.2.0/24'))
          .eni({ id: 'eni-web2', subnet: 'subnet-web', ip: '10.0.2.11', groups: ['sg-web'] }),
      records: [
        ...retries({ eni: 'eni-web1', dir: 'ingress', src: '10.0.2.11', dst: WEB1, sport: 41000, dport: 443, action: 'ACCEPT' }),
        ...retries({ eni: 'eni-web1', dir: 'ingress', src: W1, dst: WEB1, sport: 45000, dport: 443 }),
      ],
      classification: 'likely-misconfiguration',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-web'], protocol: 'tcp', ports: 443 },
      peer: { groups: ['sg-worker'] },
    },
    {
      id: 'S11',
      title: 'UDP: SNMP polls from the monitoring host open udp/161 for its group',
      records: retries({ eni: 'eni-app1', dir: 'ingress', src: MON, dst: APP1, sport: 40100, dport: 161, protocol: 17, packets: 1 }, 6),
      classification: 'likely-misconfiguration',
      traffic: { protocol: 17, port: 161 },
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'udp', ports: 161 },
      peer: { groups: ['sg-mon'] },
    },
    {
      id: 'S12',
      title: 'GRE (protocol 47) from an app host to a web host: the rule names protocol 47, never all protocols',
      records: retries({ eni: 'eni-web1', dir: 'ingress', src: APP1, dst: WEB1, sport: 0, dport: 0, protocol: 47 }),
      traffic: { protocol: 47 },
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-web'], protocol: '47' },
      peer: { groups: ['sg-app'] },
    },
    {
      id: 'S14',
      title: 'a worker reaching a web host by its public address: a public address never matches a group, the fix is its /32',
      world: () =>
        baseWorld().eni({ id: 'eni-worker1', subnet: 'subnet-clients', ip: W1, ipv6: W1_6, groups: ['sg-worker'], publicIp: '3.80.0.21' }),
      records: retries({ eni: 'eni-web1', dir: 'ingress', src: '3.80.0.21', dst: WEB1, sport: 45000, dport: 8443 }),
      classification: 'not noise',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-web'], protocol: 'tcp', ports: 8443 },
      peer: { cidrs: ['3.80.0.21/32'] },
    },
  ];
  scenarioTests(scenarios, expectGroupFix);

  it('S13 two ports from one peer: two findings, each fix opening exactly its own port', () => {
    const recs = [8080, 8081].flatMap((dport) =>
      retries({ eni: 'eni-app1', dir: 'ingress', src: W1, dst: APP1, sport: 45000 + dport, dport }),
    );
    const result = runDiagnose(baseWorld(), recs);
    expect(ruleFindings(result)).toHaveLength(2);
    for (const port of [8080, 8081]) {
      const fix = fixOf(ruleFindingOn(result, port));
      expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', port), ['sg-worker']);
      expect(fix.verified).toBe(true);
    }
  });
});

describe('diagnose scenarios: security group blocks outbound', () => {
  const PROVIDER_HOSTS = Array.from({ length: 20 }, (_, i) => `203.0.113.${10 + i}`);

  const scenarios: GroupFixScenario[] = [
    {
      id: 'S15',
      title: 'an app host’s egress group does not allow the database: AuthorizeSecurityGroupEgress referencing the db group',
      world: () => baseWorld().egress('sg-app', tcp(443, '0.0.0.0/0')).ingress('sg-db', tcp(5432, 'sg-app')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 }),
      classification: 'likely-misconfiguration',
      blockedBy: sgOut('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-db'] },
    },
    {
      id: 'S16',
      title: 'outbound HTTPS to one external API refused: egress tcp/443 to its /32',
      world: () => baseWorld().egress('sg-app', tcp(80, '0.0.0.0/0')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.50', sport: 45000, dport: 443 }),
      classification: 'not noise',
      blockedBy: sgOut('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 443 },
      peer: { cidrs: ['203.0.113.50/32'] },
    },
    {
      id: 'S17',
      title: 'outbound HTTPS to twenty addresses of one provider /24: at most ten CIDRs inside it',
      world: () => baseWorld().egress('sg-app', tcp(80, '0.0.0.0/0')),
      records: PROVIDER_HOSTS.flatMap((dst) => retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst, sport: 45000, dport: 443 }, 2)),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 443 },
      peer: { addresses: PROVIDER_HOSTS, within: '203.0.113.0/24' },
      neverTheWorld: true,
    },
    {
      id: 'S18',
      title: 'outbound IPv6 refused by an IPv4-only egress group: an Ipv6Ranges /128',
      world: () => baseWorld().egress('sg-app', all('0.0.0.0/0')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1_6, dst: '2606:4700:4700::1111', sport: 45000, dport: 443 }),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 443 },
      peer: { cidrs: ['2606:4700:4700::1111/128'] },
    },
    {
      id: 'S19',
      title: 'a load balancer’s egress group does not reach its targets: the finding names the load balancer',
      world: () => withAlb(baseWorld()).egress('sg-alb', tcp(80, '10.0.0.0/16')).ingress('sg-app', tcp(8080, 'sg-alb')),
      records: retries({ eni: 'eni-alb-a', dir: 'egress', src: ALB_A, dst: APP1, sport: 3000, dport: 8080 }),
      blockedBy: sgOut('sg-alb'),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-alb'], protocol: 'tcp', ports: 8080 },
      peer: { groups: ['sg-app'] },
      also: (f) => expect(f.traffic.interfaces.map((i) => i.owner ?? '').join(' ')).toContain('shop-alb'),
    },
  ];
  scenarioTests(scenarios, expectGroupFix);
});

describe('diagnose scenarios: network ACLs', () => {
  const scenarios: AclFixScenario[] = [
    {
      id: 'S20',
      title: 'a data subnet NACL that admits only the app subnet: a free entry before the catch-all deny for the worker’s /32',
      world: () =>
        baseWorld()
          .ingress('sg-db', tcp(5432, 'sg-worker'))
          .acl('acl-data', [allow(100, '10.0.1.0/24', '6', [5432, 5432])], OPEN),
      records: WORKER_TO_DB,
      classification: 'likely-misconfiguration',
      blockedBy: naclIn('acl-data', 32767),
      entry: { acl: 'acl-data', egress: false, protocol: '6', before: 32767, ports: [5432, 5432], cidr: `${W1}/32` },
    },
    {
      id: 'S22',
      title: 'an explicit deny at 50 for the clients subnet: the allow lands on a free number below 50',
      world: () =>
        baseWorld()
          .ingress('sg-db', tcp(5432, 'sg-worker'))
          .acl('acl-data', [allow(10, '10.0.1.0/24', '6', [22, 22]), deny(50, '10.0.4.0/24'), allow(100, '10.0.0.0/16')], OPEN),
      records: WORKER_TO_DB,
      blockedBy: naclIn('acl-data', 50),
      entry: { acl: 'acl-data', egress: false, protocol: '6', before: 50, ports: [5432, 5432], cidr: `${W1}/32` },
    },
    {
      id: 'S23',
      title: 'a crowded NACL (10…90 taken, deny at 95): a free number below 95',
      world: () =>
        baseWorld()
          .ingress('sg-db', tcp(5432, 'sg-worker'))
          .acl(
            'acl-data',
            [
              ...[10, 20, 30, 40, 50, 60, 70, 80, 90].map((n, i) => allow(n, '10.0.1.0/24', '6', [8000 + i, 8000 + i])),
              deny(95, '10.0.4.0/22'),
              allow(100, '10.0.0.0/16'),
            ],
            OPEN,
          ),
      records: WORKER_TO_DB,
      entry: { acl: 'acl-data', egress: false, protocol: '6', before: 95 },
    },
    {
      id: 'S25',
      title: 'an app subnet NACL that lets out only HTTPS: an outbound entry for tcp/5432 to the database',
      world: () =>
        baseWorld()
          .ingress('sg-db', tcp(5432, 'sg-app'))
          .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '0.0.0.0/0', '6', [32768, 60999])]),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 }),
      classification: 'likely-misconfiguration',
      blockedBy: naclOut('acl-app', 32767),
      entry: { acl: 'acl-app', egress: true, protocol: '6', before: 32767, ports: [5432, 5432], cidr: `${DB1}/32` },
    },
    {
      id: 'S27',
      title: 'IPv6 from a worker refused by the IPv6 catch-all (32768): an entry with Ipv6CidrBlock',
      world: () =>
        baseWorld()
          .ingress('sg-db', tcp(5432, '2600:1f18:aaaa:bb04::/64'))
          .acl('acl-data', [allow(100, '10.0.0.0/16')], OPEN),
      records: retries({ eni: 'eni-db1', dir: 'ingress', src: W1_6, dst: DB1_6, sport: 45000, dport: 5432 }),
      blockedBy: naclIn('acl-data', 32768),
      entry: { acl: 'acl-data', egress: false, protocol: '6', before: 32768, ports: [5432, 5432], cidr: `${W1_6}/128` },
    },
    {
      id: 'S28',
      title: 'ICMPv6 from the monitoring host refused by the NACL: protocol 58 with every ICMP type and code',
      world: () =>
        baseWorld()
          .ingress('sg-app', perm('icmpv6', [-1, -1], '2600:1f18:aaaa:bb00::/56'))
          .acl('acl-app', [allow(100, '0.0.0.0/0'), allow(101, '::/0', '6', [443, 443])], OPEN),
      records: MON_PINGS_6,
      blockedBy: naclIn('acl-app', 32768),
      entry: { acl: 'acl-app', egress: false, protocol: '58', before: 32768, cidr: `${MON_6}/128`, icmp: { Type: -1, Code: -1 } },
    },
  ];
  scenarioTests(scenarios, expectAclFix);

  it('S21 the same, with an outbound NACL that only answers the app subnet: the reply entry on the client’s ephemeral range too', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, 'sg-worker'))
      .acl('acl-data', [allow(100, '10.0.1.0/24', '6', [5432, 5432])], [allow(100, '10.0.1.0/24', '6', [1024, 65535])]);
    const fix = fixOf(onlyRuleFinding(runDiagnose(w, WORKER_TO_DB)));
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

  it('S24 a deny at rule 1 leaves no number before it: the deny is re-created after it, then replaced by the allow', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, 'sg-worker'))
      .acl('acl-data', [deny(1, '0.0.0.0/0', '6', [5432, 5432]), allow(100, '10.0.0.0/16')], OPEN);
    const f = onlyRuleFinding(runDiagnose(w, WORKER_TO_DB));
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
      .ingress('sg-db', tcp(5432, '0.0.0.0/0'))
      .acl('acl-data', [deny(1, '0.0.0.0/0', '6', [5432, 5432]), allow(2, '0.0.0.0/0')], OPEN);
    const f = onlyRuleFinding(runDiagnose(w, WORKER_TO_DB));
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

  it('S26 two services refused by one NACL in one run: their entries take different free numbers', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, 'sg-worker'), tcp(6379, 'sg-worker'))
      .acl('acl-data', [allow(100, '10.0.1.0/24')], OPEN);
    const recs = [5432, 6379].flatMap((dport) =>
      retries({ eni: 'eni-db1', dir: 'ingress', src: W1, dst: DB1, sport: 40000 + dport, dport }),
    );
    const result = runDiagnose(w, recs);
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
});

describe('diagnose scenarios: return traffic (stateless NACL)', () => {
  const scenarios: AclFixScenario[] = [
    {
      id: 'S29',
      title:
        'replies of an external HTTPS API dropped by the app subnet’s inbound NACL: a NACL entry on the Linux ephemeral range, never a group',
      world: () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '10.0.0.0/16', '6', [22, 22])], OPEN),
      records: API_CONVERSATION,
      classification: 'likely-misconfiguration',
      traffic: { returnTraffic: true, port: 443 },
      blockedBy: naclIn('acl-app', 32767),
      // The fix's only change is this entry: no security-group change.
      entry: {
        acl: 'acl-app',
        egress: false,
        protocol: '6',
        before: 32767,
        replyTo: API_CLIENT_PORTS,
        ports: [32768, 60999],
        cidr: '203.0.113.50/32',
      },
    },
    {
      id: 'S30',
      title: 'a web server’s replies to a Linux client dropped by an outbound NACL that only has the Windows range',
      world: () =>
        baseWorld()
          .ingress('sg-web', tcp(443, 'sg-worker'))
          .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [49152, 65535])]),
      records: conversation({
        client: W1,
        server: WEB1,
        port: 443,
        clientPorts: [40000, 40001, 40002],
        acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-web1', dir: 'egress' },
      }),
      classification: 'likely-misconfiguration',
      traffic: { returnTraffic: true },
      blockedBy: naclOut('acl-web', 32767),
      entry: {
        acl: 'acl-web',
        egress: true,
        protocol: '6',
        before: 32767,
        replyTo: [40000, 40001, 40002],
        ports: [32768, 60999],
        cidr: `${W1}/32`,
      },
    },
    {
      id: 'S31',
      title: 'a Windows client’s replies (ports above 61000) dropped by an outbound NACL with the Linux range only',
      world: () =>
        baseWorld()
          .ingress('sg-web', tcp(443, 'sg-worker'))
          .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [32768, 60999])])
          .eni({ id: 'eni-win1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker'] }),
      records: conversation({
        client: '10.0.4.40',
        server: WEB1,
        port: 443,
        clientPorts: [62000, 62001, 62002],
        acceptedAt: { eni: 'eni-web1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-web1', dir: 'egress' },
      }),
      entry: { acl: 'acl-web', egress: true, protocol: '6', before: 32767, replyTo: [62000, 62001, 62002], ports: [49152, 65535] },
    },
    {
      id: 'S33',
      title: 'UDP DNS answers from an external resolver dropped inbound: a protocol-17 entry on the ephemeral range',
      world: () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6')], OPEN),
      records: conversation({
        client: APP1,
        server: '8.8.8.8',
        port: 53,
        protocol: 17,
        clientPorts: [50000, 50001, 50002, 50003],
        acceptedAt: { eni: 'eni-app1', dir: 'egress' },
        rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
      }),
      traffic: { protocol: 17, port: 53, returnTraffic: true },
      entry: {
        acl: 'acl-app',
        egress: false,
        protocol: '17',
        before: 32767,
        replyTo: [50000, 50001, 50002, 50003],
        cidr: '8.8.8.8/32',
      },
    },
  ];
  scenarioTests(scenarios, expectAclFix);

  it('S32 a target’s replies to its load balancer (client ports 1024–65535) dropped outbound: the ELB range, the load balancer named', () => {
    const w = withAlb(baseWorld())
      .ingress('sg-app', tcp(8080, 'sg-alb'))
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [32768, 65535])]);
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
    const f = onlyRuleFinding(runDiagnose(w, recs));
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

  it('S34 a late FIN of an external server after the connection closed: no rule finding (the NACL would pass it; groups never block replies)', () => {
    const recs: FlowRec[] = [
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.50', sport: 40000, dport: 443, action: 'ACCEPT', flags: 3 },
      { eni: 'eni-app1', dir: 'ingress', src: '203.0.113.50', dst: APP1, sport: 443, dport: 40000, packets: 1, flags: 1, at: T0 + 400 },
    ];
    const result = runDiagnose(baseWorld(), recs);
    expect(ruleFindings(result).filter((f) => f.suggestedFix !== null)).toEqual([]);
    expect(result.findings.filter((f) => f.classification === 'likely-misconfiguration')).toEqual([]);
  });
});

describe('diagnose scenarios: several controls', () => {
  it('S35 the data NACL and the db group both refuse a worker: the NACL is named first, the fix opens both', () => {
    const w = baseWorld().acl('acl-data', [allow(100, '10.0.1.0/24')], OPEN);
    const f = onlyRuleFinding(runDiagnose(w, WORKER_TO_DB));
    expect(f.blockedBy).toEqual(naclIn('acl-data', 32767));
    expect(f.alsoBlockedBy).toEqual([sgIn('sg-db')]);
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
      .egress('sg-worker', tcp(443, '0.0.0.0/0'))
      .ingress('sg-db', tcp(5432, 'sg-worker'))
      .acl('acl-clients', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '0.0.0.0/0', '6', [32768, 60999])]);
    const f = onlyRuleFinding(runDiagnose(w, retries({ eni: 'eni-worker1', dir: 'egress', src: W1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual(sgOut('sg-worker'));
    expect(f.alsoBlockedBy).toEqual([naclOut('acl-clients', 32767)]);
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
  const scenarios: GroupFixScenario[] = [
    {
      id: 'S37',
      title: 'an IPv6 internet partner retrying: Ipv6Ranges with its /128, never ::/0',
      records: retries({ eni: 'eni-web1', dir: 'ingress', src: '2001:4860:4860::8888', dst: WEB1_6, sport: 51000, dport: 8443 }, 5),
      classification: 'not noise',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-web'], protocol: 'tcp', ports: 8443 },
      peer: { cidrs: ['2001:4860:4860::8888/128'] },
      neverTheWorld: true,
    },
    {
      id: 'S38',
      title: 'pings from the monitoring host refused by the app group: every ICMP type for the monitoring group, and the risk said',
      records: MON_PINGS,
      classification: 'likely-misconfiguration',
      blockedBy: sgIn('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'icmp', ports: [-1, -1] },
      peer: { groups: ['sg-mon'] },
      also: (_, fix) => expect(riskKinds(fix)).toContain('all-icmp-types'),
    },
  ];
  scenarioTests(scenarios, expectGroupFix);

  scenarioTests<NoFixScenario>(
    [
      {
        id: 'S39',
        title: 'pings against a group that allows only some ICMP types: undecidable, no finding, counted under its reason',
        world: () => baseWorld().ingress('sg-app', perm('icmp', [0, -1], '10.0.0.0/16')),
        records: MON_PINGS,
        findings: 'no rule finding',
        rejected: { unknown: 6 },
        undecided: 'icmp-type-rule',
      },
    ],
    expectNoFix,
  );
});

describe('diagnose scenarios: prefix lists', () => {
  const corpClient = (src: string) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 });

  scenarioTests<GroupFixScenario>(
    [
      {
        id: 'S40',
        title: 'a VPN client outside the group’s prefix list: its /32 (a group rule cannot edit the list)',
        world: () => baseWorld().prefixList('pl-corp', ['10.50.0.0/16']).ingress('sg-db', tcp(5432, 'pl-corp')),
        records: corpClient('10.60.1.5'),
        classification: 'not noise',
        rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
        peer: { cidrs: ['10.60.1.5/32'] },
      },
    ],
    expectGroupFix,
  );

  scenarioTests<NoFixScenario>(
    [
      {
        id: 'S41',
        title: 'a client the prefix list now covers: the REJECTs are already allowed, no finding',
        world: () => baseWorld().prefixList('pl-corp', ['10.50.0.0/16']).ingress('sg-db', tcp(5432, 'pl-corp')),
        records: corpClient('10.50.1.5'),
        findings: 'none',
        rejected: { allowed: 4 },
      },
      {
        id: 'S42',
        title: 'a prefix list the snapshot has no entries for: undecidable, no finding, counted under its reason',
        world: () => baseWorld().prefixList('pl-corp', null).ingress('sg-db', tcp(5432, 'pl-corp')),
        records: corpClient('10.50.1.5'),
        findings: 'no rule finding',
        undecided: 'prefix-list-without-entries',
      },
    ],
    expectNoFix,
  );
});

describe('diagnose scenarios: peered VPCs', () => {
  /** The base world peered with `vpc` (a subnet …1.0/24, a client interface …1.20 in group `sg-<name>-client`). */
  function peeredWorld(opts: { vpc: string; cidr: string; owner?: string; region?: string }): ScenarioNetwork {
    const name = opts.vpc.slice('vpc-'.length);
    return baseWorld()
      .vpc(opts.vpc, opts.cidr, { owner: opts.owner })
      .subnet(`subnet-${name}1`, opts.vpc, opts.cidr.replace('.0.0/16', '.1.0/24'), { owner: opts.owner })
      .group(`sg-${name}-client`, opts.vpc, [], [ALL_OUT], opts.owner)
      .eni({
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
  }
  const toApp = (src: string) => retries({ eni: 'eni-app1', dir: 'ingress', src, dst: APP1, sport: 45000, dport: 8080 });
  const appRule: GroupFixScenario['rule'] = { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 };

  const scenarios: GroupFixScenario[] = [
    {
      id: 'S43',
      title: 'a client in a peered VPC of the same Region and account: its group referenced',
      world: () => peeredWorld({ vpc: 'vpc-peer', cidr: '10.1.0.0/16' }),
      records: toApp('10.1.1.20'),
      classification: 'likely-misconfiguration',
      rule: appRule,
      peer: { groups: ['sg-peer-client'] },
    },
    {
      id: 'S44',
      title: 'a client in a peered VPC of another Region: groups cannot be referenced across Regions, its /32',
      world: () => peeredWorld({ vpc: 'vpc-west', cidr: '10.2.0.0/16', region: 'us-west-2' }),
      records: toApp('10.2.1.20'),
      classification: 'not noise',
      rule: appRule,
      peer: { cidrs: ['10.2.1.20/32'] },
    },
    {
      id: 'S45',
      title: 'a client in a peered VPC of another account, same Region: its group referenced with the owner’s account id',
      world: () => peeredWorld({ vpc: 'vpc-partner', cidr: '10.3.0.0/16', owner: OTHER_ACCOUNT }),
      records: toApp('10.3.1.20'),
      rule: appRule,
      peer: { groups: ['sg-partner-client'], owner: OTHER_ACCOUNT },
    },
    {
      id: 'S46',
      title: 'egress to a peered VPC of the same Region refused by the app group: egress referencing the peer’s group',
      world: () =>
        peeredWorld({ vpc: 'vpc-peer', cidr: '10.1.0.0/16' })
          .egress('sg-app', tcp(443, '0.0.0.0/0'))
          .ingress('sg-peer-client', tcp(9000, '10.0.0.0/16')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.1.1.20', sport: 45000, dport: 9000 }),
      blockedBy: sgOut('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 9000 },
      peer: { groups: ['sg-peer-client'] },
    },
  ];
  scenarioTests(scenarios, expectGroupFix);
});

describe('diagnose scenarios: load balancers', () => {
  const scenarios: GroupFixScenario[] = [
    {
      id: 'S47',
      title: 'ALB health checks refused by the target group: the ALB’s group referenced, the peers named as the load balancer',
      world: () => withAlb(baseWorld()),
      records: [
        ...retries({ eni: 'eni-app1', dir: 'ingress', src: ALB_A, dst: APP1, sport: 3000, dport: 8080 }, 6, 30),
        ...retries({ eni: 'eni-app1', dir: 'ingress', src: ALB_B, dst: APP1, sport: 5000, dport: 8080 }, 6, 30),
      ],
      classification: 'likely-misconfiguration',
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 },
      peer: { groups: ['sg-alb'] },
      also: (f) => expect(f.traffic.peers.map((p) => p.owner ?? '').join(' ')).toContain('shop-alb'),
    },
    {
      id: 'S48',
      title: 'a Network Load Balancer with a group refusing an internal client: the finding’s interface is the NLB by name',
      world: () =>
        baseWorld()
          .group('sg-nlb', 'vpc-main', [tcp(443, '10.0.1.0/24')])
          .eni({
            id: 'eni-nlb1',
            subnet: 'subnet-web',
            ip: '10.0.2.60',
            groups: ['sg-nlb'],
            description: 'ELB net/api-nlb/0123456789abcdef',
            interfaceType: 'network_load_balancer',
            requesterId: 'amazon-elb',
          }),
      records: retries({ eni: 'eni-nlb1', dir: 'ingress', src: W1, dst: '10.0.2.60', sport: 45000, dport: 443 }),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-nlb'], protocol: 'tcp', ports: 443 },
      peer: { groups: ['sg-worker'] },
      also: (f) => expect(f.traffic.interfaces.map((i) => i.owner ?? '').join(' ')).toContain('api-nlb'),
    },
  ];
  scenarioTests(scenarios, expectGroupFix);
});

describe('diagnose scenarios: nothing to fix', () => {
  const scenarios: NoFixScenario[] = [
    {
      id: 'S49',
      title: 'REJECTs the current groups already allow (the rule was added since): no finding, counted as allowed',
      world: () => baseWorld().ingress('sg-db', tcp(5432, 'sg-worker')),
      records: WORKER_TO_DB,
      findings: 'none',
      rejected: { allowed: 4 },
    },
    {
      id: 'S50',
      title: 'instance metadata and the Amazon DNS server are never filtered: no finding',
      world: () => baseWorld().egress('sg-app', tcp(443, '0.0.0.0/0')),
      records: [
        ...retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '169.254.169.254', sport: 45000, dport: 80 }),
        ...retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.0.0.2', sport: 45000, dport: 53, protocol: 17 }),
      ],
      findings: 'none',
    },
    {
      id: 'S51',
      title: 'an interface the snapshot does not hold: no finding, counted under interface-not-in-snapshot',
      records: retries({ eni: 'eni-gone1', dir: 'ingress', src: W1, dst: '10.0.1.99', sport: 45000, dport: 8080 }),
      findings: 'none',
      undecided: 'interface-not-in-snapshot',
    },
  ];
  scenarioTests(scenarios, expectNoFix);

  it('S52 VPC Block Public Access refused the flows: named as such, no rule change proposed', () => {
    const w = baseWorld().ingress('sg-web', tcp(443, '0.0.0.0/0'));
    const result = runDiagnose(
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

  function thirtySourcesProbingTwoHosts(): FlowRec[] {
    const recs: FlowRec[] = [];
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
    return recs;
  }

  const noise: Scenario[] = [
    {
      id: 'S53',
      title: 'thirty internet sources probing many ports of two hosts once each: noise, no fix',
      records: thirtySourcesProbingTwoHosts(),
    },
    {
      id: 'S54',
      title: 'one internet source scanning sixty ports of one host: noise, no fix',
      records: Array.from({ length: 60 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: '203.0.113.99',
        dst: WEB1,
        sport: 61000,
        dport: 1000 + i * 7,
        packets: 1,
        at: T0 + i,
      })),
    },
    {
      id: 'S55',
      title: 'a telnet botnet (sixty sources, one SYN each): noise, no fix',
      records: Array.from({ length: 60 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: `${PUBLIC_FIRST_OCTETS[i % 8]}.${i}.1.2`,
        dst: WEB1,
        sport: 40000 + i,
        dport: 23,
        packets: 1,
        at: T0 + i * 31,
      })),
    },
    {
      id: 'S86',
      title: 'an IPv6 internet source scanning forty ports of one host: noise, no fix',
      records: Array.from({ length: 40 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: '2a06:4880:1000::77',
        dst: WEB1_6,
        sport: 61000,
        dport: 1000 + i * 7,
        packets: 1,
        at: T0 + i,
      })),
    },
    {
      id: 'S87',
      title: 'an IPv6 botnet (forty sources, one SYN each to SSH): noise, no fix',
      records: Array.from({ length: 40 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: `2a0${i % 9}:${(i * 37).toString(16)}:${i}::${i + 1}`,
        dst: WEB1_6,
        sport: 40000 + i,
        dport: 22,
        packets: 1,
        at: T0 + i * 60,
      })),
    },
    {
      id: 'S88',
      title:
        'late FIN, RST, FIN-ACK and RST-ACK (flags 1/4/17/20) of internet clients on a port the group opens only inside: noise, no fix',
      records: Array.from({ length: 20 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: `81.2.${i}.9`,
        dst: WEB1,
        sport: 41000 + i,
        dport: 443,
        flags: [1, 4, 17, 20][i % 4],
        packets: 1,
        at: T0 + i * 100,
      })),
    },
  ];
  scenarioTests(noise, (s) => expectAllNoise(runDiagnose(baseWorld().ingress('sg-web', tcp(443, '10.0.2.0/24')), s.records)));

  it('S56 a partner retrying tcp/8443 while a scanner also hits 8443 among forty ports: the fix names the partner and never the scanner', () => {
    const recs: FlowRec[] = [
      ...retries({ eni: 'eni-web1', dir: 'ingress', src: '198.51.100.7', dst: WEB1, sport: 51000, dport: 8443 }, 5),
      ...Array.from({ length: 40 }, (_, i): FlowRec => ({
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
    const result = runDiagnose(baseWorld(), recs);
    const f = ruleFindingOn(result, 8443);
    expect(f.classification).not.toBe('likely-noise');
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 8443), ['198.51.100.7/32']);
    for (const finding of result.findings) expect(JSON.stringify(finding.suggestedFix)).not.toContain('203.0.113.99');
    expect(fix.verified).toBe(true);
  });

  it('S83 a partner retrying HTTPS from three fixed addresses while a botnet sends one SYN each to the same port: the partner keeps its rule finding and a fix for its addresses', () => {
    const partner = ['198.51.100.20', '198.51.100.21', '192.0.2.44'];
    const botnet = Array.from({ length: 60 }, (_, i) => `${PUBLIC_FIRST_OCTETS[i % 8]}.${i + 3}.${(i * 7) % 250}.${i + 9}`);
    const recs: FlowRec[] = [
      ...partner.flatMap((src, k) => retries({ eni: 'eni-web1', dir: 'ingress', src, dst: WEB1, sport: 51000 + k * 10, dport: 443 }, 6)),
      ...botnet.map((src, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src,
        dst: WEB1,
        sport: 40000 + i,
        dport: 443,
        packets: 1,
        at: T0 + i * 50,
      })),
    ];
    const result = runDiagnose(baseWorld(), recs);
    const f = ruleFindingOn(result, 443);
    expect(f.classification).not.toBe('likely-noise');
    expect(f.traffic.peers.map((p) => p.address).sort()).toEqual([...partner].sort());
    const fix = fixOf(f);
    const p = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 443);
    expect(pairsOf(p)).toEqual([]);
    expectCover(cidrsOf(p), partner, { maxAddresses: 3n });
    expect(fix.verified).toBe(true);
    const campaigns = result.findings.filter((c) => c.kind === 'campaign');
    const campaignSources = campaigns.flatMap((c) => c.campaign!.sources.map((s) => s.address));
    expect(campaignSources.sort()).toEqual([...botnet].sort());
    for (const c of campaigns) expect(c.classification).toBe('likely-noise');
  });

  it('S84 SSH brute force: one internet source opening three hundred connections to port 22 within an hour: noise, SSH never opened to it', () => {
    const recs = Array.from({ length: 300 }, (_, i): FlowRec => ({
      eni: 'eni-web1',
      dir: 'ingress',
      src: '185.220.101.7',
      dst: WEB1,
      sport: 30000 + i,
      dport: 22,
      packets: 2,
      at: T0 + i * 12,
    }));
    expectAllNoise(runDiagnose(baseWorld(), recs));
  });

  it('S85 an admin retrying SSH from the office while a bot guesses passwords on the same port: the fix names the office address, never the bot', () => {
    const office = '198.51.100.66';
    const bot = '185.220.101.7';
    const recs: FlowRec[] = [
      ...retries({ eni: 'eni-web1', dir: 'ingress', src: office, dst: WEB1, sport: 52000, dport: 22 }, 4),
      ...Array.from({ length: 300 }, (_, i): FlowRec => ({
        eni: 'eni-web1',
        dir: 'ingress',
        src: bot,
        dst: WEB1,
        sport: 30000 + i,
        dport: 22,
        packets: 2,
        at: T0 + i * 12,
      })),
    ];
    const result = runDiagnose(baseWorld(), recs);
    const fix = fixOf(ruleFindingOn(result, 22));
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], 'tcp', 22), [`${office}/32`]);
    for (const f of result.findings) expect(JSON.stringify(f.suggestedFix)).not.toContain(bot);
    expect(result.findings.filter((f) => f.kind === 'campaign').flatMap((c) => c.campaign!.sources.map((s) => s.address))).toEqual([bot]);
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
    const result = runDiagnose(baseWorld(), recs);
    for (const f of result.findings) {
      expectNoWorldOpen(f.suggestedFix);
      for (const change of f.suggestedFix?.changes ?? []) {
        for (const p of (change.params.IpPermissions as IpPermission[] | undefined) ?? []) {
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
      .ingress('sg-db', tcp(5432, 'sg-app'))
      .acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22])], [allow(100, '0.0.0.0/0', '6', [443, 443])]);
    const clientPorts = [45000, 45001, 45002, 45003];
    const f = onlyRuleFinding(runDiagnose(w, retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: DB1, sport: 45000, dport: 5432 })));
    expect(f.blockedBy).toEqual(naclOut('acl-app', 32767));
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
  const scenarios: AclFixScenario[] = [
    {
      id: 'S63',
      title: 'a NAT gateway’s answers from the internet dropped by its public subnet’s NACL: the NAT range 1024–65535',
      world: () =>
        baseWorld()
          .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
          .acl(
            'acl-public',
            [allow(100, '0.0.0.0/0', '6', [80, 80]), allow(110, '0.0.0.0/0', '6', [443, 443]), allow(120, '10.0.0.0/16')],
            OPEN,
          )
          .eni(natGatewayEni('10.0.7.5', '3.90.0.5')),
      records: conversation({
        client: '10.0.7.5',
        server: '203.0.113.50',
        port: 443,
        clientPorts: [40000, 40001, 40002],
        acceptedAt: { eni: 'eni-nat1', dir: 'egress' },
        rejectedAt: { eni: 'eni-nat1', dir: 'ingress' },
      }),
      traffic: { returnTraffic: true },
      blockedBy: naclIn('acl-public', 32767),
      entry: { acl: 'acl-public', egress: false, protocol: '6', before: 32767, ports: [1024, 65535], cidr: '203.0.113.50/32' },
    },
    {
      id: 'S64',
      title: 'echo replies to the app’s pings dropped by its inbound NACL: an ICMP entry, never a group',
      world: () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6')], OPEN),
      records: conversation({
        client: APP1,
        server: '8.8.8.8',
        port: 0,
        protocol: 1,
        clientPorts: [0, 0, 0, 0],
        acceptedAt: { eni: 'eni-app1', dir: 'egress' },
        rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
      }),
      traffic: { protocol: 1, returnTraffic: true },
      blockedBy: naclIn('acl-app', 32767),
      entry: { acl: 'acl-app', egress: false, protocol: '1', before: 32767, cidr: '8.8.8.8/32' },
      also: (_, p) => expect([-1, 0]).toContain((p.IcmpTypeCode as { Type: number }).Type),
    },
    {
      id: 'S66',
      title: 'IPv6 answers of an external API dropped inbound: an Ipv6CidrBlock entry on the ephemeral range',
      world: () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0'), allow(101, '::/0', '6', [443, 443])], OPEN),
      records: conversation({
        client: APP1_6,
        server: '2606:4700:4700::1111',
        port: 443,
        clientPorts: [40000, 40001, 40002],
        acceptedAt: { eni: 'eni-app1', dir: 'egress' },
        rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
      }),
      blockedBy: naclIn('acl-app', 32768),
      entry: {
        acl: 'acl-app',
        egress: false,
        protocol: '6',
        before: 32768,
        cidr: '2606:4700:4700::1111/128',
        replyTo: [40000, 40001, 40002],
      },
    },
    {
      id: 'S67',
      title: 'answers dropped by an explicit deny of the ephemeral ports at 50: the entry lands on a free number below 50',
      world: () =>
        baseWorld().acl(
          'acl-app',
          [allow(10, '10.0.0.0/16', '6', [22, 22]), deny(50, '203.0.113.0/24', '6', [32768, 65535]), allow(100, '0.0.0.0/0')],
          OPEN,
        ),
      records: apiConversation([40000, 40001, 40002]),
      blockedBy: naclIn('acl-app', 50),
      entry: { acl: 'acl-app', egress: false, protocol: '6', before: 50, replyTo: [40000, 40001, 40002] },
    },
  ];
  scenarioTests(scenarios, expectAclFix);

  it('S65 a Linux and a Windows client’s answers dropped outbound: documented ranges (or their union) covering both clients’ ports', () => {
    const w = baseWorld()
      .ingress('sg-web', tcp(443, 'sg-worker'))
      .acl('acl-web', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443])])
      .eni({ id: 'eni-win1', subnet: 'subnet-clients', ip: '10.0.4.40', groups: ['sg-worker'] });
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
    const fix = fixOf(onlyRuleFinding(runDiagnose(w, recs)));
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
});

describe('diagnose scenarios: more peers', () => {
  const scenarios: GroupFixScenario[] = [
    {
      id: 'S69',
      title: 'a peer using a secondary private address of its interface: still its group',
      world: () =>
        baseWorld().eni({
          id: 'eni-worker9',
          subnet: 'subnet-clients',
          ip: '10.0.4.50',
          groups: ['sg-worker'],
          secondary: [{ ip: '10.0.4.51' }],
        }),
      records: retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.51', dst: DB1, sport: 45000, dport: 5432 }),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-db'], protocol: 'tcp', ports: 5432 },
      peer: { groups: ['sg-worker'] },
    },
    {
      id: 'S70',
      title: 'a VPC reached without a peering connection (say through a transit gateway): no group reference, the /32',
      world: () =>
        baseWorld()
          .vpc('vpc-shared', '10.9.0.0/16')
          .subnet('subnet-shared1', 'vpc-shared', '10.9.1.0/24')
          .group('sg-shared-client', 'vpc-shared')
          .eni({ id: 'eni-shared1', subnet: 'subnet-shared1', ip: '10.9.1.20', groups: ['sg-shared-client'] }),
      records: retries({ eni: 'eni-app1', dir: 'ingress', src: '10.9.1.20', dst: APP1, sport: 45000, dport: 8080 }),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 },
      peer: { cidrs: ['10.9.1.20/32'] },
    },
    {
      id: 'S71',
      title: 'a peering connection still pending acceptance: no group reference across it, the /32',
      world: () =>
        baseWorld()
          .vpc('vpc-new', '10.4.0.0/16')
          .subnet('subnet-new1', 'vpc-new', '10.4.1.0/24')
          .group('sg-new-client', 'vpc-new')
          .eni({ id: 'eni-new1', subnet: 'subnet-new1', ip: '10.4.1.20', groups: ['sg-new-client'] })
          .peering('pcx-mainnew', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-new', cidr: '10.4.0.0/16' }, 'pending-acceptance'),
      records: retries({ eni: 'eni-app1', dir: 'ingress', src: '10.4.1.20', dst: APP1, sport: 45000, dport: 8080 }),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 },
      peer: { cidrs: ['10.4.1.20/32'] },
    },
  ];
  scenarioTests(scenarios, expectGroupFix);

  it('S68 a worker with a group and an address without an interface: the group and the /32, nothing wider', () => {
    const recs = [W1, '10.0.4.77'].flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }));
    const fix = fixOf(onlyRuleFinding(runDiagnose(baseWorld(), recs)));
    const permissions = fix.changes.flatMap((c) => {
      expect(c.action).toBe('AuthorizeSecurityGroupIngress');
      expect(c.params.GroupId).toBe('sg-db');
      return c.params.IpPermissions as IpPermission[];
    });
    for (const p of permissions) expect([p.IpProtocol, p.FromPort, p.ToPort]).toEqual(['tcp', 5432, 5432]);
    expect(permissions.flatMap(pairsOf).map((pair) => pair.GroupId)).toEqual(['sg-worker']);
    expect(permissions.flatMap(cidrsOf)).toEqual(['10.0.4.77/32']);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: scanners that look like something else', () => {
  /** The app subnet's NACL admits SSH from the VPC and nothing else: answers to the app hosts' requests are dropped. */
  const sshOnlyApp = () => baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22])], OPEN);
  /** An internet source sweeping thirty high ports of an app host from source port 443. */
  const SWEEP_FROM_443 = Array.from({ length: 30 }, (_, i): FlowRec => ({
    eni: 'eni-app1',
    dir: 'ingress',
    src: '203.0.113.99',
    dst: APP1,
    sport: 443,
    dport: 40000 + i * 17,
    packets: 1,
    at: T0 + i,
  }));

  const scenarios: AclFixScenario[] = [
    {
      id: 'S81',
      title: 'a real NACL gap in version 2 records (replies retransmitted, requests accepted): still return traffic with its fix',
      world: sshOnlyApp,
      records: API_CONVERSATION,
      format: 'v2',
      classification: 'likely-misconfiguration',
      traffic: { returnTraffic: true },
      entry: {
        acl: 'acl-app',
        egress: false,
        protocol: '6',
        before: 32767,
        replyTo: API_CLIENT_PORTS,
        ports: [32768, 60999],
        cidr: '203.0.113.50/32',
      },
      verified: 'unchecked',
    },
    {
      id: 'S82',
      title: 'the same gap in REJECT-only version 2 logs (no request to match): replies retransmitted, still return traffic with its fix',
      world: sshOnlyApp,
      records: API_CONVERSATION.filter((r) => r.action !== 'ACCEPT'),
      format: 'v2',
      classification: 'not noise',
      traffic: { returnTraffic: true },
      entry: { acl: 'acl-app', egress: false, protocol: '6', before: 32767, replyTo: API_CLIENT_PORTS, cidr: '203.0.113.50/32' },
      verified: 'unchecked',
    },
  ];
  scenarioTests(scenarios, expectAclFix);

  it('S72 an internal host probing fifty ports of the database once each: a scan, no rule opened for it', () => {
    const w = baseWorld()
      .group('sg-tools', 'vpc-main')
      .eni({ id: 'eni-tools1', subnet: 'subnet-clients', ip: '10.0.4.60', groups: ['sg-tools'] });
    const recs = Array.from({ length: 50 }, (_, i): FlowRec => ({
      eni: 'eni-db1',
      dir: 'ingress',
      src: '10.0.4.60',
      dst: DB1,
      sport: 45000 + i,
      dport: 1000 + i * 13,
      packets: 1,
      at: T0 + i,
    }));
    const result = runDiagnose(w, recs);
    expect(result.findings.filter((f) => f.suggestedFix !== null)).toEqual([]);
  });

  it('S73 an internet source sweeping high ports from source port 443 with SYN flags: requests of a scanner, not replies', () => {
    const result = runDiagnose(sshOnlyApp(), SWEEP_FROM_443);
    for (const f of result.findings) {
      expect(f.traffic.returnTraffic).toBe(false);
      expect(JSON.stringify(f.suggestedFix)).not.toContain('203.0.113.99');
    }
  });

  it('S74 the same sweep in version 2 records (no flags, no accepted request): no rule opened to the scanner', () => {
    const accepted: FlowRec = {
      eni: 'eni-app1',
      dir: 'egress',
      src: APP1,
      dst: '198.51.100.80',
      sport: 41000,
      dport: 443,
      action: 'ACCEPT',
      at: T0,
    };
    const result = runDiagnose(sshOnlyApp(), [...SWEEP_FROM_443, accepted], 'v2');
    for (const f of result.findings) expect(JSON.stringify(f.suggestedFix)).not.toContain('203.0.113.99');
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
    const result = runDiagnose(baseWorld(), recs);
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings) {
      expect(f.classification).not.toBe('likely-misconfiguration');
      expect(f.suggestedFix).toBeNull();
    }
  });
});

describe('diagnose scenarios: NACL entries for several peers', () => {
  scenarioTests<AclFixScenario>(
    [
      {
        id: 'S77',
        title: 'fifteen hosts of one subnet refused by the data NACL: one entry for the subnet’s block',
        world: () => {
          const w = baseWorld().subnet('subnet-batch', 'vpc-main', '10.0.5.0/24').group('sg-batch', 'vpc-main');
          BATCH_HOSTS.forEach((ip, i) => w.eni({ id: `eni-job${i}`, subnet: 'subnet-batch', ip, groups: ['sg-batch'] }));
          return w.ingress('sg-db', tcp(5432, 'sg-batch')).acl('acl-data', [allow(100, '10.0.1.0/24')], OPEN);
        },
        records: BATCH_TO_DB,
        entry: { acl: 'acl-data', egress: false, protocol: '6', before: 32767, cidr: '10.0.5.0/24' },
      },
    ],
    expectAclFix,
  );

  it('S76 one IPv4 and one IPv6 client refused by the NACL: an entry per family, each before its own catch-all, numbers distinct', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, 'sg-worker'), tcp(5432, '2600:1f18:aaaa:bb04::/64'))
      .acl('acl-data', [allow(100, '10.0.1.0/24'), allow(101, '2600:1f18:aaaa:bb01::/64')], OPEN);
    const recs = [...WORKER_TO_DB, ...retries({ eni: 'eni-db1', dir: 'ingress', src: W1_6, dst: DB1_6, sport: 46000, dport: 5432 })];
    const result = runDiagnose(w, recs);
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

  it('S78 clients in two subnets refused by the data NACL: an entry each, free, distinct, no wider block', () => {
    const w = baseWorld()
      .ingress('sg-db', tcp(5432, 'sg-worker'), tcp(5432, 'sg-app'))
      .acl('acl-data', [allow(100, '10.0.2.0/24')], OPEN);
    const recs = [W1, APP1].flatMap((src) => retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }));
    const fix = fixOf(onlyRuleFinding(runDiagnose(w, recs)));
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
  const scenarios: GroupFixScenario[] = [
    {
      id: 'S79',
      title: 'IPv6 pings from the monitoring host: icmpv6 for its group',
      records: MON_PINGS_6,
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'icmpv6', ports: [-1, -1] },
      peer: { groups: ['sg-mon'] },
    },
    {
      id: 'S80',
      title: 'DNS queries to an external resolver refused by the egress group: udp/53 to its /32',
      world: () => baseWorld().egress('sg-app', tcp(443, '0.0.0.0/0')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '1.1.1.1', sport: 50000, dport: 53, protocol: 17, packets: 1 }, 6),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'udp', ports: 53 },
      peer: { cidrs: ['1.1.1.1/32'] },
    },
  ];
  scenarioTests(scenarios, expectGroupFix);
});

describe('diagnose scenarios: connections opened towards a NAT gateway', () => {
  const NAT_PRIVATE = '10.0.7.5';
  const NAT_PUBLIC = '3.90.0.5';
  const BASTION = '10.0.7.20';

  /**
   * baseWorld with a public subnet holding a NAT gateway (and, with `bastion`, an SSH bastion
   * whose group admits nobody yet): the subnet's NACL lets in only the answers of what leaves
   * through the gateway (1024–65535) and HTTP from the VPC, so SSH and HTTPS requests meet its
   * catch-all deny.
   */
  function natWorld(opts: { bastion?: boolean } = {}): ScenarioNetwork {
    const w = baseWorld()
      .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
      .acl('acl-public', [allow(100, '0.0.0.0/0', '6', [1024, 65535]), allow(110, '10.0.0.0/16', '6', [80, 80])], OPEN)
      .eni(natGatewayEni(NAT_PRIVATE, NAT_PUBLIC));
    if (opts.bastion) {
      w.group('sg-bastion', 'vpc-main').eni({
        id: 'eni-bastion',
        subnet: 'subnet-public',
        ip: BASTION,
        publicIp: '3.90.0.20',
        groups: ['sg-bastion'],
      });
    }
    return w;
  }

  /** Every finding noise without a fix, one of them saying the NAT gateway itself refuses the connections. */
  function expectRefusedByNatGateway(result: DiagnoseResult): void {
    expect(ruleFindings(result)).toEqual([]);
    expectAllNoise(result);
    const nat = result.findings.filter((f) => f.signals.includes('to-nat-gateway'));
    expect(nat, JSON.stringify(result.findings.map((f) => [f.kind, f.signals, f.fixNote]))).toHaveLength(1);
    expect(nat[0].fixNote?.reason).toBe('to-nat-gateway');
    expect(nat[0].fixNote?.message).toContain('nat-0123456789abcdef0');
  }

  it('S89 an internet host retrying SSH to a NAT gateway’s public address, refused by the NACL: noise, no fix (the gateway accepts no connection)', () => {
    const recs = retries({ eni: 'eni-nat1', dir: 'ingress', src: '198.51.100.23', dst: NAT_PUBLIC, sport: 51000, dport: 22 }, 4);
    expectRefusedByNatGateway(runDiagnose(natWorld(), recs));
  });

  it('S117 the same to a NAT gateway whose interface says so by its type alone (no description): the campaign’s note names the interface, not its type', () => {
    const world = baseWorld()
      .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
      .acl('acl-public', [allow(100, '0.0.0.0/0', '6', [1024, 65535])], OPEN)
      .eni({ ...natGatewayEni(NAT_PRIVATE, NAT_PUBLIC), description: '' });
    const recs = retries({ eni: 'eni-nat1', dir: 'ingress', src: '198.51.100.23', dst: NAT_PUBLIC, sport: 51000, dport: 22 }, 4);
    const nat = runDiagnose(world, recs).findings.filter((f) => f.signals.includes('to-nat-gateway'));
    expect(nat).toHaveLength(1);
    expect(nat[0].fixNote?.message).toContain('NAT gateway eni-nat1 itself');
    expect(nat[0].fixNote?.message).not.toContain('nat_gateway');
  });

  it('S90 an internal instance retrying SSH to a NAT gateway’s private address, refused by the NACL: noise, no fix', () => {
    const recs = retries({ eni: 'eni-nat1', dir: 'ingress', src: W1, dst: NAT_PRIVATE, sport: 45000, dport: 22 }, 4);
    expectRefusedByNatGateway(runDiagnose(natWorld(), recs));
  });

  it('S91 an app host’s HTTPS forwarded through the NAT gateway, refused by its subnet’s NACL: still a NACL entry for the app host', () => {
    const recs = retries({ eni: 'eni-nat1', dir: 'ingress', src: APP1, dst: '203.0.113.50', sport: 40000, dport: 443 }, 4);
    const result = runDiagnose(natWorld(), recs);
    const f = onlyRuleFinding(result);
    expect(f.classification).not.toBe('likely-noise');
    expect(f.signals).not.toContain('to-nat-gateway');
    expect(f.blockedBy).toEqual(naclIn('acl-public', 32767));
    const fix = fixOf(f);
    const entry = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-public',
      egress: false,
      protocol: '6',
      before: 32767,
      taken: natWorld().taken('acl-public', false),
    });
    expect(entry.PortRange).toEqual({ From: 443, To: 443 });
    expect(naclCidr(entry)).toBe(`${APP1}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S92 SSH refused by one NACL to a bastion (an admin) and to the NAT gateway beside it (a bot): the bastion’s fix names the admin only', () => {
    const admin = '198.51.100.66';
    const bot = '198.51.100.23';
    const recs = [
      ...retries({ eni: 'eni-bastion', dir: 'ingress', src: admin, dst: BASTION, sport: 52000, dport: 22 }, 4),
      ...retries({ eni: 'eni-nat1', dir: 'ingress', src: bot, dst: NAT_PUBLIC, sport: 51000, dport: 22 }, 4),
    ];
    const result = runDiagnose(natWorld({ bastion: true }), recs);
    const f = ruleFindingOn(result, 22);
    expect(f.traffic.peers.map((p) => p.address)).toEqual([admin]);
    expect(f.traffic.interfaces.map((i) => i.id)).toEqual(['eni-bastion']);
    const fix = fixOf(f);
    expect(JSON.stringify(fix)).not.toContain(bot);
    expect(fix.verified).toBe(true);
    const nat = result.findings.filter((c) => c.signals.includes('to-nat-gateway'));
    expect(nat).toHaveLength(1);
    expect(nat[0].classification).toBe('likely-noise');
    expect(nat[0].suggestedFix).toBeNull();
    expect(nat[0].traffic.peers.map((p) => p.address)).toEqual([bot]);
  });

  /**
   * An instance's own request to a NAT gateway's address, refused on its way out: the instance's
   * traffic and its control's finding, but no rule change lets it through, since the gateway itself
   * would refuse it. Replies are no requests: a NACL that drops a NAT gateway's answers needs its entry.
   */
  const appTo = (dst: string, dport = 443) => retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst, sport: 40000, dport }, 4);
  /** natWorld whose app group lets out only PostgreSQL to the data subnet. */
  const appEgressClosed = () => natWorld().egress('sg-app', tcp(5432, '10.0.3.0/24'));

  /** The finding of the control, without a fix, its note naming the gateway and the addresses asked for. */
  function expectNoFixToNatGateway(result: DiagnoseResult, blockedBy: BlockingControl, addresses: string[]): Finding {
    const f = onlyRuleFinding(result);
    expect(f.blockedBy).toEqual(blockedBy);
    expect(f.classification).not.toBe('likely-noise');
    expect(f.signals).not.toContain('to-nat-gateway');
    expect(f.suggestedFix).toBeNull();
    expect(f.fixNote).toMatchObject({ reason: 'to-nat-gateway', excludedPeers: addresses.length, examples: addresses });
    expect(f.fixNote?.message).toMatch(/^No rule change: /);
    expect(f.fixNote?.message).toContain('nat-0123456789abcdef0');
    for (const address of addresses) expect(f.fixNote?.message).toContain(address);
    expect(result.stats.fixes.suggested).toBe(0);
    return f;
  }

  it('S109 an app host retrying HTTPS to the NAT gateway’s private address, refused by its egress group: the group’s finding, no fix', () => {
    expectNoFixToNatGateway(runDiagnose(appEgressClosed(), appTo(NAT_PRIVATE)), sgOut('sg-app'), [NAT_PRIVATE]);
  });

  it('S110 an app host retrying HTTPS to the NAT gateway’s Elastic IP, refused by its subnet’s outbound NACL: the NACL’s finding, no fix', () => {
    const world = natWorld().acl('acl-app', OPEN, [allow(100, '10.0.0.0/16')]);
    expectNoFixToNatGateway(runDiagnose(world, appTo(NAT_PUBLIC)), naclOut('acl-app', 32767), [NAT_PUBLIC]);
  });

  it('S111 HTTPS to the web host and to the NAT gateway refused by one egress group: the fix opens the web host only, the note names the gateway', () => {
    // The web host's group admits the app: only the app's egress refuses it.
    const world = appEgressClosed().ingress('sg-web', tcp(443, 'sg-app'));
    const result = runDiagnose(world, [...appTo(WEB1), ...appTo(NAT_PRIVATE)]);
    const f = onlyRuleFinding(result);
    expect(f.blockedBy).toEqual(sgOut('sg-app'));
    expect(f.traffic.peers.map((p) => p.address).sort()).toEqual([NAT_PRIVATE, WEB1].sort());
    const fix = fixOf(f);
    const permission = sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443, 443);
    expectGroupPeer(permission, ['sg-web']);
    expect(JSON.stringify(fix)).not.toContain(NAT_PRIVATE);
    expect(fix.verified).toBe(true);
    expect(f.fixNote).toMatchObject({ reason: 'to-nat-gateway', excludedPeers: 1, examples: [NAT_PRIVATE] });
    expect(f.fixNote?.message).toMatch(/^The fix covers 1 other peer; /);
    expect(f.fixNote?.message).toContain('nat-0123456789abcdef0');
  });

  /** baseWorld peered (active unless told) with vpc-egress, whose NAT gateway is 10.8.7.5; sg-app lets out only PostgreSQL. */
  const egressVpc = (status = 'active') =>
    baseWorld()
      .egress('sg-app', tcp(5432, '10.0.3.0/24'))
      .vpc('vpc-egress', '10.8.0.0/16')
      .subnet('subnet-public', 'vpc-egress', '10.8.7.0/24')
      .eni(natGatewayEni('10.8.7.5', '3.90.0.5'))
      .peering('pcx-mainegress', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-egress', cidr: '10.8.0.0/16' }, status);

  it('S112 the NAT gateway of an actively peered VPC: its private address is the gateway’s, no fix', () => {
    expectNoFixToNatGateway(runDiagnose(egressVpc(), appTo('10.8.7.5')), sgOut('sg-app'), ['10.8.7.5']);
  });

  it('S113 the same address across a peering that is not active: no gateway the app host reaches has it, the egress fix stays', () => {
    const f = onlyRuleFinding(runDiagnose(egressVpc('deleted'), appTo('10.8.7.5')));
    expect(f.fixNote).toBeUndefined();
    const permission = sgPermission(onlyChange(fixOf(f), 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443, 443);
    expectCidrPeers(permission, ['10.8.7.5/32']);
  });

  /** baseWorld and vpc-egress (its NAT gateway 10.8.7.5) on transit gateway tgw-hub, each VPC routing the other's block to it; sg-app lets out only PostgreSQL. */
  const hubEgressVpc = (attachmentState: Record<string, string> = {}) =>
    baseWorld()
      .egress('sg-app', tcp(5432, '10.0.3.0/24'))
      .vpc('vpc-egress', '10.8.0.0/16')
      .subnet('subnet-public', 'vpc-egress', '10.8.7.0/24')
      .eni(natGatewayEni('10.8.7.5', '3.90.0.5'))
      .transitGateway('tgw-hub', ['vpc-main', 'vpc-egress'], attachmentState);

  it('S120 the NAT gateway of a VPC reached through a transit gateway: its private address is the gateway’s, no fix', () => {
    expectNoFixToNatGateway(runDiagnose(hubEgressVpc(), appTo('10.8.7.5')), sgOut('sg-app'), ['10.8.7.5']);
  });

  it('S121 the same address when the egress VPC’s attachment is deleted: no gateway the app host reaches has it, the egress fix stays', () => {
    const f = onlyRuleFinding(runDiagnose(hubEgressVpc({ 'vpc-egress': 'deleted' }), appTo('10.8.7.5')));
    expect(f.fixNote).toBeUndefined();
    const permission = sgPermission(onlyChange(fixOf(f), 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 443, 443);
    expectCidrPeers(permission, ['10.8.7.5/32']);
  });

  it('S114 the app host’s answers to connections a NAT gateway forwarded, dropped by its NACL’s Linux-only range: return traffic keeps its entry', () => {
    const world = linuxOnlyReplies().subnet('subnet-public', 'vpc-main', '10.0.7.0/24').eni(natGatewayEni(NAT_PRIVATE, NAT_PUBLIC));
    const clientPorts = [1500, 1501, 1502];
    const result = runDiagnose(
      world,
      conversation({
        client: NAT_PRIVATE,
        server: APP1,
        port: 8080,
        clientPorts,
        acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
        rejectedAt: { eni: 'eni-app1', dir: 'egress' },
      }),
    );
    const f = onlyRuleFinding(result);
    expect(f.traffic.returnTraffic).toBe(true);
    expect(f.blockedBy).toEqual(naclOut('acl-app', 32767));
    expect(f.fixNote).toBeUndefined();
    const fix = fixOf(f);
    const entry = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: true,
      protocol: '6',
      before: 32767,
      taken: world.taken('acl-app', true),
    });
    expectEphemeralRange(entry, clientPorts);
    expect(naclCidr(entry)).toBe(`${NAT_PRIVATE}/32`);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: services whose clients answer from a fixed port', () => {
  const NTP_SERVER = '203.0.113.123';

  it('S93 an app host’s NTP answers (udp 123 → 123) refused by an inbound NACL that admits UDP on 1024–65535 only: an entry for udp/123 from the server, the port the answers go to', () => {
    const world = () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6'), allow(110, '0.0.0.0/0', '17', [1024, 65535])], OPEN);
    // ntpd sends from port 123 itself: the answer comes back to 123, outside every ephemeral range.
    const recs: FlowRec[] = Array.from({ length: 5 }, (_, i) => [
      {
        eni: 'eni-app1',
        dir: 'egress' as const,
        src: APP1,
        dst: NTP_SERVER,
        sport: 123,
        dport: 123,
        protocol: 17,
        packets: 1,
        at: T0 + i * 600,
        action: 'ACCEPT' as const,
      },
      {
        eni: 'eni-app1',
        dir: 'ingress' as const,
        src: NTP_SERVER,
        dst: APP1,
        sport: 123,
        dport: 123,
        protocol: 17,
        packets: 1,
        at: T0 + i * 600,
      },
    ]).flat();
    const f = onlyRuleFinding(runDiagnose(world(), recs));
    expectFinding(f, {
      classification: 'likely-misconfiguration',
      blockedBy: naclIn('acl-app', 32767),
      traffic: { direction: 'ingress', protocol: 17, port: 123, records: 5 },
    });
    expect(f.signals).toContain('return-traffic');
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '17',
      taken: world().taken('acl-app', false),
      before: 32767,
    });
    expect(p.PortRange).toEqual({ From: 123, To: 123 });
    expect(naclCidr(p)).toBe(`${NTP_SERVER}/32`);
    expect(fix.verified).toBe(true);
  });

  it('S94 an NTP server in the VPC whose NACL passes TCP only, asked from client port 123: udp/123 in, and the answers out to port 123, never an ephemeral range that misses it', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-web', udp(123, '10.0.0.0/16'))
        .acl('acl-web', [allow(100, '10.0.0.0/16', '6')], [allow(100, '10.0.0.0/16', '6')]);
    const recs = Array.from({ length: 5 }, (_, i) => ({
      eni: 'eni-web1',
      dir: 'ingress' as const,
      src: W1,
      dst: WEB1,
      sport: 123,
      dport: 123,
      protocol: 17,
      packets: 1,
      at: T0 + i * 600,
    }));
    const f = onlyRuleFinding(runDiagnose(world(), recs));
    expectFinding(f, {
      classification: 'likely-misconfiguration',
      blockedBy: naclIn('acl-web', 32767),
      traffic: { protocol: 17, port: 123 },
    });
    const fix = fixOf(f);
    const [request] = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === false);
    const [reply] = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === true);
    const inbound = expectNaclAllow(request, {
      acl: 'acl-web',
      egress: false,
      protocol: '17',
      taken: world().taken('acl-web', false),
      before: 32767,
    });
    expect(inbound.PortRange).toEqual({ From: 123, To: 123 });
    expect(naclCidr(inbound)).toBe(`${W1}/32`);
    const outbound = expectNaclAllow(reply, {
      acl: 'acl-web',
      egress: true,
      protocol: '17',
      taken: world().taken('acl-web', true),
      before: 32767,
    });
    const range = outbound.PortRange as { From: number; To: number };
    expect(range.From).toBeLessThanOrEqual(123);
    expect(range.To).toBeGreaterThanOrEqual(123);
    expect(naclCidr(outbound)).toBe(`${W1}/32`);
    expect(fix.changes).toHaveLength(2);
    expect(fix.verified).toBe(true);
  });

  it('S95 DNS to a resolver instance, refused by the client subnet’s outbound NACL, with the resolver’s NACL and the client’s inbound NACL passing TCP only: the four entries a stateless path needs, verified', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-web', udp(53, '10.0.0.0/16'))
        .acl('acl-web', [allow(100, '10.0.0.0/16', '6')], [allow(100, '10.0.0.0/16', '6')])
        .acl('acl-clients', [allow(100, '10.0.0.0/16', '6')], [allow(100, '10.0.0.0/16', '6')]);
    const recs = retries({ eni: 'eni-worker1', dir: 'egress', src: W1, dst: WEB1, sport: 40000, dport: 53, protocol: 17, packets: 1 }, 5);
    const f = onlyRuleFinding(runDiagnose(world(), recs));
    expectFinding(f, {
      classification: 'likely-misconfiguration',
      blockedBy: naclOut('acl-clients', 32767),
      traffic: { direction: 'egress', protocol: 17, port: 53 },
    });
    expect(f.alsoBlockedBy).toEqual([naclIn('acl-web', 32767), naclOut('acl-web', 32767)]);
    const fix = fixOf(f);
    const entry = (acl: string, egress: boolean) => {
      const found = fix.changes.filter((c) => c.params.NetworkAclId === acl && c.params.Egress === egress);
      expect(found, `${acl} ${egress ? 'out' : 'in'}`).toHaveLength(1);
      return expectNaclAllow(found[0], { acl, egress, protocol: '17', taken: world().taken(acl, egress), before: 32767 });
    };
    const request = entry('acl-clients', true);
    expect([request.PortRange, naclCidr(request)]).toEqual([{ From: 53, To: 53 }, `${WEB1}/32`]);
    const arrival = entry('acl-web', false);
    expect([arrival.PortRange, naclCidr(arrival)]).toEqual([{ From: 53, To: 53 }, `${W1}/32`]);
    const answer = entry('acl-web', true);
    expectEphemeralRange(answer, [40000, 40004]);
    expect(naclCidr(answer)).toBe(`${W1}/32`);
    const back = entry('acl-clients', false);
    expectEphemeralRange(back, [40000, 40004]);
    expect(naclCidr(back)).toBe(`${WEB1}/32`);
    expect(fix.changes).toHaveLength(4);
    expect(fix.changes.every((c) => c.action === 'CreateNetworkAclEntry')).toBe(true);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: ICMP through a stateless NACL', () => {
  const scenarios: { id: string; title: string; protocol: '1' | '58'; src: string; dst: string; world: () => ScenarioNetwork }[] = [
    {
      id: 'S96',
      title:
        'pings refused by an app NACL that passes TCP only both ways: ICMP in from the monitor and ICMP out to it (the echo replies), every type',
      protocol: '1',
      src: MON,
      dst: APP1,
      world: () =>
        baseWorld()
          .ingress('sg-app', perm('icmp', [-1, -1], 'sg-mon'))
          .acl('acl-app', [allow(100, '10.0.0.0/16', '6')], [allow(100, '10.0.0.0/16', '6')]),
    },
    {
      id: 'S97',
      title: 'the same over IPv6: protocol 58 both ways with Ipv6CidrBlock, ending before the IPv6 catch-all',
      protocol: '58',
      src: MON_6,
      dst: APP1_6,
      world: () =>
        baseWorld()
          .ingress('sg-app', perm('icmpv6', [-1, -1], 'sg-mon'))
          .acl('acl-app', [allow(100, '::/0', '6')], [allow(100, '::/0', '6')]),
    },
  ];
  for (const s of scenarios) {
    it(`${s.id} ${s.title}`, () => {
      const catchAll = s.protocol === '58' ? 32768 : 32767;
      const peerCidr = s.protocol === '58' ? `${s.src}/128` : `${s.src}/32`;
      const recs = retries(
        { eni: 'eni-app1', dir: 'ingress', src: s.src, dst: s.dst, sport: 0, dport: 0, protocol: Number(s.protocol), packets: 4 },
        6,
      );
      const f = onlyRuleFinding(runDiagnose(s.world(), recs));
      expectFinding(f, {
        classification: 'likely-misconfiguration',
        blockedBy: naclIn('acl-app', catchAll),
        traffic: { protocol: Number(s.protocol), port: null },
      });
      const fix = fixOf(f);
      expect(fix.changes).toHaveLength(2);
      for (const egress of [false, true]) {
        const [change] = fix.changes.filter((c) => c.params.Egress === egress);
        const p = expectNaclAllow(change, {
          acl: 'acl-app',
          egress,
          protocol: s.protocol,
          taken: s.world().taken('acl-app', egress),
          before: catchAll,
        });
        expect(p.IcmpTypeCode).toEqual({ Type: -1, Code: -1 });
        expect(p.PortRange).toBeUndefined();
        if (s.protocol === '58') expect(p.CidrBlock).toBeUndefined();
        expect(naclCidr(p)).toBe(peerCidr);
      }
      expect(riskKinds(fix)).toContain('all-icmp-types');
      expect(fix.verified).toBe(true);
    });
  }
});

describe('diagnose scenarios: where the NACL is not on the path, and where the group has no rule', () => {
  const scenarios: GroupFixScenario[] = [
    {
      id: 'S98',
      title: 'two interfaces of one subnet whose NACL denies everything: the group is named, never the NACL, and the fix has no NACL entry',
      world: () => baseWorld().acl('acl-app', [deny(10, '0.0.0.0/0')], [deny(10, '0.0.0.0/0')]),
      records: retries({ eni: 'eni-app1', dir: 'ingress', src: APP2, dst: APP1, sport: 45000, dport: 8080 }),
      classification: 'likely-misconfiguration',
      blockedBy: sgIn('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupIngress', groups: ['sg-app'], protocol: 'tcp', ports: 8080 },
      peer: { groups: ['sg-app'] },
      also: (f) => expect(f.alsoBlockedBy ?? []).toEqual([]),
    },
    {
      id: 'S99',
      title:
        'an app group whose outbound rules were all removed, calling an HTTPS API: egress tcp/443 to the API’s /32, its internet exposure said',
      world: () => baseWorld().egress('sg-app'),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.50', sport: 45000, dport: 443 }),
      classification: 'likely-misconfiguration',
      blockedBy: sgOut('sg-app'),
      traffic: { direction: 'egress', protocol: 6, port: 443 },
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 443 },
      peer: { cidrs: ['203.0.113.50/32'] },
      also: (_, fix) => expect(riskKinds(fix)).toContain('internet-exposure'),
    },
    {
      id: 'S100',
      title: 'egress to a database in a peered VPC of another Region: no group reference across Regions, the /32',
      world: () =>
        baseWorld()
          .vpc('vpc-far', '10.8.0.0/16')
          .subnet('subnet-far', 'vpc-far', '10.8.1.0/24')
          .group('sg-far', 'vpc-far', [tcp(5432, '10.0.0.0/16')])
          .eni({ id: 'eni-far1', subnet: 'subnet-far', ip: '10.8.1.10', groups: ['sg-far'] })
          .peering('pcx-far', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-far', cidr: '10.8.0.0/16', region: 'eu-west-1' })
          .egress('sg-app', tcp(443, '0.0.0.0/0')),
      records: retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.8.1.10', sport: 45000, dport: 5432 }),
      blockedBy: sgOut('sg-app'),
      rule: { action: 'AuthorizeSecurityGroupEgress', groups: ['sg-app'], protocol: 'tcp', ports: 5432 },
      peer: { cidrs: ['10.8.1.10/32'] },
    },
  ];
  scenarioTests(scenarios, expectGroupFix);

  it('S101 a Lambda function’s interface refused by its own egress group, the database subnet answering only the Linux range: egress to the db group, and the answers out on 1024–65535', () => {
    const world = () =>
      baseWorld()
        .group('sg-fn', 'vpc-main', [], [tcp(443, '0.0.0.0/0')])
        .eni({
          id: 'eni-fn1',
          subnet: 'subnet-clients',
          ip: '10.0.4.90',
          groups: ['sg-fn'],
          interfaceType: 'lambda',
          description: 'AWS Lambda VPC ENI-orders-fn',
          requesterId: 'AROAEXAMPLE:orders-fn',
        })
        .ingress('sg-db', tcp(5432, 'sg-fn'))
        .acl('acl-data', [allow(100, '0.0.0.0/0')], [allow(100, '10.0.0.0/16', '6', [32768, 60999])]);
    const f = onlyRuleFinding(
      runDiagnose(world(), retries({ eni: 'eni-fn1', dir: 'egress', src: '10.0.4.90', dst: DB1, sport: 1500, dport: 5432 })),
    );
    expectFinding(f, { classification: 'likely-misconfiguration', blockedBy: sgOut('sg-fn') });
    expect(f.alsoBlockedBy).toEqual([naclOut('acl-data', 32767)]);
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(changesOf(fix, 'AuthorizeSecurityGroupEgress')[0], ['sg-fn'], 'tcp', 5432), ['sg-db']);
    const [reply] = changesOf(fix, 'CreateNetworkAclEntry');
    const p = expectNaclAllow(reply, {
      acl: 'acl-data',
      egress: true,
      protocol: '6',
      taken: world().taken('acl-data', true),
      before: 32767,
    });
    expect(p.PortRange).toEqual({ From: 1024, To: 65535 });
    expect(naclCidr(p)).toBe('10.0.4.90/32');
    expect(fix.changes).toHaveLength(2);
    expect(fix.verified).toBe(true);
  });

  it('S102 a load balancer forwarding to container ports mapped dynamically: a finding per refused port, each fix that port alone for the load balancer’s group', () => {
    const world = withAlb(baseWorld()).ingress('sg-app', tcp(80, 'sg-alb'));
    const ports = [32768, 33001, 40210, 51000];
    const recs = ports.flatMap((dport, k) =>
      retries({ eni: 'eni-app1', dir: 'ingress', src: ALB_A, dst: APP1, sport: 2000 + k * 7, dport }),
    );
    const result = runDiagnose(world, recs);
    expect(ruleFindings(result)).toHaveLength(ports.length);
    for (const port of ports) {
      const f = ruleFindingOn(result, port);
      expectFinding(f, { classification: 'likely-misconfiguration', blockedBy: sgIn('sg-app'), traffic: { direction: 'ingress', port } });
      expect(f.signals).not.toContain('return-traffic');
      const fix = fixOf(f);
      expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', port), ['sg-alb']);
      expect(fix.verified).toBe(true);
    }
  });
});

describe('diagnose scenarios: denies that leave no number before them', () => {
  it('S103 a deny at 5 with 1–4 taken by other allows: the deny is re-created at a free number after it, then replaced by the worker’s allow', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-db', tcp(5432, 'sg-worker'))
        .acl(
          'acl-data',
          [
            ...[22, 80, 443, 8080].map((port, i) => allow(i + 1, '10.0.1.0/24', '6', [port, port])),
            deny(5, '10.0.4.0/24'),
            allow(100, '10.0.0.0/16'),
          ],
          OPEN,
        );
    const f = onlyRuleFinding(runDiagnose(world(), WORKER_TO_DB));
    expectFinding(f, { blockedBy: naclIn('acl-data', 5) });
    const fix = fixOf(f);
    expect(fix.changes.map((c) => c.action)).toEqual(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry']);
    const [moved, replaced] = fix.changes.map((c) => c.params);
    expect(moved).toMatchObject({ NetworkAclId: 'acl-data', Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '10.0.4.0/24' });
    expect(moved.RuleNumber).toBeGreaterThan(5);
    expect(moved.RuleNumber).toBeLessThan(100);
    expect(world().taken('acl-data', false)).not.toContain(moved.RuleNumber);
    expect(replaced).toMatchObject({
      NetworkAclId: 'acl-data',
      Egress: false,
      RuleNumber: 5,
      RuleAction: 'allow',
      Protocol: '6',
      CidrBlock: `${W1}/32`,
      PortRange: { From: 5432, To: 5432 },
    });
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: security groups at their rule quota', () => {
  /** Sixty inbound IPv4 rules: EC2's default quota of rules per group and direction, per address family. */
  const SIXTY_RULES = Array.from({ length: 60 }, (_, i) => tcp(10000 + i, '10.9.0.0/16'));

  it('S104 the database interface carries a group at sixty inbound rules and one with room: the rule goes on the group with room', () => {
    for (const order of [
      ['sg-db', 'sg-db2'],
      ['sg-db2', 'sg-db'],
    ]) {
      const world = baseWorld()
        .ingress('sg-db', ...SIXTY_RULES)
        .group('sg-db2', 'vpc-main', [tcp(22, '10.9.0.0/16')])
        .attach('eni-db1', order);
      const f = onlyRuleFinding(runDiagnose(world, WORKER_TO_DB));
      expectFinding(f, { blockedBy: sgIn('sg-db', 'sg-db2') });
      const fix = fixOf(f);
      expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db2'], 'tcp', 5432), ['sg-worker']);
      expect(riskKinds(fix)).not.toContain('rule-quota');
      expect(fix.verified).toBe(true);
    }
  });

  it('S105 the only group at sixty inbound rules: the fix is still the rule it needs, and a rule-quota risk says EC2 refuses it unless the quota was raised', () => {
    const world = baseWorld().ingress('sg-db', ...SIXTY_RULES);
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    const quota = fix.risks.filter((r) => r.kind === 'rule-quota');
    expect(quota).toHaveLength(1);
    expect(quota[0].message).toContain('sg-db');
    expect(quota[0].message).toContain('RulesPerSecurityGroupLimitExceeded');
    expect(quota[0].groupIds).toEqual(['sg-db']);
  });

  it('S106 sixty inbound IPv4 rules leave room for an IPv6 one: the quota counts each address family apart, no rule-quota risk', () => {
    const world = baseWorld().ingress('sg-db', ...SIXTY_RULES);
    const recs = retries({ eni: 'eni-db1', dir: 'ingress', src: '2600:1f18:aaaa:bb04::77', dst: DB1_6, sport: 45000, dport: 5432 });
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, recs)));
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), [
      '2600:1f18:aaaa:bb04::77/128',
    ]);
    expect(riskKinds(fix)).not.toContain('rule-quota');
  });

  it('S107 a prefix list counts as its maximum entries: fifty-five rules and a list of up to ten entries leave no room', () => {
    const world = baseWorld()
      .prefixList('pl-0a1b2c3d4e5f60718', ['10.7.0.0/16'])
      .ingress('sg-db', ...SIXTY_RULES.slice(0, 55), tcp(9999, 'pl-0a1b2c3d4e5f60718'));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    expect(riskKinds(fix)).toContain('rule-quota');
  });

  it('S118 a group at sixty inbound IPv6 rules has no room for a reference, which counts in both families: an IPv4 client’s group reference goes on the group with room', () => {
    const sixtyV6 = Array.from({ length: 60 }, (_, i) => tcp(10000 + i, '2600:1f18:aaaa:bb09::/64'));
    const world = baseWorld()
      .ingress('sg-db', ...sixtyV6)
      .group('sg-db2', 'vpc-main', [tcp(22, '10.9.0.0/16')])
      .attach('eni-db1', ['sg-db', 'sg-db2']);
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db2'], 'tcp', 5432), ['sg-worker']);
    expect(riskKinds(fix)).not.toContain('rule-quota');
  });

  it('S119 a group at fifty-nine inbound rules has room for one, not for the two CIDRs a fix needs: they go on the group with room', () => {
    const world = baseWorld()
      .ingress('sg-db', ...SIXTY_RULES.slice(0, 59))
      .group('sg-db2', 'vpc-main', [tcp(22, '10.9.0.0/16')])
      .attach('eni-db1', ['sg-db', 'sg-db2']);
    const recs = ['198.51.100.23', '203.0.113.77'].flatMap((src) =>
      retries({ eni: 'eni-db1', dir: 'ingress', src, dst: DB1, sport: 45000, dport: 5432 }, 6),
    );
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, recs)));
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db2'], 'tcp', 5432), [
      '198.51.100.23/32',
      '203.0.113.77/32',
    ]);
    expect(riskKinds(fix)).not.toContain('rule-quota');
  });
});

describe('diagnose scenarios: security groups at the rule quota their account has', () => {
  /** Sixty inbound IPv4 rules: past EC2's default quota, well inside one raised to 200. */
  const SIXTY_RULES = Array.from({ length: 60 }, (_, i) => tcp(10000 + i, '10.9.0.0/16'));

  it('S130 the only group at sixty inbound rules in an account whose quota is 200: the rule goes on it, verified, no rule-quota risk', () => {
    const world = baseWorld()
      .ingress('sg-db', ...SIXTY_RULES)
      .serviceQuota(ruleQuotaOf(200));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    expect(riskKinds(fix)).not.toContain('rule-quota');
    expect(fix.verified).toBe(true);
  });

  it('S131 a group at sixty rules that already opens the port, beside one with room: at 60 the rule goes on the one with room, at the account’s 200 beside its sibling', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-db', ...SIXTY_RULES.slice(0, 59), tcp(5432, '10.0.5.0/24'))
        .group('sg-db2', 'vpc-main', [tcp(22, '10.9.0.0/16')])
        .attach('eni-db1', ['sg-db', 'sg-db2']);
    const placed = (w: ScenarioNetwork) => {
      const fix = fixOf(onlyRuleFinding(runDiagnose(w, WORKER_TO_DB)));
      expect(riskKinds(fix)).not.toContain('rule-quota');
      return onlyChange(fix, 'AuthorizeSecurityGroupIngress').params.GroupId;
    };
    expect(placed(world())).toBe('sg-db2');
    expect(placed(world().serviceQuota(ruleQuotaOf(200)))).toBe('sg-db');
  });

  it('S132 the quota raised in another account only: the group is held to EC2’s default, and the risk says so as before', () => {
    const world = baseWorld()
      .ingress('sg-db', ...SIXTY_RULES)
      .serviceQuota(ruleQuotaOf(200, { account: OTHER_ACCOUNT }));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    const quota = fix.risks.filter((r) => r.kind === 'rule-quota');
    expect(quota).toHaveLength(1);
    expect(quota[0].message).toContain("past EC2's default quota of 60 per group");
    expect(quota[0].message).toMatch(/unless the Region's quota was raised$/);
  });

  it('S133 a group at sixty-one rules in an account whose quota is 61: the risk names the account’s quota, not the default', () => {
    const world = baseWorld()
      .ingress('sg-db', ...SIXTY_RULES, tcp(9999, '10.9.0.0/16'))
      .serviceQuota(ruleQuotaOf(61));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world, WORKER_TO_DB)));
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432), ['sg-worker']);
    const quota = fix.risks.filter((r) => r.kind === 'rule-quota');
    expect(quota.map((r) => r.message)).toEqual([
      "sg-db would hold 62 inbound IPv4 rules: past the account's quota of 61 per group (Service Quotas L-0EA8095F), AuthorizeSecurityGroupIngress fails with RulesPerSecurityGroupLimitExceeded",
    ]);
    expect(quota[0].groupIds).toEqual(['sg-db']);
  });
});

describe('diagnose scenarios: the far end across a peering', () => {
  it('S108 a client in a peered VPC of the same Region refused by its own subnet’s outbound NACL, the app group admitting only its own VPC: its NACL both ways, and the app group referencing the client’s group', () => {
    const world = () =>
      baseWorld()
        .vpc('vpc-peer', '10.5.0.0/16')
        .subnet('subnet-peer', 'vpc-peer', '10.5.1.0/24')
        .group('sg-peer', 'vpc-peer')
        .eni({ id: 'eni-peer1', subnet: 'subnet-peer', ip: '10.5.1.10', groups: ['sg-peer'] })
        .peering('pcx-1', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-peer', cidr: '10.5.0.0/16' })
        .acl('acl-peer', [allow(100, '10.5.0.0/16')], [allow(100, '10.5.0.0/16')])
        .ingress('sg-app', tcp(8080, '10.0.0.0/16'));
    const f = onlyRuleFinding(
      runDiagnose(world(), retries({ eni: 'eni-peer1', dir: 'egress', src: '10.5.1.10', dst: APP1, sport: 41000, dport: 8080 })),
    );
    expectFinding(f, { classification: 'likely-misconfiguration', blockedBy: naclOut('acl-peer', 32767) });
    expect(f.alsoBlockedBy).toEqual([sgIn('sg-app')]);
    const fix = fixOf(f);
    const entry = (egress: boolean) => {
      const [change] = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === egress);
      const p = expectNaclAllow(change, {
        acl: 'acl-peer',
        egress,
        protocol: '6',
        taken: world().taken('acl-peer', egress),
        before: 32767,
      });
      expect(naclCidr(p)).toBe(`${APP1}/32`);
      return p;
    };
    expect(entry(true).PortRange).toEqual({ From: 8080, To: 8080 });
    expectEphemeralRange(entry(false), [41000, 41003]);
    const [rule] = changesOf(fix, 'AuthorizeSecurityGroupIngress');
    expectGroupPeer(sgPermission(rule, ['sg-app'], 'tcp', 8080), ['sg-peer']);
    expect(fix.changes).toHaveLength(3);
    expect(fix.verified).toBe(true);
  });
});

describe('diagnose scenarios: answers to privileged client ports', () => {
  it('S115 an NFS client mounting from privileged ports 800–804 through a NACL that passes UDP only: the answers’ entry names the ports seen, and its risk does not call them an ephemeral range', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-web', tcp(2049, '10.0.0.0/16'))
        .acl('acl-web', [allow(100, '10.0.0.0/16', '17')], [allow(100, '10.0.0.0/16', '17')]);
    const recs = Array.from({ length: 5 }, (_, i) => ({
      eni: 'eni-web1',
      dir: 'ingress' as const,
      src: W1,
      dst: WEB1,
      sport: 800 + i,
      dport: 2049,
      protocol: 6,
      packets: 2,
      at: T0 + i * 600,
    }));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world(), recs)));
    const [reply] = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === true);
    expect(reply.params.PortRange).toEqual({ From: 800, To: 804 });
    const [range] = fix.risks.filter((risk) => risk.kind === 'port-range');
    expect(range.message).toContain('800-804');
    expect(range.message).not.toMatch(/ephemeral/);
    expect(range.message).toMatch(/client ports seen in the flows/);
  });

  it('S116 one client mounting from privileged ports 800–804 and another from ephemeral port 40000: the answers’ entry spans both, and its risk does not call them all below 1024', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-web', tcp(2049, '10.0.0.0/16'))
        .acl('acl-web', [allow(100, '10.0.0.0/16', '17')], [allow(100, '10.0.0.0/16', '17')]);
    const recs = [800, 801, 802, 803, 804, 40000].map((sport, i) => ({
      eni: 'eni-web1',
      dir: 'ingress' as const,
      src: W1,
      dst: WEB1,
      sport,
      dport: 2049,
      protocol: 6,
      packets: 2,
      at: T0 + i * 600,
    }));
    const fix = fixOf(onlyRuleFinding(runDiagnose(world(), recs)));
    const [reply] = changesOf(fix, 'CreateNetworkAclEntry').filter((c) => c.params.Egress === true);
    expect(reply.params.PortRange).toEqual({ From: 800, To: 40000 });
    const [range] = fix.risks.filter((risk) => risk.kind === 'port-range');
    expect(range.message).toContain('800-40000');
    expect(range.message).not.toMatch(/all below 1024/);
    expect(range.message).not.toMatch(/ephemeral range/);
    expect(range.message).toMatch(/client ports seen in the flows/);
  });
});

/**
 * A load balancer forwarding to containers on dynamic host ports (ECS tasks in bridge mode with
 * host port 0: the agent takes each task's port from the instance's ephemeral range). A group that
 * admits none of them refuses the load balancer once per task port: each port stays a finding with
 * its one-port fix, and each of those findings names the set and one rule for the range that AWS's
 * ECS guidance has the instances' group admit from the load balancer's group.
 */
describe('diagnose scenarios: dynamic host ports behind a load balancer', () => {
  /** The ALB's two interfaces connecting to each port, on the app hosts in turn. */
  const albTo = (ports: number[], from = [ALB_A, ALB_B]) =>
    ports.flatMap((dport, i) =>
      from.flatMap((src) =>
        retries(
          { eni: i % 2 ? 'eni-app2' : 'eni-app1', dir: 'ingress', src, dst: i % 2 ? APP2 : APP1, sport: 20000 + i * 10, dport },
          6,
          30,
        ),
      ),
    );
  /** The range rule of a set: one ingress permission on sg-app for the range, from sg-alb. */
  function expectRangeRule(f: Finding, from: number, to: number): void {
    const set = f.dynamicHostPorts!;
    expect(set.range).toEqual({ from, to });
    const permission = sgPermission(onlyChange(set.fix!, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', from, to);
    expectGroupPeer(permission, ['sg-alb']);
    expect(set.fix!.verified).toBe(true);
    expect(set.fix!.awsCli).toContain(`FromPort=${from},ToPort=${to}`);
  }

  it('S122 the ALB refused by sg-app on four task ports of Linux’s range: four findings, each with its one-port fix and the set’s one rule for 32768–60999', () => {
    const ports = [32771, 32790, 32805, 49160];
    const result = runDiagnose(withAlb(baseWorld()), albTo(ports));
    const findings = ruleFindings(result);
    expect(findings.map((f) => f.traffic.port).sort()).toEqual(ports);
    for (const f of findings) {
      expect(f.blockedBy).toEqual(sgIn('sg-app'));
      const own = sgPermission(onlyChange(fixOf(f), 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'tcp', f.traffic.port!, f.traffic.port!);
      expectGroupPeer(own, ['sg-alb']);
      expect(f.dynamicHostPorts).toMatchObject({ loadBalancer: 'elb:app/shop-alb', ports });
      expect(f.dynamicHostPorts!.message).toContain('shop-alb');
      expect(f.dynamicHostPorts!.message).toContain('32771, 32790, 32805, 49160');
      expectRangeRule(f, 32768, 60999);
    }
  });

  it('S123 task ports from the agent’s fallback range above 60999: the rule opens Windows’ and the fallback’s 49152–65535', () => {
    const result = runDiagnose(withAlb(baseWorld()), albTo([49160, 62011]));
    const findings = ruleFindings(result);
    expect(findings).toHaveLength(2);
    for (const f of findings) expectRangeRule(f, 49152, 65535);
  });

  it('S128 the ALB’s own group letting it out to 8080 only: its outbound findings form the set, one egress rule for the range to sg-app', () => {
    const world = withAlb(baseWorld())
      .egress('sg-alb', tcp(8080, 'sg-app'))
      .ingress('sg-app', tcp([32768, 60999], 'sg-alb'));
    const recs = [32771, 32790].flatMap((dport, i) =>
      retries({ eni: 'eni-alb-a', dir: 'egress', src: ALB_A, dst: i ? APP2 : APP1, sport: 20000 + i * 10, dport }, 6, 30),
    );
    const findings = ruleFindings(runDiagnose(world, recs));
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.blockedBy).toEqual(sgOut('sg-alb'));
      const set = f.dynamicHostPorts!;
      expect(set).toMatchObject({ loadBalancer: 'elb:app/shop-alb', ports: [32771, 32790], range: { from: 32768, to: 60999 } });
      const permission = sgPermission(onlyChange(set.fix!, 'AuthorizeSecurityGroupEgress'), ['sg-alb'], 'tcp', 32768, 60999);
      expectGroupPeer(permission, ['sg-app']);
      expect(set.fix!.verified).toBe(true);
    }
  });

  it('S124 one task port only: an ordinary finding, no set', () => {
    const f = onlyRuleFinding(runDiagnose(withAlb(baseWorld()), albTo([32771])));
    expect(f.dynamicHostPorts).toBeUndefined();
  });

  it('S125 the listener’s port 8080 and one task port: 8080 is no dynamic port, so no set', () => {
    const result = runDiagnose(withAlb(baseWorld()), albTo([8080, 32771]));
    expect(ruleFindings(result)).toHaveLength(2);
    for (const f of ruleFindings(result)) expect(f.dynamicHostPorts).toBeUndefined();
  });

  it('S126 the same high ports from an instance, not a load balancer: no set (say passive FTP data ports), each its own fix', () => {
    const result = runDiagnose(baseWorld(), albTo([32771, 32790], [W1]));
    expect(ruleFindings(result)).toHaveLength(2);
    for (const f of ruleFindings(result)) {
      expect(f.dynamicHostPorts).toBeUndefined();
      expect(fixOf(f).verified).toBe(true);
    }
  });

  it('S127 the set in the CLI’s text and markdown: the message and the one rule’s command under each finding', () => {
    const result = runDiagnose(withAlb(baseWorld()), albTo([32771, 32790]));
    const text = renderText(result, { width: 200 });
    const markdown = renderMarkdown(result);
    for (const out of [text, markdown]) {
      expect(out).toContain('dynamic host ports');
      expect(out).toContain('FromPort=32768,ToPort=60999');
    }
  });

  it('S134 the load balancer and its targets in one group, refusing it inbound on two task ports and outbound on two others: two sets, one per direction, each rule verified', () => {
    const world = withAlb(baseWorld())
      .attach('eni-alb-a', ['sg-app'])
      .attach('eni-alb-b', ['sg-app'])
      .egress('sg-app', tcp([32768, 32780], '10.0.1.0/24'));
    const inbound = albTo([32771, 32775]);
    const outbound = [32790, 32800].flatMap((dport, i) =>
      retries({ eni: 'eni-alb-a', dir: 'egress', src: ALB_A, dst: i ? APP2 : APP1, sport: 21000 + i * 10, dport }, 6, 30),
    );
    const findings = ruleFindings(runDiagnose(world, [...inbound, ...outbound]));
    expect(findings).toHaveLength(4);
    for (const f of findings) {
      const set = f.dynamicHostPorts!;
      expect(set.ports).toEqual(f.blockedBy.direction === 'ingress' ? [32771, 32775] : [32790, 32800]);
      expect(set.fix!.verified).toBe(true);
    }
  });

  /** The ALB let out to 8080 only, sg-app admitting the range from it, and acl-web denying 32771 outbound at rule 1. */
  const denyAtRuleOne = () =>
    withAlb(baseWorld())
      .egress('sg-alb', tcp(8080, 'sg-app'))
      .ingress('sg-app', tcp([32768, 60999], 'sg-alb'))
      .acl('acl-web', [allow(100, '0.0.0.0/0')], [deny(1, '10.0.1.0/24', '6', [32771, 32771]), allow(100, '0.0.0.0/0')]);
  /** The ALB's connections to 32771 on APP1 and 32790 on APP2, `busier` retried ten times, the other four: its finding comes first. */
  const albOutTo = (busier: 32771 | 32790) =>
    [32771, 32790].flatMap((dport, i) =>
      retries(
        { eni: 'eni-alb-a', dir: 'egress', src: ALB_A, dst: i ? APP2 : APP1, sport: 21000 + i * 10, dport },
        dport === busier ? 10 : 4,
        30,
      ),
    );

  it('S135 a deny at rule 1 of the load balancer’s subnet NACL for one task port: the set’s rule moves it as it is, only the allow takes the range', () => {
    // The set's rule is made from the fix of 32771's finding, which comes first.
    const findings = ruleFindings(runDiagnose(denyAtRuleOne(), albOutTo(32771)));
    expect(findings.map((f) => f.traffic.port)).toEqual([32771, 32790]);
    const set = findings[0].dynamicHostPorts!;
    const entries = set.fix!.changes.filter((c) => c.action !== 'AuthorizeSecurityGroupEgress');
    expect(entries.map((c) => c.action).sort()).toEqual(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry']);
    for (const { params } of entries) {
      const range = params.RuleAction === 'deny' ? { From: 32771, To: 32771 } : { From: 32768, To: 60999 };
      expect(params.PortRange).toEqual(range);
    }
    expect(set.fix!.verified).toBe(true);
  });

  it('S136 the set’s rule on a group both task hosts carry: its risks take both hosts as the set’s own, not as other interfaces it opens', () => {
    const result = runDiagnose(withAlb(baseWorld()), albTo([32771, 32790]));
    for (const f of ruleFindings(result)) {
      const risks = f.dynamicHostPorts!.fix!.risks;
      expect(risks.filter((r) => r.kind === 'other-interfaces')).toEqual([]);
      expect(risks.map((r) => r.kind)).toContain('port-range');
    }
  });

  it('S137 the set’s rule has risks of its own, told as its: the range is the tasks’ host ports, and text and markdown list them under it', () => {
    const result = runDiagnose(withAlb(baseWorld()), albTo([32771, 32790]));
    const f = ruleFindings(result)[0];
    const range = f.dynamicHostPorts!.fix!.risks.filter((r) => r.kind === 'port-range');
    expect(range.map((r) => r.message)).toEqual(["sg-app admits ports 32768-60999 (the range the containers' host ports are taken from)"]);
    const text = renderText(result, { width: 200 });
    const markdown = renderMarkdown(result);
    for (const out of [text, markdown])
      expect(out).toContain("sg-app admits ports 32768-60999 (the range the containers' host ports are taken from)");
  });

  it('S138 the set’s rule made from a finding whose fix leaves another’s NACL deny in place: not verified, and the message does not say it lets them through', () => {
    // 32790's finding comes first, and its fix opens no NACL.
    const findings = ruleFindings(runDiagnose(denyAtRuleOne(), albOutTo(32790)));
    expect(findings.map((f) => f.traffic.port)).toEqual([32790, 32771]);
    const set = findings[0].dynamicHostPorts!;
    expect(set.fix!.verified).toBe(false);
    expect(set.message).not.toContain('lets them all through');
    expect(set.message).toMatch(/not verified: simulated, it leaves the connections to 32771 refused\.$/);
  });
});

describe('diagnose scenarios: network ACLs at their rule quota', () => {
  /**
   * Nineteen numbered inbound IPv4 entries, SSH from networks of elsewhere: with the catch-all deny
   * (32767), the twenty rules EC2's default quota allows a NACL per direction and address family.
   */
  const NINETEEN_ENTRIES = Array.from({ length: 19 }, (_, i) => allow(10 * (i + 1), `10.9.${i}.0/24`, '6', [22, 22]));
  /** acl-app with `inbound` (and the catch-alls) in, everything out: the API's answers are refused in by the catch-all. */
  const appAclWith = (inbound: ReturnType<typeof allow>[]) => baseWorld().acl('acl-app', inbound, OPEN);
  const quotaRisks = (fix: SuggestedFix) => fix.risks.filter((r) => r.kind === 'rule-quota');

  it('S140 the app subnet’s NACL at twenty inbound IPv4 rules, the catch-all counted: the fix is still the entry it needs, and a rule-quota risk says EC2 refuses it unless the quota was raised', () => {
    const w = appAclWith(NINETEEN_ENTRIES);
    const f = onlyRuleFinding(runDiagnose(w, API_CONVERSATION));
    expect(f.blockedBy).toEqual(naclIn('acl-app', 32767));
    const fix = fixOf(f);
    const entry = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: w.taken('acl-app', false),
      before: 32767,
    });
    expectEphemeralRange(entry, API_CLIENT_PORTS);
    const quota = quotaRisks(fix);
    expect(quota.map((r) => r.message)).toEqual([
      "acl-app would hold 21 inbound IPv4 rules: past EC2's default quota of 20 per network ACL, CreateNetworkAclEntry fails with NetworkAclEntryLimitExceeded unless the Region's quota was raised",
    ]);
    expect(quota[0].networkAclIds).toEqual(['acl-app']);
  });

  it('S141 the same NACL full for IPv4 takes an IPv6 entry: the quota counts each address family apart, no rule-quota risk', () => {
    const server6 = '2001:db8:50::50';
    const records = conversation({
      client: APP1_6,
      server: server6,
      port: 443,
      clientPorts: API_CLIENT_PORTS,
      acceptedAt: { eni: 'eni-app1', dir: 'egress' },
      rejectedAt: { eni: 'eni-app1', dir: 'ingress' },
    });
    const f = onlyRuleFinding(runDiagnose(appAclWith(NINETEEN_ENTRIES), records));
    expect(f.blockedBy).toEqual(naclIn('acl-app', 32768));
    const fix = fixOf(f);
    expect(onlyChange(fix, 'CreateNetworkAclEntry').params.Ipv6CidrBlock).toBe(`${server6}/128`);
    expect(quotaRisks(fix)).toEqual([]);
    expect(fix.verified).toBe(true);
  });

  it('S142 nineteen inbound IPv4 rules, the catch-all counted, leave room for one: no rule-quota risk', () => {
    const fix = fixOf(onlyRuleFinding(runDiagnose(appAclWith(NINETEEN_ENTRIES.slice(0, 18)), API_CONVERSATION)));
    expect(quotaRisks(fix)).toEqual([]);
    expect(fix.verified).toBe(true);
  });

  it('S143 the full NACL in an account whose quota is 40: no rule-quota risk; raised in another account only, the risk as before', () => {
    const raised = appAclWith(NINETEEN_ENTRIES).serviceQuota(networkAclRuleQuotaOf(40));
    const fix = fixOf(onlyRuleFinding(runDiagnose(raised, API_CONVERSATION)));
    expect(quotaRisks(fix)).toEqual([]);
    expect(fix.verified).toBe(true);
    const elsewhere = appAclWith(NINETEEN_ENTRIES).serviceQuota(networkAclRuleQuotaOf(40, { account: OTHER_ACCOUNT }));
    const quota = quotaRisks(fixOf(onlyRuleFinding(runDiagnose(elsewhere, API_CONVERSATION))));
    expect(quota).toHaveLength(1);
    expect(quota[0].message).toMatch(/past EC2's default quota of 20 per network ACL, .*unless the Region's quota was raised$/);
  });

  it('S144 the account’s own quota of 20 is named as the account’s, not the default', () => {
    const fix = fixOf(onlyRuleFinding(runDiagnose(appAclWith(NINETEEN_ENTRIES).serviceQuota(networkAclRuleQuotaOf(20)), API_CONVERSATION)));
    expect(quotaRisks(fix).map((r) => r.message)).toEqual([
      "acl-app would hold 21 inbound IPv4 rules: past the account's quota of 20 per network ACL (Service Quotas L-2AEEBF1A), CreateNetworkAclEntry fails with NetworkAclEntryLimitExceeded",
    ]);
  });
});

describe('diagnose scenarios: replies whose request a group admits by a rule flow logs cannot decide', () => {
  const HOME = '203.0.113.12';
  /** The app subnet's NACL lets ICMP in and only TCP out (the VPC User Guide's ping example). */
  const pingWorld = (...inbound: IpPermission[]) =>
    baseWorld()
      .ingress('sg-app', ...inbound)
      .acl('acl-app', [allow(100, '0.0.0.0/0', '1')], [allow(100, '0.0.0.0/0', '6', [0, 65535])]);
  /** Pings from home accepted in, their answers rejected out, minutes apart, in the default format. */
  const PINGS: FlowRec[] = [0, 1, 2].flatMap((i) => [
    { eni: 'eni-app1', src: HOME, dst: APP1, protocol: 1, packets: 4, at: T0 + i * 600, action: 'ACCEPT' as const },
    { eni: 'eni-app1', src: APP1, dst: HOME, protocol: 1, packets: 4, at: T0 + i * 600 },
  ]);

  it('S145 a ping admitted by an echo-request-only rule, its answers dropped by the outbound NACL: return traffic, as with an all-ICMP rule', () => {
    for (const rule of [perm('icmp', [-1, -1], '0.0.0.0/0'), perm('icmp', [8, -1], '0.0.0.0/0')]) {
      const f = onlyRuleFinding(runDiagnose(pingWorld(rule), PINGS, 'v2'));
      expect(f.blockedBy).toEqual(naclOut('acl-app', 32767));
      expect(f.traffic.returnTraffic, JSON.stringify(rule)).toBe(true);
      expect(f.signals).toContain('return-traffic');
      expect(f.signals).not.toContain('initiated-inside');
    }
  });

  it('S146 a database’s answers from 5432, their requests admitted through a prefix list the snapshot has no entries for: return traffic on the client’s ephemeral range, not a request to port 40000', () => {
    const world = baseWorld()
      .prefixList('pl-0a1b2c3d4e5f60718', null)
      .ingress('sg-db', tcp(5432, 'pl-0a1b2c3d4e5f60718'))
      .acl('acl-data', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443])]);
    const records = conversation({
      client: W1,
      server: DB1,
      port: 5432,
      clientPorts: [40000, 40001, 40002, 40003],
      acceptedAt: { eni: 'eni-db1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-db1', dir: 'egress' },
    });
    const f = onlyRuleFinding(runDiagnose(world, records, 'v2'));
    expect(f.blockedBy).toEqual(naclOut('acl-data', 32767));
    expect(f.traffic.returnTraffic).toBe(true);
    const entry = expectNaclAllow(onlyChange(fixOf(f), 'CreateNetworkAclEntry'), {
      acl: 'acl-data',
      egress: true,
      protocol: '6',
      taken: world.taken('acl-data', true),
      before: 32767,
    });
    expectEphemeralRange(entry, [40000, 40001, 40002, 40003]);
  });
});

describe('diagnose scenarios: stale group references', () => {
  // The database group once admitted a client VPC's group across a peering connection. A rule whose
  // reference is stale — its group deleted, or the peering connection to its VPC deleted — stays in
  // the group and allows nothing (DescribeStaleSecurityGroups lists it): the client's connections,
  // now reaching the database some other way, are refused by the database group.
  const CLIENT = '10.5.1.10';
  const FROM_CLIENT = retries({ eni: 'eni-db1', dir: 'ingress', src: CLIENT, dst: DB1, sport: 45000, dport: 5432 });
  const clientPair = (extra: Partial<UserIdGroupPair> = {}): UserIdGroupPair => ({
    GroupId: 'sg-client',
    UserId: OTHER_ACCOUNT,
    VpcId: 'vpc-client',
    VpcPeeringConnectionId: 'pcx-client',
    ...extra,
  });
  /** The client VPC is another account's: the snapshot describes neither it nor its groups, only the peering. */
  const acrossPeering =
    (status: string | null, pair: Partial<UserIdGroupPair> = {}) =>
    () => {
      const w = baseWorld().ingress('sg-db', tcp(5432, clientPair(pair)));
      if (status !== null)
        w.peering(
          'pcx-client',
          { vpc: 'vpc-main', cidr: '10.0.0.0/16' },
          { vpc: 'vpc-client', cidr: '10.5.0.0/16', owner: OTHER_ACCOUNT },
          status,
        );
      return w;
    };

  /** Blocked by the database group, the stale rule named, a CIDR rule for the client that does not rely on it. */
  function expectStaleBlock(world: () => ScenarioNetwork, named: string[]): Finding {
    const f = onlyRuleFinding(runDiagnose(world(), FROM_CLIENT));
    expectFinding(f, { classification: 'likely-misconfiguration', blockedBy: sgIn('sg-db') });
    expect(f.staleRules).toHaveLength(1);
    const [stale] = f.staleRules!;
    expect(stale).toMatchObject({ groupId: 'sg-db', direction: 'ingress' });
    expect(stale.permission.UserIdGroupPairs?.[0]?.GroupId).toBe('sg-client');
    for (const text of named) expect(stale.reason).toContain(text);
    const permission = sgPermission(onlyChange(fixOf(f), 'AuthorizeSecurityGroupIngress'), ['sg-db'], 'tcp', 5432);
    expectCidrPeers(permission, [`${CLIENT}/32`]);
    expect(fixOf(f).verified).toBe(true);
    return f;
  }

  it('S160 the peering connection deleted, by its state and by the rule’s pair: blocked by the database group, the stale rule named, a CIDR rule for the client', () => {
    const world = acrossPeering('deleted', { PeeringStatus: 'deleted' });
    expectStaleBlock(world, ['sg-client', 'pcx-client', 'deleted']);
    const result = runDiagnose(world(), FROM_CLIENT);
    const text = renderText(result);
    expect(text).toContain('stale rule');
    expect(text).toContain('pcx-client, which is deleted: a stale rule allows nothing');
    expect(renderMarkdown(result)).toContain('**Stale rule:**');
  });

  it('S161 the peering connection gone from DescribeVpcPeeringConnections, the rule’s pair saying deleted: the pair decides', () => {
    expectStaleBlock(acrossPeering(null, { PeeringStatus: 'deleted' }), ['pcx-client', 'deleted']);
  });

  it.each(['rejected', 'failed', 'expired'])(
    'S162 the peering connection %s (a state it never leaves), the pair naming no status: stale, blocked',
    (status) => {
      expectStaleBlock(acrossPeering(status), ['pcx-client', status]);
    },
  );

  scenarioTests<NoFixScenario>(
    [
      {
        id: 'S163',
        title: 'the pair says deleted but the snapshot lists the connection active: not known to be stale, undecided as before',
        world: acrossPeering('active', { PeeringStatus: 'deleted' }),
        records: FROM_CLIENT,
        findings: 'no rule finding',
        rejected: { unknown: FROM_CLIENT.length },
      },
      {
        id: 'S164',
        title: 'the peering connection only deleting (not yet deleted): not known to be stale, undecided as before',
        world: acrossPeering('deleting', { PeeringStatus: 'deleting' }),
        records: FROM_CLIENT,
        findings: 'no rule finding',
        rejected: { unknown: FROM_CLIENT.length },
      },
      {
        id: 'S167',
        title:
          'a reference to a group of the same VPC the snapshot lacks, from an address no interface holds: undecided, never taken for deleted (EC2 refuses to delete a group its VPC references)',
        world: () => baseWorld().ingress('sg-db', tcp(5432, 'sg-gone')),
        records: retries({ eni: 'eni-db1', dir: 'ingress', src: '10.0.4.99', dst: DB1, sport: 45000, dport: 5432 }),
        findings: 'no rule finding',
        rejected: { unknown: 4 },
      },
    ],
    expectNoFix,
  );

  it('S165 EC2 reports the rule stale (its group deleted in the peer VPC, the peering still active): blocked, the report named', () => {
    const world = () =>
      acrossPeering('active', { PeeringStatus: 'active' })().staleGroup('sg-db', 'vpc-main', [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [clientPair({ PeeringStatus: 'active' })] },
      ]);
    expectStaleBlock(world, ['sg-client', 'DescribeStaleSecurityGroups']);
  });

  it('S166 EC2 reports the rule stale while the snapshot still shows the client carrying the group: blocked, and the fix references no group EC2 calls stale', () => {
    const world = () =>
      baseWorld()
        .vpc('vpc-client', '10.5.0.0/16')
        .subnet('subnet-client', 'vpc-client', '10.5.1.0/24')
        .group('sg-client', 'vpc-client')
        .eni({ id: 'eni-client1', subnet: 'subnet-client', ip: CLIENT, groups: ['sg-client'] })
        .peering('pcx-client', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' })
        .ingress('sg-db', tcp(5432, { GroupId: 'sg-client', UserId: ACCOUNT, VpcId: 'vpc-client', VpcPeeringConnectionId: 'pcx-client' }))
        .staleGroup('sg-db', 'vpc-main', [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-client' }] },
        ]);
    expectStaleBlock(world, ['DescribeStaleSecurityGroups']);
  });

  /** The client VPC described, eni-client1 carrying sg-client, the database group referencing it by `pair` (S166, S169, S170, S171). */
  const describedClient = (pair: Partial<UserIdGroupPair>) =>
    baseWorld()
      .vpc('vpc-client', '10.5.0.0/16')
      .subnet('subnet-client', 'vpc-client', '10.5.1.0/24')
      .group('sg-client', 'vpc-client')
      .eni({ id: 'eni-client1', subnet: 'subnet-client', ip: CLIENT, groups: ['sg-client'] })
      .ingress('sg-db', tcp(5432, { GroupId: 'sg-client', VpcId: 'vpc-client', VpcPeeringConnectionId: 'pcx-client', ...pair }));

  it('S170 EC2 reports the rule stale, the client carrying the group: the finding’s path question is blocked by the database group and who-can-reach lists no client, both naming the stale rule', () => {
    const world = () =>
      describedClient({ UserId: ACCOUNT })
        .peering('pcx-client', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' })
        .staleGroup('sg-db', 'vpc-main', [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-client' }] },
        ]);
    const f = expectStaleBlock(world, ['DescribeStaleSecurityGroups']);
    const model = NetworkModel.fromSnapshot(validateSnapshot(world().snapshot()));
    const path = analyzePath(model, parsePathQuery(pathQueryOfFinding(f)!));
    expect(path.verdict).toBe('blocked');
    expect(path.blockedBy).toEqual([sgIn('sg-db')]);
    expect(path.reason).toContain('a stale rule allows nothing');
    const sources = whoCanReach(model, { to: 'eni-db1', protocol: 6, port: 5432 }).sources.filter((s) => s.peer === 'sg-client');
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ verdict: 'refused', blocks: [] });
    expect(sources[0].reason).toContain('DescribeStaleSecurityGroups');
  });

  it('S171 the rule’s peering deleted, a new active peering joining the VPCs: the path question and who-can-reach are undecided for the client, as its flows are', () => {
    const world = () =>
      describedClient({ PeeringStatus: 'deleted' })
        .peering('pcx-client', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' }, 'deleted')
        .peering('pcx-client2', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' });
    const model = NetworkModel.fromSnapshot(validateSnapshot(world().snapshot()));
    const path = analyzePath(model, parsePathQuery({ from: 'eni-client1', to: 'eni-db1', protocol: 'tcp', port: 5432 }));
    expect(path.verdict).toBe('unknown');
    expect(path.reason).toContain('whether EC2 resolves the stale rule');
    const [source] = whoCanReach(model, { to: 'eni-db1', protocol: 6, port: 5432 }).sources.filter((s) => s.peer === 'sg-client');
    expect(source.verdict).toBe('unknown');
    expect(source.blocks.map((b) => [b.cidr, b.interfaceId])).toEqual([[`${CLIENT}/32`, 'eni-client1']]);
    expect(source.reason).toContain('pcx-client, which is deleted');
  });

  it('S168 an outbound rule referencing a group across a deleted peering: blocked by the app group outbound, an egress CIDR rule', () => {
    const world = () =>
      baseWorld()
        .egress('sg-app', tcp(5432, clientPair({ PeeringStatus: 'deleted' })))
        .peering(
          'pcx-client',
          { vpc: 'vpc-main', cidr: '10.0.0.0/16' },
          { vpc: 'vpc-client', cidr: '10.5.0.0/16', owner: OTHER_ACCOUNT },
          'deleted',
        );
    const f = onlyRuleFinding(
      runDiagnose(world(), retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: CLIENT, sport: 41000, dport: 5432 })),
    );
    expectFinding(f, { blockedBy: sgOut('sg-app') });
    expect(f.staleRules?.map((r) => [r.groupId, r.direction])).toEqual([['sg-app', 'egress']]);
    const permission = sgPermission(onlyChange(fixOf(f), 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'tcp', 5432);
    expectCidrPeers(permission, [`${CLIENT}/32`]);
    expect(fixOf(f).verified).toBe(true);
  });

  scenarioTests<NoFixScenario>(
    [
      {
        id: 'S169',
        title:
          'the rule’s peering deleted, but a new active peering now joins the VPCs and the client carries the group: whether EC2 resolves the stale rule there is unknown, so undecided',
        world: () =>
          baseWorld()
            .vpc('vpc-client', '10.5.0.0/16')
            .subnet('subnet-client', 'vpc-client', '10.5.1.0/24')
            .group('sg-client', 'vpc-client')
            .eni({ id: 'eni-client1', subnet: 'subnet-client', ip: CLIENT, groups: ['sg-client'] })
            .peering('pcx-client', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' }, 'deleted')
            .peering('pcx-client2', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-client', cidr: '10.5.0.0/16' })
            .ingress(
              'sg-db',
              tcp(5432, { GroupId: 'sg-client', VpcId: 'vpc-client', VpcPeeringConnectionId: 'pcx-client', PeeringStatus: 'deleted' }),
            ),
        records: FROM_CLIENT,
        findings: 'no rule finding',
        rejected: { unknown: FROM_CLIENT.length },
      },
    ],
    expectNoFix,
  );
});

describe('diagnose scenarios: ICMP exchanged both ways between two hosts', () => {
  /** The app host pinging the monitoring host, its echo requests accepted on the way out. */
  const APP_PINGS_OUT = retries(
    { eni: 'eni-app1', dir: 'egress', src: APP1, dst: MON, sport: 0, dport: 0, protocol: 1, packets: 4, action: 'ACCEPT' },
    6,
  );

  it('S172 the monitoring host’s pings refused by the app group while the app host pings it: the accepted ICMP out does not make them replies, the group is named and opened', () => {
    const f = onlyRuleFinding(runDiagnose(baseWorld(), [...MON_PINGS, ...APP_PINGS_OUT]));
    expectFinding(f, { blockedBy: sgIn('sg-app'), traffic: { direction: 'ingress', protocol: 1, port: null } });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], 'icmp', -1, -1), ['sg-mon']);
    expect(fix.verified).toBe(true);
  });

  it('S173 the app host’s pings refused by its egress group while the monitoring host pings it: blocked by the app group outbound, not passed as replies', () => {
    const world = () =>
      baseWorld()
        .ingress('sg-app', perm('icmp', [-1, -1], 'sg-mon'))
        .egress('sg-app', tcp(443, '0.0.0.0/0'))
        .ingress('sg-mon', perm('icmp', [-1, -1], 'sg-app'));
    const monPingsAccepted = MON_PINGS.map((r) => ({ ...r, action: 'ACCEPT' as const }));
    const appPingsRefused = APP_PINGS_OUT.map((r) => ({ ...r, action: 'REJECT' as const }));
    const f = onlyRuleFinding(runDiagnose(world(), [...monPingsAccepted, ...appPingsRefused]));
    expectFinding(f, { blockedBy: sgOut('sg-app'), traffic: { direction: 'egress', protocol: 1, port: null } });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupEgress'), ['sg-app'], 'icmp', -1, -1), ['sg-mon']);
    expect(fix.verified).toBe(true);
  });

  it('S174 the monitoring host’s ICMP refused by an app NACL that passes TCP only, while the app host pings it: the NACL alone, as for replies', () => {
    const world = () => baseWorld().acl('acl-app', [allow(100, '10.0.0.0/16', '6')], [allow(100, '10.0.0.0/16')]);
    const f = onlyRuleFinding(runDiagnose(world(), [...MON_PINGS, ...APP_PINGS_OUT]));
    expectFinding(f, { blockedBy: naclIn('acl-app', 32767), traffic: { direction: 'ingress', protocol: 1, port: null } });
    const p = expectNaclAllow(onlyChange(fixOf(f), 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '1',
      taken: world().taken('acl-app', false),
      before: 32767,
    });
    expect(naclCidr(p)).toBe(`${MON}/32`);
  });
});

describe('diagnose scenarios: tunnels whose two ends both send (protocols tracked by address only)', () => {
  const VPN_PEER = '198.51.100.7';

  it('S175 a VPN peer’s ESP refused by the app group while the app host’s ESP to it goes out: blocked by the app group, protocol 50 opened to the peer alone', () => {
    const out = retries(
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: VPN_PEER, sport: 0, dport: 0, protocol: 50, packets: 20, action: 'ACCEPT' },
      6,
    );
    const refused = retries(
      { eni: 'eni-app1', dir: 'ingress', src: VPN_PEER, dst: APP1, sport: 0, dport: 0, protocol: 50, packets: 20 },
      6,
    );
    const f = onlyRuleFinding(runDiagnose(baseWorld(), [...out, ...refused]));
    expectFinding(f, { blockedBy: sgIn('sg-app'), traffic: { direction: 'ingress', protocol: 50, port: null, returnTraffic: false } });
    const fix = fixOf(f);
    expectCidrPeers(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-app'], '50'), [`${VPN_PEER}/32`]);
    expect(fix.verified).toBe(true);
  });

  it('S176 GRE from an app host refused by the web group while the web host’s GRE to it goes out: blocked by the web group, protocol 47 for the app group', () => {
    const world = () => baseWorld().ingress('sg-app', perm('47', undefined, 'sg-web'));
    const out = retries({ eni: 'eni-web1', dir: 'egress', src: WEB1, dst: APP1, sport: 0, dport: 0, protocol: 47, action: 'ACCEPT' });
    const refused = retries({ eni: 'eni-web1', dir: 'ingress', src: APP1, dst: WEB1, sport: 0, dport: 0, protocol: 47 });
    const f = onlyRuleFinding(runDiagnose(world(), [...out, ...refused]));
    expectFinding(f, { blockedBy: sgIn('sg-web'), traffic: { direction: 'ingress', protocol: 47, port: null } });
    const fix = fixOf(f);
    expectGroupPeer(sgPermission(onlyChange(fix, 'AuthorizeSecurityGroupIngress'), ['sg-web'], '47'), ['sg-app']);
    expect(fix.verified).toBe(true);
  });

  it('S177 the same ESP refused by an app NACL that passes TCP only: the NACL alone, as for the answers of the app host’s own tunnel', () => {
    const world = () => baseWorld().acl('acl-app', [allow(100, '0.0.0.0/0', '6')], [allow(100, '0.0.0.0/0')]);
    const out = retries(
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: VPN_PEER, sport: 0, dport: 0, protocol: 50, packets: 20, action: 'ACCEPT' },
      6,
    );
    const refused = retries(
      { eni: 'eni-app1', dir: 'ingress', src: VPN_PEER, dst: APP1, sport: 0, dport: 0, protocol: 50, packets: 20 },
      6,
    );
    const f = onlyRuleFinding(runDiagnose(world(), [...out, ...refused]));
    expectFinding(f, { blockedBy: naclIn('acl-app', 32767), traffic: { direction: 'ingress', protocol: 50, returnTraffic: true } });
    const p = expectNaclAllow(onlyChange(fixOf(f), 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '50',
      taken: world().taken('acl-app', false),
      before: 32767,
    });
    expect(naclCidr(p)).toBe(`${VPN_PEER}/32`);
    expect(fixOf(f).verified).toBe(true);
  });
});

describe('diagnose scenarios: a target admitting a Network Load Balancer’s group, the client’s address preserved', () => {
  const NLB_A = '10.0.2.60';
  const CLIENT = '198.51.100.20';
  /**
   * Network Load Balancer `api-nlb` in the web subnet carrying sg-nlb (open on 8080), and the app
   * group admitting 8080 only from sg-nlb: its targets accept what the load balancer forwards,
   * which keeps the client's address when client IP preservation is on (ELB User Guide for Network
   * Load Balancers, "Security groups" and "Client IP preservation").
   */
  const nlbWorld = () =>
    baseWorld()
      .group('sg-nlb', 'vpc-main', [tcp(8080, '0.0.0.0/0')])
      .eni({
        id: 'eni-nlb-a',
        subnet: 'subnet-web',
        ip: NLB_A,
        groups: ['sg-nlb'],
        description: 'ELB net/api-nlb/50dc6c495c0c9188',
        requesterId: 'amazon-elb',
        interfaceType: 'network_load_balancer',
      })
      .ingress('sg-app', tcp(8080, 'sg-nlb'));
  /** The app subnet's NACL admitting the VPC only: the client's preserved address is refused there. */
  const vpcOnlyNacl = () => nlbWorld().acl('acl-app', [allow(100, '10.0.0.0/16')], [allow(100, '0.0.0.0/0')]);
  const fromClient = (action: 'ACCEPT' | 'REJECT', n = 5) =>
    retries({ eni: 'eni-app1', dir: 'ingress', src: CLIENT, dst: APP1, sport: 51000, dport: 8080, action }, n);

  /** explainFlow over the records as `sgdoctor explain` reads them (the V8_SHORT_FIELDS format, a SYN unless told). */
  function explainRecords(world: ScenarioNetwork, records: FlowRec[]): FlowVerdict[] {
    const parse = createLineParser(parseLogFormat(V8_SHORT_FIELDS.join(' ')));
    const flows = records.map((record) => {
      const parsed = parse(flowLine(V8_SHORT_FIELDS, { ...record, flags: record.flags ?? 2 }, 8));
      if (!parsed.ok) throw new Error(parsed.error);
      return recordToFlow(parsed.record)!;
    });
    const model = NetworkModel.fromSnapshot(validateSnapshot(world.snapshot()));
    const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(flows) };
    return flows.map((flow) => explainFlow(model, flow, ctx));
  }

  it('S178 an ACCEPT from a client to the target port: not blocked by the app group, which may have admitted it through the load balancer; the path question agrees', () => {
    const [verdict] = explainRecords(nlbWorld(), fromClient('ACCEPT', 1));
    expect(verdict.verdict).toBe('unknown');
    expect(verdict.blockedBy).toEqual([]);
    expect(verdict.reason).toContain('api-nlb');
    const model = NetworkModel.fromSnapshot(validateSnapshot(nlbWorld().snapshot()));
    const path = analyzePath(model, parsePathQuery({ from: CLIENT, to: 'eni-app1', protocol: 'tcp', port: 8080 }));
    expect(path.verdict).toBe('unknown');
    expect(path.reason).toContain('api-nlb');
    // The load balancer forwards TCP and UDP only: a ping from the client is the app group's to refuse.
    const ping = explainRecords(nlbWorld().ingress('sg-app', tcp(8080, 'sg-nlb'), perm('icmp', [-1, -1], 'sg-nlb')), [
      { eni: 'eni-app1', dir: 'ingress', src: CLIENT, dst: APP1, protocol: 1 },
    ]);
    expect(ping[0]).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });

  it('S179 the client’s connections refused by a NACL that admits the VPC only: the NACL alone, its entry the whole fix, no rule opening the target to the client directly', () => {
    const result = runDiagnose(vpcOnlyNacl(), fromClient('REJECT'));
    const f = onlyRuleFinding(result);
    expectFinding(f, { blockedBy: naclIn('acl-app', 32767), traffic: { direction: 'ingress', protocol: 6, port: 8080 } });
    expect(f.alsoBlockedBy).toBeUndefined();
    const fix = fixOf(f);
    const p = expectNaclAllow(onlyChange(fix, 'CreateNetworkAclEntry'), {
      acl: 'acl-app',
      egress: false,
      protocol: '6',
      taken: vpcOnlyNacl().taken('acl-app', false),
      before: 32767,
    });
    expect(naclCidr(p)).toBe(`${CLIENT}/32`);
    // Through the load balancer they pass once the NACL admits them; sent to the target directly the
    // app group still refuses them, and the flow log cannot tell which: not verified, and a risk says why.
    expect(fix.verified).toBe(false);
    const risk = fix.risks.find((r) => r.kind === 'through-load-balancer');
    expect(risk?.message).toContain('api-nlb');
    expect(risk?.message).toContain('sg-app');
    expect(renderText(result)).toContain('NOT verified: the flows pass after it only if they came through the load balancer');
  });

  it('S180 the client’s connections refused by the app group where the NACL lets them in: they came to the target directly, not through the load balancer; the group is named and no rule opens the target to the client', () => {
    const records = fromClient('REJECT');
    const [verdict] = explainRecords(nlbWorld(), records.slice(0, 1));
    expect(verdict).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')], bypassedLoadBalancer: 'elb:net/api-nlb' });
    expect(verdict.reason).toContain('api-nlb');
    const f = onlyRuleFinding(runDiagnose(nlbWorld(), records));
    expectFinding(f, { blockedBy: sgIn('sg-app'), traffic: { direction: 'ingress', protocol: 6, port: 8080 } });
    expect(f.suggestedFix).toBeNull();
    expect(f.fixNote).toMatchObject({ reason: 'bypassed-load-balancer', excludedPeers: 1, examples: [CLIENT] });
    expect(f.fixNote?.message).toContain('api-nlb');
  });

  it('S181 who-can-reach the target port: the load balancer’s group stands for its clients too, by their own addresses', () => {
    const model = NetworkModel.fromSnapshot(validateSnapshot(nlbWorld().snapshot()));
    const [source] = whoCanReach(model, { to: 'eni-app1', protocol: 6, port: 8080 }).sources.filter((s) => s.peer === 'sg-nlb');
    expect(source.blocks.map((b) => [b.cidr, b.interfaceId])).toEqual([[`${NLB_A}/32`, 'eni-nlb-a']]);
    expect(source.throughLoadBalancers).toEqual([{ loadBalancer: 'elb:net/api-nlb', interfaceIds: ['eni-nlb-a'] }]);
    expect(source.verdict).toBe('unknown');
    expect(source.reason).toContain('api-nlb');
  });
});
