import type { DiagnoseStats } from '../engine/diagnose/diagnose-stats';
import type { Finding } from '../engine/findings/finding';
import type { FixAction, SuggestedFix } from '../engine/fixes/fix';
import { describeTraffic } from '../engine/network/protocol';
import { describeControl, interfacesLabel } from '../engine/findings/finding-text';

export function trafficLabel(finding: Finding): string {
  const t = finding.traffic;
  return `${t.direction} ${describeTraffic(t.protocol, t.port)}${t.returnTraffic ? ' return traffic' : ''}`;
}

export function controlLabel(finding: Finding): string {
  return describeControl(finding.blockedBy);
}

export function peersLabel(finding: Finding, max = 3): string {
  const list = finding.traffic.peers;
  const total = finding.traffic.peerCount ?? list.length;
  const shown = list
    .slice(0, max)
    .map((p) => p.address)
    .join(', ');
  return total > max ? `${shown} +${total - max} more` : shown;
}

/** Peers left out of `traffic.peers` (the finding keeps only the busiest). */
export function hiddenPeerCount(finding: Finding): number {
  const t = finding.traffic;
  return (t.peerCount ?? t.peers.length) - t.peers.length;
}

/**
 * Whether simulating the fix unblocks the flows, in the words both reports use. Flows a group
 * admits only as forwarded by a Network Load Balancer are not blocked after it but undecided
 * (`through-load-balancer` risk): the label says so.
 */
export function verificationLabel(fix: SuggestedFix): string {
  if (fix.verified) return 'verified by simulation';
  if (fix.risks.some((risk) => risk.kind === 'through-load-balancer'))
    return 'NOT verified: the flows pass after it only if they came through the load balancer (see risks)';
  return 'NOT verified: the flows stay blocked after it';
}

export function fixLabel(finding: Finding): string {
  const fix = finding.suggestedFix;
  if (!fix)
    return finding.classification === 'likely-noise' ? 'none (noise)' : finding.fixNote ? `none (${finding.fixNote.reason})` : 'none';
  const scope = finding.fixNote ? `, ${finding.fixNote.excludedPeers} peers left out` : '';
  return `${fix.changes.map((c) => c.action).join(' + ')}${fix.verified ? ' (verified' : ' (NOT verified'}${scope})`;
}

/** At most this many noise rule findings and campaigns are listed in text and markdown (JSON has them all). */
const MAX_NOISE_ROWS = 20;

/** Column headings of the findings table, in order. */
export const OVERVIEW_COLUMNS = ['#', 'severity', 'classification', 'traffic', 'blocked by', 'interfaces', 'peers', 'records', 'fix'];

/** Column headings of the scanner activity table, in order. */
export const CAMPAIGN_COLUMNS = ['#', 'campaign', 'sources', 'hosts', 'ports probed', 'records', 'seen (UTC)', 'blocked mostly by'];

export interface Overview {
  /** Findings that may need a change: not noise. */
  actionable: Finding[];
  /** Every likely-noise finding (campaigns and any noise rule finding). */
  noise: Finding[];
  campaigns: Finding[];
  /** One row per listed finding, cells in OVERVIEW_COLUMNS order: actionable findings, then the first noise rule findings. */
  rows: string[][];
  /** The same findings as `rows`, cells in COMPACT_COLUMNS order. */
  compactRows: string[][];
  /** One row per listed campaign, cells in CAMPAIGN_COLUMNS order, busiest first. */
  campaignRows: string[][];
  /** The fix notes of the listed campaigns that have one (`campaignNote`), in the table's order: for under the table. */
  campaignNotes: string[];
  /** Noise rule findings and campaigns left out of the tables (past MAX_NOISE_ROWS each). */
  hiddenNoise: number;
}

/** What a campaign is, in a few words: `203.0.113.45`, `203.0.113.0/24`, `botnet on tcp/23`. */
export function campaignLabel(finding: Finding): string {
  const c = finding.campaign;
  if (!c) return trafficLabel(finding);
  return c.scope === 'service' ? `botnet on ${c.key}` : c.key;
}

/**
 * `Note on #2 (198.51.100.23): No rule change: …`: a campaign's fix note (connections opened
 * towards a NAT gateway) named by its row of the campaign table, which has no room for it.
 */
export function campaignNote(finding: Finding, index: number): string | null {
  return finding.fixNote ? `Note on #${index + 1} (${campaignLabel(finding)}): ${finding.fixNote.message}` : null;
}

/** `398 (tcp/23, tcp/22, tcp/3389 …)`: how many services a campaign probed, the busiest first. */
export function campaignPortsLabel(finding: Finding, max = 3): string {
  const c = finding.campaign;
  if (!c) return describeTraffic(finding.traffic.protocol, finding.traffic.port);
  const listed = c.ports;
  // A scan that tried every port alike: no port stands out, so name none.
  if (c.portCount > max && listed.every((p) => p.records === listed[0].records && p.protocol === listed[0].protocol)) {
    const each = listed[0].records;
    return `${c.portCount} (${describeTraffic(listed[0].protocol, null)}, ${each} record${each === 1 ? '' : 's'} each)`;
  }
  const top = listed
    .slice(0, max)
    .map((p) => describeTraffic(p.protocol, p.port))
    .join(', ');
  return c.portCount > max ? `${c.portCount} (${top} …)` : `${c.portCount} (${top})`;
}

/** `2026-11-24 03:12–03:16`, or both ends in full when they fall on different days. */
export function seenLabel(firstSeen: string, lastSeen: string): string {
  const day = (iso: string) => iso.slice(0, 10);
  const time = (iso: string) => iso.slice(11, 16);
  if (day(firstSeen) === day(lastSeen)) return `${day(firstSeen)} ${time(firstSeen)}–${time(lastSeen)}`;
  return `${day(firstSeen)} ${time(firstSeen)} – ${day(lastSeen)} ${time(lastSeen)}`;
}

const SHORT_ACTIONS: Record<FixAction, string> = {
  AuthorizeSecurityGroupIngress: 'SG ingress rule',
  AuthorizeSecurityGroupEgress: 'SG egress rule',
  CreateNetworkAclEntry: 'NACL entry',
  ReplaceNetworkAclEntry: 'NACL entry replaced',
};

/** Column headings of the compact findings table (text output fitted to the terminal), droppable ones last. */
export const COMPACT_COLUMNS = ['#', 'severity', 'class', 'traffic', 'blocked by', 'records', 'fix', 'interfaces', 'peers'];

/** `sg-… +1`, `acl-… #32767`: the blocking control in a few characters (the direction is the traffic's). */
export function compactControlLabel(f: Finding): string {
  const c = f.blockedBy;
  if (c.control === 'security-group') return c.groupIds.length > 1 ? `${c.groupIds[0]} +${c.groupIds.length - 1}` : c.groupIds[0];
  return c.control === 'network-acl' ? `${c.networkAclId} #${c.ruleNumber}` : 'Block Public Access';
}

/** One compact row: short classification, traffic, control and fix; interfaces by owner. */
export function compactRow(f: Finding, index: number): string[] {
  const t = f.traffic;
  const traffic = `${t.direction === 'ingress' ? 'in' : 'out'} ${describeTraffic(t.protocol, t.port)}${t.returnTraffic ? ' (return)' : ''}`;
  const control = compactControlLabel(f);
  const fix = f.suggestedFix;
  const fixText = fix
    ? `${fix.changes.map((change) => SHORT_ACTIONS[change.action]).join(' + ')}${fix.verified ? ', verified' : ', NOT verified'}`
    : 'none';
  const owners = [...new Set(t.interfaces.map((i) => i.owner ?? i.id))];
  return [
    String(index + 1),
    f.severity,
    f.classification.replace(/^likely-/, ''),
    traffic,
    control,
    String(t.records),
    fixText,
    owners.length > 2 ? `${owners.slice(0, 2).join(', ')} +${owners.length - 2}` : owners.join(', '),
    peersLabel(f, 2),
  ];
}

/** The findings tables of the text and markdown reports, before either formats them. */
export function overview(findings: Finding[]): Overview {
  const actionable = findings.filter((f) => f.classification !== 'likely-noise');
  const noise = findings.filter((f) => f.classification === 'likely-noise');
  const noiseRules = noise.filter((f) => f.kind !== 'campaign');
  const campaigns = noise.filter((f) => f.kind === 'campaign').sort((a, b) => b.traffic.records - a.traffic.records);
  const listed = [...actionable, ...noiseRules.slice(0, MAX_NOISE_ROWS)];
  const rows = listed.map((f, i) => [
    String(i + 1),
    f.severity,
    f.classification,
    trafficLabel(f),
    controlLabel(f),
    interfacesLabel(f),
    peersLabel(f),
    String(f.traffic.records),
    fixLabel(f),
  ]);
  const compactRows = listed.map(compactRow);
  const listedCampaigns = campaigns.slice(0, MAX_NOISE_ROWS);
  const campaignRows = listedCampaigns.map((f, i) => [
    String(i + 1),
    campaignLabel(f),
    String(f.campaign?.sourceCount ?? f.traffic.peerCount ?? f.traffic.peers.length),
    String(f.campaign?.hostCount ?? f.traffic.interfaces.length),
    campaignPortsLabel(f),
    String(f.traffic.records),
    seenLabel(f.traffic.firstSeen, f.traffic.lastSeen),
    compactControlLabel(f),
  ]);
  const campaignNotes = listedCampaigns.map(campaignNote).filter((line): line is string => line !== null);
  const hiddenNoise = Math.max(noiseRules.length - MAX_NOISE_ROWS, 0) + Math.max(campaigns.length - MAX_NOISE_ROWS, 0);
  return { actionable, noise, campaigns, rows, compactRows, campaignRows, campaignNotes, hiddenNoise };
}

/** Sums of a set of noise findings: records, sources, and the busiest sources and probed services over all of them. */
export interface NoiseTotals {
  findings: number;
  campaigns: number;
  records: number;
  sources: number;
  topSources: Array<{ address: string; records: number }>;
  topPorts: Array<{ service: string; records: number }>;
}

export function noiseTotals(noise: Finding[], max = 5): NoiseTotals {
  const bySource = new Map<string, number>();
  const byService = new Map<string, number>();
  let records = 0;
  let sources = 0;
  for (const finding of noise) {
    records += finding.traffic.records;
    sources += finding.campaign?.sourceCount ?? 0;
    for (const peer of finding.traffic.peers) bySource.set(peer.address, (bySource.get(peer.address) ?? 0) + peer.records);
    const ports = finding.campaign?.ports ?? [
      { protocol: finding.traffic.protocol, port: finding.traffic.port, records: finding.traffic.records },
    ];
    for (const p of ports) {
      const service = describeTraffic(p.protocol, p.port);
      byService.set(service, (byService.get(service) ?? 0) + p.records);
    }
  }
  if (noise.some((f) => !f.campaign)) sources = bySource.size;
  const top = <K>(map: Map<string, number>, name: (key: string, n: number) => K) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, max)
      .map(([k, n]) => name(k, n));
  return {
    findings: noise.length,
    campaigns: noise.filter((f) => f.kind === 'campaign').length,
    records,
    sources,
    topSources: top(bySource, (address, n) => ({ address, records: n })),
    topPorts: top(byService, (service, n) => ({ service, records: n })),
  };
}

/** `5 scanner campaigns: 753 records from 44 sources, no fix; busiest sources: a (n) …; most probed: tcp/23 (n) …`. */
export function noiseSummary(noise: Finding[]): string {
  const t = noiseTotals(noise);
  const what =
    t.campaigns === t.findings
      ? `${t.campaigns} scanner campaign${t.campaigns === 1 ? '' : 's'}`
      : `${t.findings} likely-noise finding${t.findings === 1 ? '' : 's'}`;
  return (
    `${what}: ${t.records} records from ${t.sources} source${t.sources === 1 ? '' : 's'}, no fix; ` +
    `busiest sources: ${t.topSources.map((s) => `${s.address} (${s.records})`).join(', ')}; ` +
    `most probed: ${t.topPorts.map((p) => `${p.service} (${p.records})`).join(', ')}`
  );
}

/** The coverage section of text and markdown: undecided records by reason, then degraded signals; empty when there is nothing to say. */
export function coverageLines(stats: DiagnoseStats): string[] {
  const lines: string[] = [];
  for (const group of stats.coverage.undecided) {
    const shown = group.interfaces.slice(0, 4).join(', ');
    const more = group.interfaceCount > 4 ? ` +${group.interfaceCount - 4} more` : '';
    lines.push(
      `undecided, ${group.reason}: ${group.records} records on ${group.interfaceCount} interface${group.interfaceCount === 1 ? '' : 's'} (${shown}${more}): ${group.meaning}`,
    );
  }
  for (const signal of stats.coverage.degradedSignals) lines.push(`degraded, ${signal.kind}: ${signal.detail}; ${signal.cost}`);
  return lines;
}
