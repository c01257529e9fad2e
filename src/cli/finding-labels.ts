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
