import type { BlockingControl } from '../../engine/evaluate/verdict';
import type { Finding, FindingPeer, Severity } from '../../engine/findings/finding';
import type { FixChange, SuggestedFix } from '../../engine/fixes/fix';

/** Human wording of findings shared by tickets, chat messages and reports. */

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'icmpv6', 132: 'sctp' };

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`;
}

/** `tcp/8080`, `icmp`, `protocol 47`. */
export function serviceLabel(protocol: number, port: number | null): string {
  return port === null ? protocolName(protocol) : `${protocolName(protocol)}/${port}`;
}

export function describeControl(control: BlockingControl): string {
  switch (control.control) {
    case 'security-group':
      return `security group${control.groupIds.length > 1 ? 's' : ''} ${control.groupIds.join(', ')} (${control.direction})`;
    case 'network-acl':
      return `network ACL ${control.networkAclId} rule ${control.ruleNumber} (${control.direction})`;
    case 'block-public-access':
      return `VPC Block Public Access (${control.direction})`;
  }
}

/**
 * One line: `tcp/8080 ingress blocked by security group sg-… (ingress)`; for a campaign
 * `Scanner campaign 203.0.113.45: 398 services probed on 1 interface`.
 */
export function findingTitle(finding: Finding): string {
  const c = finding.campaign;
  if (c) {
    const who = c.scope === 'service' ? `(botnet on ${c.key})` : c.key;
    return `Scanner campaign ${who}: ${c.portCount} service${c.portCount === 1 ? '' : 's'} probed on ${c.hostCount} interface${c.hostCount === 1 ? '' : 's'}`;
  }
  const t = finding.traffic;
  const kind = t.returnTraffic ? 'return traffic' : t.direction;
  return `${serviceLabel(t.protocol, t.port)} ${kind} blocked by ${describeControl(finding.blockedBy)}`;
}

export function interfacesLabel(finding: Finding): string {
  return finding.traffic.interfaces.map((i) => (i.owner ? `${i.owner} (${i.id})` : i.id)).join(', ');
}

/** Peers with the most records first; ties broken by address so output is stable. */
export function topPeers(finding: Finding, limit = 10): FindingPeer[] {
  return [...finding.traffic.peers]
    .sort((a, b) => b.records - a.records || a.address.localeCompare(b.address))
    .slice(0, limit);
}

/** One short sentence per change, e.g. `Allow tcp 8080 inbound on sg-a from sg-b`. */
export function describeChange(change: FixChange): string {
  const p = change.params as Record<string, unknown>;
  if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
    const inbound = change.action === 'AuthorizeSecurityGroupIngress';
    const perms = Array.isArray(p.IpPermissions) ? (p.IpPermissions as Array<Record<string, unknown>>) : [];
    const parts = perms.map((perm) => `${portText(perm.IpProtocol, perm.FromPort, perm.ToPort)} ${inbound ? 'from' : 'to'} ${peersOf(perm)}`);
    return `Allow ${parts.join('; ')} ${inbound ? 'inbound on' : 'outbound from'} ${String(p.GroupId)}`;
  }
  const range = p.PortRange as { From?: unknown; To?: unknown } | undefined;
  const verb = change.action === 'CreateNetworkAclEntry' ? 'Add' : 'Replace';
  return `${verb} ${p.Egress ? 'outbound' : 'inbound'} rule ${String(p.RuleNumber)} on ${String(p.NetworkAclId)}: ` +
    `${String(p.RuleAction ?? 'allow')} ${portText(p.Protocol, range?.From, range?.To)} ${p.Egress ? 'to' : 'from'} ${String(p.CidrBlock ?? p.Ipv6CidrBlock)}`;
}

export function fixSummary(fix: SuggestedFix | null): string {
  if (fix === null) return 'No change suggested';
  const text = fix.changes.map(describeChange).join('; ');
  return fix.verified ? text : `${text} (not verified)`;
}

function portText(protocol: unknown, from: unknown, to: unknown): string {
  const proto = typeof protocol === 'string' && /^-?\d+$/.test(protocol) ? protocolName(Number(protocol)) : String(protocol);
  if (proto === '-1' || proto === 'protocol -1') return 'all traffic';
  if (from === undefined || from === null || from === -1) return proto;
  return from === to ? `${proto} ${String(from)}` : `${proto} ${String(from)}-${String(to)}`;
}

function peersOf(perm: Record<string, unknown>): string {
  const list = (key: string, field: string): string[] =>
    Array.isArray(perm[key]) ? (perm[key] as Array<Record<string, unknown>>).map((e) => String(e[field])) : [];
  const peers = [
    ...list('UserIdGroupPairs', 'GroupId'),
    ...list('IpRanges', 'CidrIp'),
    ...list('Ipv6Ranges', 'CidrIpv6'),
    ...list('PrefixListIds', 'PrefixListId'),
  ];
  return peers.length > 0 ? peers.join(', ') : 'anywhere';
}
