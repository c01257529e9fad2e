import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP1,
  APP1_6,
  APP2,
  DB1,
  type FlowRec,
  type ScenarioNetwork,
  V8_SHORT_FIELDS,
  W1,
  W1_6,
  W2,
  WEB1,
  all,
  allow,
  baseWorld,
  bpa,
  conversation,
  deny,
  flowFileText,
  linuxOnlyReplies,
  naclIn,
  natGatewayEni,
  naclOut,
  perm,
  retries,
  sgIn,
  sgOut,
  tcp,
  udp,
} from '../support/factories/scenario-network';

/*
 * Labelled scenarios through the BUILT command line (`npm run build` first), as a user runs it on
 * an exported snapshot and the flow-log files AWS delivers: each scenario's expectation is what
 * AWS documents for security groups, network ACLs and flow logs, stated beside it.
 */

const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'sgdoctor-scenarios-'));
let seq = 0;

function runCli(command: 'explain' | 'diagnose', network: ScenarioNetwork, records: FlowRec[], options: string[] = []): string {
  const n = ++seq;
  const config = join(tmp, `snapshot-${n}.json`);
  const flows = join(tmp, `flows-${n}.log`);
  writeFileSync(config, JSON.stringify(network.json()));
  // A custom version 8 format with its header: tcp-flags, flow-direction, reject-reason; TCP records are SYNs unless told.
  const withFlags = records.map((r) => ({ ...r, flags: r.flags ?? ((r.protocol ?? 6) === 6 ? 2 : undefined) }));
  writeFileSync(flows, flowFileText({ fields: [...V8_SHORT_FIELDS], version: 8, header: true, records: withFlags }));
  const result = spawnSync(process.execPath, [bin, command, '--config', config, '--flows', flows, ...options], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, COLUMNS: '' },
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

interface ExplainLine {
  record: Record<string, unknown>;
  verdict: 'blocked' | 'allowed' | 'unknown';
  direction: 'ingress' | 'egress';
  returnTraffic: boolean;
  blockedBy: unknown[];
  reason?: string;
}

function explain(network: ScenarioNetwork, records: FlowRec[]): ExplainLine[] {
  return runCli('explain', network, records)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ExplainLine);
}

interface Change {
  action: string;
  params: Record<string, any>;
}
interface Finding {
  kind: string;
  classification: string;
  blockedBy: unknown;
  alsoBlockedBy?: unknown[];
  traffic: { direction: string; protocol: number; port: number | null; interfaces: any[]; peers: any[]; records: number };
  suggestedFix: null | { changes: Change[]; verified: boolean; risks: unknown[] };
  fixNote?: { reason: string; message: string; excludedPeers: number; examples: string[] };
}

function diagnoseCli(network: ScenarioNetwork, records: FlowRec[]): { findings: Finding[]; stats: any } {
  return JSON.parse(runCli('diagnose', network, records));
}

/** The only rule finding (kind `rule`) of a run. */
function onlyRuleFinding(result: { findings: Finding[] }): Finding {
  const rules = result.findings.filter((f) => f.kind === 'rule');
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

const inbound = (src: string, dst: string, dport: number, extra: Partial<FlowRec> = {}): FlowRec => ({
  eni: 'eni-app1',
  dir: 'ingress',
  src,
  dst,
  sport: 45000,
  dport,
  ...extra,
});

/** Four retries of a client reaching APP1 (the same client, ten minutes apart: a person or a job, not a scan). */
const retrying = (rec: Partial<FlowRec> & { src: string; dst: string }) =>
  retries({ eni: 'eni-app1', dir: 'ingress', sport: 45000, ...rec } as FlowRec);

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

describe('scenarios: security-group rules', () => {
  it('a port range 8000-8079 admits 8079 but not the observed 8080, and the fix opens 8080 alone', () => {
    // An SG rule's FromPort..ToPort is inclusive at both ends and nothing beyond.
    const w = baseWorld().ingress('sg-app', tcp([8000, 8079], '10.0.0.0/16'));
    const [in8079, in8080] = explain(w, [inbound(W1, APP1, 8079), inbound(W1, APP1, 8080)]);
    expect(in8079!.verdict).toBe('allowed');
    expect(in8080!).toMatchObject({ verdict: 'blocked', direction: 'ingress', returnTraffic: false, blockedBy: [sgIn('sg-app')] });

    const fix = onlyRuleFinding(diagnoseCli(w, retrying({ src: W1, dst: APP1, dport: 8080 }))).suggestedFix!;
    expect(fix.verified).toBe(true);
    expect(fix.changes).toHaveLength(1);
    expect(fix.changes[0]!.action).toBe('AuthorizeSecurityGroupIngress');
    expect(fix.changes[0]!.params.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-worker' })],
      }),
    ]);
  });

  it('protocol number "6" is TCP: it admits tcp/5432 and not udp/5432', () => {
    // IpProtocol may be the IANA number as a string; "6" and "tcp" are the same rule.
    const w = baseWorld().ingress('sg-app', perm('6', [5432, 5432], '10.0.0.0/16'));
    const [t, u] = explain(w, [inbound(W1, APP1, 5432), inbound(W1, APP1, 5432, { protocol: 17 })]);
    expect(t!.verdict).toBe('allowed');
    expect(u!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });

  it('protocol number "17" is UDP: DNS over UDP passes, the TCP fallback of DNS is refused', () => {
    const w = baseWorld().ingress('sg-app', perm('17', [53, 53], '10.0.0.0/16'));
    const [u, t] = explain(w, [inbound(W1, APP1, 53, { protocol: 17 }), inbound(W1, APP1, 53)]);
    expect(u!.verdict).toBe('allowed');
    expect(t!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });

  it('protocol "50" (ESP) has no ports: it admits ESP and not AH (51); the AH fix names protocol "51" with no port', () => {
    // For a protocol other than tcp, udp, icmp, icmpv6, a rule covers every port of it.
    const w = baseWorld().ingress('sg-app', perm('50', undefined, '10.0.4.0/24'));
    const [esp, ah] = explain(w, [inbound(W1, APP1, 0, { protocol: 50, sport: 0 }), inbound(W1, APP1, 0, { protocol: 51, sport: 0 })]);
    expect(esp!.verdict).toBe('allowed');
    expect(ah!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });

    const fix = onlyRuleFinding(diagnoseCli(w, retrying({ src: W1, dst: APP1, sport: 0, dport: 0, protocol: 51 }))).suggestedFix!;
    expect(fix.verified).toBe(true);
    const permission = fix.changes[0]!.params.IpPermissions[0];
    expect(permission.IpProtocol).toBe('51');
    expect(permission.IpProtocol).not.toBe('-1');
  });

  it('protocol "-1" with IPv4 ranges only does not admit an IPv6 client of the same host', () => {
    // IpRanges hold IPv4 CIDRs; an IPv6 source needs Ipv6Ranges.
    const w = baseWorld().ingress('sg-app', all('10.0.0.0/16'));
    const [v4, v6] = explain(w, [inbound(W1, APP1, 8080), inbound(W1_6, APP1_6, 8080)]);
    expect(v4!.verdict).toBe('allowed');
    expect(v6!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });

  it('an interface with three groups: one allowing is enough', () => {
    // Rules of every group attached to an ENI are aggregated; any allow admits.
    const w = baseWorld()
      .group('sg-a', 'vpc-main', [tcp(22, '10.9.0.0/16')])
      .group('sg-b', 'vpc-main', [tcp(8080, '10.0.4.0/24')])
      .attach('eni-app1', ['sg-app', 'sg-a', 'sg-b']);
    const [line] = explain(w, [inbound(W1, APP1, 8080)]);
    expect(line!).toMatchObject({ verdict: 'allowed', blockedBy: [] });
  });

  it('a group reference does not match the peer’s Elastic IP: blocked, and the fix names the public /32, not the group again', () => {
    // Referencing a group admits the private addresses of its members only; traffic that arrives
    // from a member's public or Elastic IP (through the internet gateway) is not matched.
    const w = baseWorld()
      .ingress('sg-app', tcp(8080, 'sg-worker'))
      .eni({ id: 'eni-worker1', subnet: 'subnet-clients', ip: W1, publicIp: '54.10.20.30', groups: ['sg-worker'] });
    const [line] = explain(w, [inbound('54.10.20.30', APP1, 8080)]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });

    const finding = onlyRuleFinding(diagnoseCli(w, retrying({ src: '54.10.20.30', dst: APP1, dport: 8080 })));
    const fix = finding.suggestedFix!;
    expect(fix.verified).toBe(true);
    const permission = fix.changes[0]!.params.IpPermissions[0];
    expect(permission.UserIdGroupPairs ?? []).toEqual([]);
    expect(permission.IpRanges).toEqual([expect.objectContaining({ CidrIp: '54.10.20.30/32' })]);
  });

  it('a group reference matches the IPv6 address of a member in the same VPC', () => {
    // A referenced group admits its members' own (private and IPv6) addresses.
    const w = baseWorld().ingress('sg-app', tcp(8080, 'sg-worker'));
    const [line] = explain(w, [inbound(W1_6, APP1_6, 8080)]);
    expect(line!.verdict).toBe('allowed');
  });

  it('a group of a peered VPC (same account and Region) admits its member across the peering', () => {
    const w = baseWorld()
      .vpc('vpc-peer', '10.1.0.0/16')
      .subnet('subnet-peer1', 'vpc-peer', '10.1.1.0/24')
      .group('sg-peer-client', 'vpc-peer')
      .eni({ id: 'eni-peer1', subnet: 'subnet-peer1', ip: '10.1.1.20', groups: ['sg-peer-client'] })
      .peering('pcx-1', { vpc: 'vpc-main', cidr: '10.0.0.0/16' }, { vpc: 'vpc-peer', cidr: '10.1.0.0/16' })
      .ingress('sg-app', tcp(8080, 'sg-peer-client'));
    const [member, other] = explain(w, [inbound('10.1.1.20', APP1, 8080), inbound('10.1.1.21', APP1, 8080)]);
    expect(member!.verdict).toBe('allowed');
    expect(other!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });

  it('a prefix-list peer admits the addresses of its entries only; a refused partner gets a /32, never the list widened', () => {
    const w = baseWorld().prefixList('pl-corp', ['192.168.0.0/24', '172.16.5.0/24']).ingress('sg-app', tcp(443, 'pl-corp'));
    const [inList, outside] = explain(w, [inbound('172.16.5.9', APP1, 443), inbound('192.168.1.9', APP1, 443)]);
    expect(inList!.verdict).toBe('allowed');
    expect(outside!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });

    // A prefix list is a peer of the rule, not something the rule owns: the fix adds a rule for the partner alone.
    const fix = onlyRuleFinding(diagnoseCli(w, retrying({ src: '192.168.1.9', dst: APP1, dport: 443 }))).suggestedFix!;
    expect(fix.verified).toBe(true);
    expect(fix.changes).toHaveLength(1);
    expect(fix.changes[0]!.action).toBe('AuthorizeSecurityGroupIngress');
    const permission = fix.changes[0]!.params.IpPermissions[0];
    expect(permission).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [expect.objectContaining({ CidrIp: '192.168.1.9/32' })],
    });
  });

  it('an egress group that only lets 443 out refuses the worker’s request to the database; the fix is an egress rule to the db group', () => {
    // Outbound rules filter what leaves the ENI; a request is refused by the sender's egress rules.
    const w = baseWorld().egress('sg-worker', tcp(443, '0.0.0.0/0')).ingress('sg-db', tcp(5432, 'sg-worker'));
    const rec: FlowRec = { eni: 'eni-worker1', dir: 'egress', src: W1, dst: DB1, sport: 40000, dport: 5432 };
    const [line] = explain(w, [rec]);
    expect(line!).toMatchObject({ verdict: 'blocked', direction: 'egress', returnTraffic: false, blockedBy: [sgOut('sg-worker')] });

    const fix = onlyRuleFinding(diagnoseCli(w, retries(rec))).suggestedFix!;
    expect(fix.verified).toBe(true);
    expect(fix.changes).toEqual([
      {
        action: 'AuthorizeSecurityGroupEgress',
        params: expect.objectContaining({
          GroupId: 'sg-worker',
          IpPermissions: [
            expect.objectContaining({
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-db' })],
            }),
          ],
        }),
      },
    ]);
  });

  it('a REJECT that the current rules allow is allowed (already fixed), and diagnose proposes nothing for it', () => {
    const w = baseWorld().ingress('sg-app', tcp(8080, '10.0.4.0/24'));
    const [line] = explain(w, [inbound(W1, APP1, 8080)]);
    expect(line!).toMatchObject({ verdict: 'allowed', blockedBy: [] });
    const result = diagnoseCli(w, retrying({ src: W1, dst: APP1, dport: 8080 }));
    expect(result.findings.filter((f) => f.suggestedFix !== null)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// ICMP
// ---------------------------------------------------------------------------------------------

describe('scenarios: ICMP and ICMPv6', () => {
  it('an echo-request-only ICMP rule: a record (which carries no type) is unknown, never allowed', () => {
    // Flow logs record no ICMP type or code, so a type-specific rule cannot decide the record.
    const w = baseWorld().ingress('sg-app', perm('icmp', [8, -1], '10.0.0.0/16'));
    const [line] = explain(w, [inbound(W1, APP1, 0, { protocol: 1, sport: 0 })]);
    expect(line!.verdict).toBe('unknown');
    expect(line!.reason).toMatch(/ICMP|icmp/);
  });

  it('a NACL that drops all ICMP blocks an ICMP record whatever its type, even behind a type-specific group rule', () => {
    // The NACL decides without the type, so the record is certainly refused there; the group behind it stays undecided.
    const w = baseWorld()
      .ingress('sg-app', perm('icmp', [8, -1], '10.0.0.0/16'))
      .acl('acl-app', [allow(100, '0.0.0.0/0', '6', [0, 65535])], [allow(100, '0.0.0.0/0')]);
    const [line] = explain(w, [inbound(W1, APP1, 0, { protocol: 1, sport: 0 })]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 32767)] });

    // The NACL entry lets the pings through it, but the group still decides by a type the records do not carry: not verified.
    const finding = onlyRuleFinding(diagnoseCli(w, retrying({ src: W1, dst: APP1, sport: 0, dport: 0, protocol: 1 })));
    expect(finding.blockedBy).toEqual(naclIn('acl-app', 32767));
    expect(finding.suggestedFix!.changes[0]!.params).toMatchObject({ Protocol: '1', Egress: false, IcmpTypeCode: { Type: -1, Code: -1 } });
    expect(finding.suggestedFix!.verified).toBe(false);
  });

  it('an icmpv6 rule for every type admits ICMPv6 over IPv6, and does not admit ICMP over IPv4', () => {
    const w = baseWorld().ingress('sg-app', perm('icmpv6', [-1, -1], '::/0'), perm('58', [-1, -1], '10.0.0.0/16'));
    const [v6, v4] = explain(w, [inbound(W1_6, APP1_6, 0, { protocol: 58, sport: 0 }), inbound(W1, APP1, 0, { protocol: 1, sport: 0 })]);
    expect(v6!.verdict).toBe('allowed');
    expect(v4!).toMatchObject({ verdict: 'blocked', blockedBy: [sgIn('sg-app')] });
  });
});

// ---------------------------------------------------------------------------------------------
// Network ACLs
// ---------------------------------------------------------------------------------------------

describe('scenarios: network ACLs', () => {
  it('an explicit deny (90) before the allow (100) is the rule named; the fix lands before 90 and verifies', () => {
    // Entries are evaluated lowest number first and the first match decides.
    const w = baseWorld()
      .ingress('sg-app', tcp(22, '10.0.0.0/16'))
      .acl('acl-app', [deny(90, '10.0.4.0/24', '6', [22, 22]), allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0')]);
    const [line] = explain(w, [inbound(W1, APP1, 22)]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 90)] });

    const fix = onlyRuleFinding(diagnoseCli(w, retrying({ src: W1, dst: APP1, dport: 22 }))).suggestedFix!;
    expect(fix.verified).toBe(true);
    for (const change of fix.changes) {
      expect(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry']).toContain(change.action);
      expect(change.params.NetworkAclId).toBe('acl-app');
      expect(change.params.Egress).toBe(false);
    }
    const created = fix.changes.find((c) => c.params.RuleAction === 'allow')!;
    expect(created.params.RuleNumber).toBeLessThanOrEqual(90);
    expect(created.params.CidrBlock).not.toBe('0.0.0.0/0');
  });

  it('a tcp-only NACL entry does not pass UDP on the same port: the catch-all 32767 is named', () => {
    const w = baseWorld()
      .ingress('sg-app', udp(514, '10.0.0.0/16'))
      .acl('acl-app', [allow(100, '10.0.0.0/16', '6', [514, 514])], [allow(100, '0.0.0.0/0')]);
    const [line] = explain(w, [inbound(W1, APP1, 514, { protocol: 17 })]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 32767)] });
  });

  it('an IPv6 flow against IPv4-only NACL entries ends at 32768; the fix is an IPv6 entry before it', () => {
    // IPv4 entries never match IPv6 traffic; IPv6 falls through to the IPv6 catch-all (32768).
    const w = baseWorld()
      .ingress('sg-app', tcp(8080, '::/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0'), allow(101, '::/0')]);
    const [line] = explain(w, [inbound(W1_6, APP1_6, 8080)]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 32768)] });

    const fix = onlyRuleFinding(diagnoseCli(w, retrying({ src: W1_6, dst: APP1_6, dport: 8080 }))).suggestedFix!;
    expect(fix.verified).toBe(true);
    const entry = fix.changes.find((c) => c.action === 'CreateNetworkAclEntry')!;
    expect(entry.params.Ipv6CidrBlock).toBeDefined();
    expect(entry.params.CidrBlock).toBeUndefined();
    expect(entry.params.Ipv6CidrBlock).not.toBe('::/0');
    expect(entry.params.RuleNumber).toBeLessThan(32767);
  });

  it('same subnet: a deny-everything NACL is not evaluated between two addresses of its subnet', () => {
    const w = baseWorld()
      .ingress('sg-app', tcp(8080, 'sg-app'))
      .acl('acl-app', [deny(1, '0.0.0.0/0')], [deny(1, '0.0.0.0/0')]);
    const [same, other] = explain(w, [inbound(APP2, APP1, 8080), inbound(W1, APP1, 8080)]);
    expect(same!).toMatchObject({ verdict: 'allowed', blockedBy: [] });
    // From another subnet the NACL's deny at 1 applies first, then the group (not open to the worker).
    expect(other!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 1), sgIn('sg-app')] });
  });

  it('both the NACL and the group refuse on the way in: both named, NACL first (path order)', () => {
    const w = baseWorld().acl('acl-app', [allow(100, '10.0.3.0/24')], [allow(100, '0.0.0.0/0')]);
    const [line] = explain(w, [inbound(W1, APP1, 8080)]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [naclIn('acl-app', 32767), sgIn('sg-app')] });
  });

  it('both refuse on the way out: the group first, then the NACL', () => {
    const w = baseWorld()
      .egress('sg-worker')
      .acl('acl-clients', [allow(100, '0.0.0.0/0')], [allow(100, '10.0.3.0/24')]);
    const [line] = explain(w, [{ eni: 'eni-worker1', dir: 'egress', src: W1, dst: APP1, sport: 40000, dport: 8080 }]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [sgOut('sg-worker'), naclOut('acl-clients', 32767)] });
  });
});

// ---------------------------------------------------------------------------------------------
// Return traffic
// ---------------------------------------------------------------------------------------------

describe('scenarios: return traffic', () => {
  it('a Windows client (49152-65535): the SYN-ACK refused at 32767 on the way out is return traffic, the NACL’s only', () => {
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [62001],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const lines = explain(linuxOnlyReplies(), records);
    expect(lines[0]!.verdict).toBe('allowed');
    expect(lines[1]!).toMatchObject({
      verdict: 'blocked',
      direction: 'egress',
      returnTraffic: true,
      blockedBy: [naclOut('acl-app', 32767)],
    });
  });

  it('the same for Windows clients through diagnose: an outbound NACL entry on a range covering their ports, verified', () => {
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [61000, 62001, 63002, 64003],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const finding = onlyRuleFinding(diagnoseCli(linuxOnlyReplies(), records));
    expect(finding.blockedBy).toEqual(naclOut('acl-app', 32767));
    const fix = finding.suggestedFix!;
    expect(fix.verified).toBe(true);
    const entry = fix.changes.find((c) => c.params.RuleAction === 'allow')!;
    expect(entry.params).toMatchObject({ NetworkAclId: 'acl-app', Egress: true, Protocol: '6' });
    expect(entry.params.PortRange.From).toBeLessThanOrEqual(61000);
    expect(entry.params.PortRange.To).toBeGreaterThanOrEqual(64003);
    // Never a security-group change for replies: groups are stateful.
    expect(fix.changes.every((c) => !c.action.startsWith('Authorize'))).toBe(true);
  });

  it('replies to a Windows client refused before the NACL was widened to 32768-60999 and after it: still blocked, the fix covers the ports beyond 60999', () => {
    // A NACL entry's port range filters each packet's destination port; replies to 62000 and 63000 stay
    // refused by the current entries even though the replies to 40000 and 45000 would now leave.
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [40000, 45000, 62000, 63000],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const lines = explain(linuxOnlyReplies(), records).filter((l) => l.record.action === 'REJECT');
    expect(lines.map((l) => l.verdict)).toEqual(['allowed', 'allowed', 'blocked', 'blocked']);
    const finding = onlyRuleFinding(diagnoseCli(linuxOnlyReplies(), records));
    expect(finding.blockedBy).toEqual(naclOut('acl-app', 32767));
    const fix = finding.suggestedFix!;
    expect(fix.verified).toBe(true);
    const entry = fix.changes.find((c) => c.params.RuleAction === 'allow')!;
    expect(entry.params).toMatchObject({ NetworkAclId: 'acl-app', Egress: true, Protocol: '6' });
    expect(entry.params.PortRange.To).toBeGreaterThanOrEqual(63000);
  });

  /** The Linux-only NACL estate with a NAT gateway's interface (10.0.4.5) among the clients. */
  const linuxOnlyRepliesWithNatGateway = () =>
    linuxOnlyReplies().eni({
      id: 'eni-natgw',
      subnet: 'subnet-clients',
      ip: '10.0.4.5',
      groups: [],
      interfaceType: 'nat_gateway',
      description: 'Interface for NAT Gateway nat-0123456789abcdef0',
      requesterId: 'AWS',
    });

  it('a NAT gateway’s source port 1500: the reply to it is outside 32768-60999 and the NACL’s', () => {
    // NAT gateways and load balancers use 1024-65535 as their source ports.
    const w = linuxOnlyRepliesWithNatGateway();
    const records = conversation({
      client: '10.0.4.5',
      server: APP1,
      port: 8080,
      clientPorts: [1500],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const lines = explain(w, records);
    expect(lines[1]!).toMatchObject({ verdict: 'blocked', returnTraffic: true, blockedBy: [naclOut('acl-app', 32767)] });
  });

  it('the NAT gateway’s replies through diagnose: the outbound entry covers 1024-65535 for the gateway’s address', () => {
    const w = linuxOnlyRepliesWithNatGateway();
    const records = conversation({
      client: '10.0.4.5',
      server: APP1,
      port: 8080,
      clientPorts: [1500, 2500, 3500, 4500],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const fix = onlyRuleFinding(diagnoseCli(w, records)).suggestedFix!;
    expect(fix.verified).toBe(true);
    expect(fix.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-app',
          Egress: true,
          CidrBlock: '10.0.4.5/32',
          PortRange: { From: 1024, To: 65535 },
        }),
      },
    ]);
  });

  it('active FTP: the server’s data connection from port 20 (SYN) is a new connection its egress group refuses, not return traffic', () => {
    // Only the response packets of a connection the other side opened are tracked; port 20 opening to the client is a request.
    const w = baseWorld().ingress('sg-app', tcp(21, '10.0.0.0/8')).egress('sg-app');
    const [, data] = explain(w, [
      { eni: 'eni-app1', dir: 'ingress', src: W1, dst: APP1, sport: 40000, dport: 21, action: 'ACCEPT', flags: 2 },
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: W1, sport: 20, dport: 50000, flags: 2 },
    ]);
    expect(data!).toMatchObject({ verdict: 'blocked', returnTraffic: false, blockedBy: [sgOut('sg-app')] });
  });

  it('a SYN-ACK REJECTed with an open NACL and a group that lets nothing out is never the group’s', () => {
    // Security groups are stateful: the response to an allowed inbound connection leaves whatever the outbound rules say.
    const w = baseWorld().ingress('sg-app', tcp(8080, '10.0.0.0/8')).egress('sg-app');
    const records = conversation({
      client: W1,
      server: APP1,
      port: 8080,
      clientPorts: [40000],
      acceptedAt: { eni: 'eni-app1', dir: 'ingress' },
      rejectedAt: { eni: 'eni-app1', dir: 'egress' },
    });
    const reply = explain(w, records)[1]!;
    expect(reply.returnTraffic).toBe(true);
    expect(reply.blockedBy.some((c) => (c as { control: string }).control === 'security-group')).toBe(false);
    expect(reply.verdict).not.toBe('blocked');
  });

  it('late FIN and RST REJECTs after a connection closed: no rule finding, nothing opened', () => {
    // Packets arriving after the connection's tracking ended are REJECTed: noise, not a rule problem.
    const w = baseWorld().ingress('sg-app', tcp(8080, '10.0.0.0/8'));
    const records: FlowRec[] = [
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: '203.0.113.10', sport: 41000, dport: 443, action: 'ACCEPT', flags: 2 },
      { eni: 'eni-app1', dir: 'ingress', src: '203.0.113.10', dst: APP1, sport: 443, dport: 41000, flags: 17, at: 1_700_000_400 },
      { eni: 'eni-app1', dir: 'ingress', src: '203.0.113.10', dst: APP1, sport: 443, dport: 41000, flags: 4, at: 1_700_000_460 },
    ];
    const result = diagnoseCli(w, records);
    expect(result.findings.filter((f) => f.classification === 'likely-misconfiguration')).toEqual([]);
    expect(result.findings.filter((f) => f.suggestedFix !== null)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// What the rules are not responsible for
// ---------------------------------------------------------------------------------------------

describe('scenarios: other reasons and unknowns', () => {
  it('reject-reason BPA: Block Public Access, not the group or the NACL; diagnose proposes no rule change', () => {
    const w = baseWorld().ingress('sg-app', tcp(443, '0.0.0.0/0'));
    const rec = inbound('198.51.100.7', APP1, 443, { rejectReason: 'BPA' });
    const [line] = explain(w, [rec]);
    expect(line!).toMatchObject({ verdict: 'blocked', blockedBy: [bpa('ingress')] });
    const finding = diagnoseCli(w, retrying({ src: '198.51.100.7', dst: APP1, dport: 443, rejectReason: 'BPA' })).findings[0]!;
    expect(finding.blockedBy).toEqual(bpa('ingress'));
    expect(finding.suggestedFix).toBeNull();
  });

  it('an interface the snapshot lacks: unknown, the reason naming it', () => {
    const [line] = explain(baseWorld(), [{ eni: 'eni-gone', dir: 'ingress', src: W1, dst: '10.0.1.99', sport: 40000, dport: 8080 }]);
    expect(line!.verdict).toBe('unknown');
    expect(line!.reason).toContain('eni-gone');
  });

  it('Amazon DNS (VPC base + 2) and instance metadata are never a rule’s doing: unknown with a reason', () => {
    const w = baseWorld()
      .egress('sg-app')
      .acl('acl-app', [deny(1, '0.0.0.0/0')], [deny(1, '0.0.0.0/0')]);
    const lines = explain(w, [
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: '10.0.0.2', sport: 40000, dport: 53, protocol: 17 },
      { eni: 'eni-app1', dir: 'egress', src: APP1, dst: '169.254.169.254', sport: 40001, dport: 80 },
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ verdict: 'unknown', blockedBy: [] });
      expect(line.reason).toMatch(/not filtered by security groups or network ACLs/);
    }
  });

  it('a load balancer’s interface is named by its load balancer in findings', () => {
    const w = baseWorld()
      .group('sg-alb', 'vpc-main', [tcp(443, '0.0.0.0/0')])
      .eni({
        id: 'eni-alb1',
        subnet: 'subnet-web',
        ip: '10.0.2.50',
        groups: ['sg-alb'],
        interfaceType: 'interface',
        description: 'ELB app/shop-alb/50dc6c495c0c9188',
        requesterId: 'amazon-elb',
      });
    const records = retries({ eni: 'eni-alb1', dir: 'ingress', src: W2, dst: '10.0.2.50', sport: 45000, dport: 8443 });
    const finding = onlyRuleFinding(diagnoseCli(w, records));
    expect(JSON.stringify(finding.traffic.interfaces)).toContain('shop-alb');
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('scenarios: connections opened towards a NAT gateway', () => {
  // A NAT gateway accepts no connection addressed to it (private or Elastic IP): it only forwards
  // what the instances behind it send out and the answers to that. An app group that lets out
  // only PostgreSQL refuses the app host's HTTPS to the web host and to the gateway's addresses;
  // the web host's group admits it. The public subnet's NACL admits only the gateway's answers.
  const NAT_PRIVATE = '10.0.7.5';
  const NAT_PUBLIC = '3.90.0.5';
  const BOT = '198.51.100.23';
  const world = () =>
    baseWorld()
      .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
      .acl('acl-public', [allow(100, '0.0.0.0/0', '6', [1024, 65535])], [allow(100, '0.0.0.0/0')])
      .eni(natGatewayEni(NAT_PRIVATE, NAT_PUBLIC))
      .egress('sg-app', tcp(5432, '10.0.3.0/24'))
      .ingress('sg-web', tcp(443, 'sg-app'));
  const appTo = (dst: string) => retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst, sport: 40000, dport: 443 });
  const records = [
    ...appTo(WEB1),
    ...appTo(NAT_PRIVATE),
    ...appTo(NAT_PUBLIC),
    // An internet host retrying SSH at the gateway's Elastic IP: a campaign, with its note.
    ...retries({ eni: 'eni-nat1', dir: 'ingress', src: BOT, dst: NAT_PUBLIC, sport: 51000, dport: 22 }),
  ];

  it('json: the egress group’s finding opens the web host only; its note and the campaign’s name the gateway', () => {
    const result = diagnoseCli(world(), records);
    const finding = onlyRuleFinding(result);
    expect(finding.blockedBy).toEqual(sgOut('sg-app'));
    expect(finding.traffic.peers.map((p) => p.address).sort()).toEqual([NAT_PRIVATE, NAT_PUBLIC, WEB1].sort());
    const fix = finding.suggestedFix!;
    expect(fix.verified).toBe(true);
    expect(fix.changes).toHaveLength(1);
    expect(fix.changes[0]).toMatchObject({ action: 'AuthorizeSecurityGroupEgress', params: { GroupId: 'sg-app' } });
    expect(fix.changes[0]!.params.IpPermissions[0].UserIdGroupPairs.map((g: { GroupId: string }) => g.GroupId)).toEqual(['sg-web']);
    expect(JSON.stringify(fix)).not.toMatch(/10\.0\.7\.5|3\.90\.0\.5/);
    expect(finding.fixNote).toMatchObject({ reason: 'to-nat-gateway', excludedPeers: 2 });
    expect([...finding.fixNote!.examples].sort()).toEqual([NAT_PRIVATE, NAT_PUBLIC].sort());
    expect(finding.fixNote!.message).toContain('nat-0123456789abcdef0');
    const campaigns = result.findings.filter((f) => f.kind === 'campaign');
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]!.fixNote).toMatchObject({ reason: 'to-nat-gateway' });
  });

  it('text: the rule finding’s fix scope and the campaign’s note under the campaign table', () => {
    const out = runCli('diagnose', world(), records, ['--format', 'text', '--wide']);
    expect(out).toMatch(/^ {2}fix scope {7}The fix covers 1 other peer; .*nat-0123456789abcdef0/m);
    expect(out).toMatch(/^Note on #1 \(.+\): No rule change: .*NAT gateway nat-0123456789abcdef0 itself \(3\.90\.0\.5\)/m);
  });
});

it('the built CLI exists (npm run build)', () => {
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
});
