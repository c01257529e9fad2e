import type { DiagnoseResult } from '../engine/diagnose/diagnose';
import type { Finding } from '../engine/findings/finding';
import { describeControl } from './explain-line';
import {
  OVERVIEW_COLUMNS,
  controlLabel,
  hiddenPeerCount,
  interfaceLabel,
  noiseSummary,
  overview,
  trafficLabel,
  verificationLabel,
} from './finding-labels';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  return rows.map((row) => row.map((text, col) => text.padEnd(widths[col])).join('  ').trimEnd()).join('\n');
}

function indent(text: string, prefix = '    '): string {
  return text.split('\n').map((line) => prefix + line).join('\n');
}

function details(finding: Finding, index: number): string {
  const t = finding.traffic;
  const lines = [
    `[${index + 1}] ${trafficLabel(finding)} blocked by ${controlLabel(finding)}`,
    `  fingerprint     ${finding.fingerprint}`,
    `  classification  ${finding.classification} (${finding.signals.join(', ') || 'no signals'})`,
    `  severity        ${finding.severity}`,
    `  seen            ${t.records} records, ${t.packets} packets, ${t.bytes} bytes, ${t.firstSeen} .. ${t.lastSeen}`,
    `  interfaces      ${t.interfaces.map(interfaceLabel).join(', ')}`,
  ];
  if (finding.alsoBlockedBy?.length) lines.push(`  also blocked by ${finding.alsoBlockedBy.map(describeControl).join(', ')}`);
  lines.push('  peers');
  for (const peer of t.peers) {
    const known = peer.interface ? ` ${peer.owner ? `${peer.owner} ` : ''}${peer.interface}${peer.groupIds?.length ? ` [${peer.groupIds.join(', ')}]` : ''}` : '';
    lines.push(`    ${peer.address}${known}: ${peer.records} records`);
  }
  const more = hiddenPeerCount(finding);
  if (more > 0) lines.push(`    … ${more} more`);
  const fix = finding.suggestedFix;
  if (!fix) {
    lines.push(`  fix             ${finding.classification === 'likely-noise' ? 'none: looks like noise' : (finding.fixNote?.message ?? 'none')}`);
  } else {
    lines.push(`  fix             ${verificationLabel(fix)}`);
    if (finding.fixNote) lines.push(`  fix scope       ${finding.fixNote.message}`);
    lines.push(indent(fix.awsCli));
    if (fix.risks.length) {
      lines.push('  risks');
      for (const risk of fix.risks) lines.push(`    - ${risk.message}`);
    }
  }
  return lines.join('\n');
}

/** `diagnose --format text`: a findings table with the fix, then details per finding. */
export function renderText(result: DiagnoseResult): string {
  const { findings, stats } = result;
  const summary =
    `${stats.rejectedRecords} rejected records (${stats.rejected.blocked.records} blocked, ${stats.rejected.allowed.records} now allowed, ` +
    `${stats.rejected.unknown.records} undecided); ${stats.findings.total} findings ` +
    `(${stats.findings.byClassification['likely-misconfiguration']} likely misconfiguration, ` +
    `${stats.findings.byClassification.uncertain} uncertain, ${stats.findings.byClassification['likely-noise']} likely noise)`;
  if (!findings.length) return `${summary}\nNo findings.\n`;
  const { actionable, noise, rows, hiddenNoise } = overview(findings);
  const parts = [summary, '', table([OVERVIEW_COLUMNS.map((heading) => heading.toUpperCase()), ...rows])];
  if (hiddenNoise > 0) parts.push(`… ${hiddenNoise} more likely-noise findings (all of them in --format json)`);
  if (actionable.length) parts.push('', actionable.map(details).join('\n\n'));
  if (noise.length) parts.push('', noiseSummary(noise));
  return `${parts.join('\n')}\n`;
}
