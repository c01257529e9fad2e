import type { Finding, FindingInterface } from '../engine/findings/finding';
import type { SuggestedFix } from '../engine/fixes/fix';
import { describeTraffic } from '../engine/network/protocol';
import { describeControl } from './explain-line';

/** `eni-… (elb:app/web)` — what owns an interface first, so load balancers are named. */
export function interfaceLabel(iface: FindingInterface): string {
  return iface.owner ? `${iface.owner} (${iface.id})` : iface.id;
}

export function trafficLabel(finding: Finding): string {
  const t = finding.traffic;
  return `${t.direction} ${describeTraffic(t.protocol, t.port)}${t.returnTraffic ? ' return traffic' : ''}`;
}

export function controlLabel(finding: Finding): string {
  return describeControl(finding.blockedBy);
}

export function interfacesLabel(finding: Finding, max = 3): string {
  const list = finding.traffic.interfaces;
  const shown = list.slice(0, max).map(interfaceLabel).join(', ');
  return list.length > max ? `${shown} +${list.length - max} more` : shown;
}

export function peersLabel(finding: Finding, max = 3): string {
  const list = finding.traffic.peers;
  const total = finding.traffic.peerCount ?? list.length;
  const shown = list.slice(0, max).map((p) => p.address).join(', ');
  return total > max ? `${shown} +${total - max} more` : shown;
}

/** Peers left out of `traffic.peers` (the finding keeps only the busiest). */
export function hiddenPeerCount(finding: Finding): number {
  const t = finding.traffic;
  return (t.peerCount ?? t.peers.length) - t.peers.length;
}

/** Whether simulating the fix unblocks the flows, in the words both reports use. */
export function verificationLabel(fix: SuggestedFix): string {
  return fix.verified ? 'verified by simulation' : 'NOT verified: the flows stay blocked after it';
}

export function fixLabel(finding: Finding): string {
  const fix = finding.suggestedFix;
  if (!fix) return finding.classification === 'likely-noise' ? 'none (noise)' : finding.fixNote ? `none (${finding.fixNote.reason})` : 'none';
  const scope = finding.fixNote ? `, ${finding.fixNote.excludedPeers} peers left out` : '';
  return `${fix.changes.map((c) => c.action).join(' + ')}${fix.verified ? ' (verified' : ' (NOT verified'}${scope})`;
}

/** At most this many noise findings are listed in text and markdown (JSON has them all). */
const MAX_NOISE_ROWS = 20;

/** Non-noise findings get full details; noise is summarised (it needs no action). */
function splitNoise(findings: Finding[]): { actionable: Finding[]; noise: Finding[] } {
  return {
    actionable: findings.filter((f) => f.classification !== 'likely-noise'),
    noise: findings.filter((f) => f.classification === 'likely-noise'),
  };
}

/** Column headings of the findings table, in order. */
export const OVERVIEW_COLUMNS = ['#', 'severity', 'classification', 'traffic', 'blocked by', 'interfaces', 'peers', 'records', 'fix'];

export interface Overview {
  actionable: Finding[];
  noise: Finding[];
  /** One row per listed finding, cells in OVERVIEW_COLUMNS order: actionable findings, then the first noise ones. */
  rows: string[][];
  /** Noise findings left out of the table (past MAX_NOISE_ROWS). */
  hiddenNoise: number;
}

/** The findings table of the text and markdown reports, before either formats it. */
export function overview(findings: Finding[]): Overview {
  const { actionable, noise } = splitNoise(findings);
  const listed = [...actionable, ...noise.slice(0, MAX_NOISE_ROWS)];
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
  return { actionable, noise, rows, hiddenNoise: Math.max(noise.length - MAX_NOISE_ROWS, 0) };
}

/** `N likely-noise findings, R records; busiest sources: a (n), b (m)`. */
export function noiseSummary(noise: Finding[]): string {
  const bySource = new Map<string, number>();
  let records = 0;
  for (const finding of noise) {
    records += finding.traffic.records;
    for (const peer of finding.traffic.peers) bySource.set(peer.address, (bySource.get(peer.address) ?? 0) + peer.records);
  }
  const top = [...bySource.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
  return `${noise.length} likely-noise finding${noise.length === 1 ? '' : 's'} (${records} records, no fix); busiest sources: ${top.map(([a, n]) => `${a} (${n})`).join(', ')}`;
}
