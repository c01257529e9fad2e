import type { BlockingControl } from '../evaluate/verdict';
import type { FixChange, SuggestedFix } from '../fixes/fix';
import { describeTraffic, protocolName } from '../network/protocol';
import type { Finding, FindingInterface, FindingPeer, Severity } from './finding';

/**
 * Human wording of findings, one for every reader: the command line (whose output is a
 * contract), tickets, chat messages, reports and the demo.
 */

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** `tcp/8080`, `udp/53`, `icmp`: ports only where rules have them (TCP and UDP). */
export function serviceLabel(protocol: number, port: number | null): string {
  return describeTraffic(protocol, port);
}

/** `security group sg-a, sg-b (ingress)`, `network ACL acl-… rule 100 (egress)`. */
export function describeControl(control: BlockingControl): string {
  switch (control.control) {
    case 'security-group':
      return `security group ${control.groupIds.join(', ')} (${control.direction})`;
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

/** `eni-… (elb:app/web)` — what owns an interface first, so load balancers are named. */
export function interfaceLabel(iface: FindingInterface): string {
  return iface.owner ? `${iface.owner} (${iface.id})` : iface.id;
}

/** The finding's interfaces, the first `max` of them named and the rest counted (`+4 more`). */
export function interfacesLabel(finding: Finding, max = 3): string {
  const list = finding.traffic.interfaces;
  const shown = list.slice(0, max).map(interfaceLabel).join(', ');
  return list.length > max ? `${shown} +${list.length - max} more` : shown;
}

/** Peers with the most records first; ties broken by address so output is stable. */
export function topPeers(finding: Finding, limit = 10): FindingPeer[] {
  return [...finding.traffic.peers].sort((a, b) => b.records - a.records || a.address.localeCompare(b.address)).slice(0, limit);
}

/**
 * Why the finding's groups refuse traffic they hold a rule for (`Finding.staleRules`), as one
 * sentence, or null: the stale rules and what to do about them.
 */
export function staleRulesMessage(finding: Finding): string | null {
  const rules = finding.staleRules ?? [];
  if (rules.length === 0) return null;
  const what = rules.map((rule) => rule.reason).join('; ');
  return (
    `${what}: a stale rule allows nothing. Delete it, and let the traffic through with a rule that does not rely on the ` +
    `stale reference (the suggested fix), or by re-creating the connection to the referenced group's VPC and referencing it again`
  );
}

/** One short sentence per change, e.g. `Allow tcp 8080 inbound on sg-a from sg-b`. */
export function describeChange(change: FixChange): string {
  const p = change.params as Record<string, unknown>;
  if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
    const inbound = change.action === 'AuthorizeSecurityGroupIngress';
    const perms = Array.isArray(p.IpPermissions) ? (p.IpPermissions as Array<Record<string, unknown>>) : [];
    const parts = perms.map(
      (perm) => `${portText(perm.IpProtocol, perm.FromPort, perm.ToPort)} ${inbound ? 'from' : 'to'} ${peersOf(perm)}`,
    );
    return `Allow ${parts.join('; ')} ${inbound ? 'inbound on' : 'outbound from'} ${String(p.GroupId)}`;
  }
  const range = p.PortRange as { From?: unknown; To?: unknown } | undefined;
  const verb = change.action === 'CreateNetworkAclEntry' ? 'Add' : 'Replace';
  return (
    `${verb} ${p.Egress ? 'outbound' : 'inbound'} rule ${String(p.RuleNumber)} on ${String(p.NetworkAclId)}: ` +
    `${String(p.RuleAction ?? 'allow')} ${portText(p.Protocol, range?.From, range?.To)} ${p.Egress ? 'to' : 'from'} ${String(p.CidrBlock ?? p.Ipv6CidrBlock)}`
  );
}

export function fixSummary(fix: SuggestedFix | null): string {
  if (fix === null) return 'No change suggested';
  const text = fix.changes.map(describeChange).join('; ');
  return fix.verified ? text : `${text} (not verified)`;
}

function portText(protocol: unknown, from: unknown, to: unknown): string {
  const proto = typeof protocol === 'string' && /^-?\d+$/.test(protocol) ? protocolName(Number(protocol)) : String(protocol);
  if (proto === '-1' || proto === 'all') return 'all traffic';
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

/** Why a finding has no fix, as a sentence: the engine's note when it gave one (a NAT gateway, too many peers, …), else that noise gets none. */
export function noFixSentence(finding: Finding): string {
  if (finding.fixNote) return finding.fixNote.message;
  return finding.classification === 'likely-noise' ? 'No change is suggested: this traffic looks like noise.' : 'No change is suggested.';
}
