import type { Finding, FindingInterface } from '../engine/findings/finding';
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

export function fixLabel(finding: Finding): string {
  const fix = finding.suggestedFix;
  if (!fix) return finding.classification === 'likely-noise' ? 'none (noise)' : 'none';
  return `${fix.changes.map((c) => c.action).join(' + ')}${fix.verified ? ' (verified)' : ' (NOT verified)'}`;
}

/** At most this many noise findings are listed in text and markdown (JSON has them all). */
export const MAX_NOISE_ROWS = 20;

/** Non-noise findings get full details; noise is summarised (it needs no action). */
export function splitNoise(findings: Finding[]): { actionable: Finding[]; noise: Finding[] } {
  return {
    actionable: findings.filter((f) => f.classification !== 'likely-noise'),
    noise: findings.filter((f) => f.classification === 'likely-noise'),
  };
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
