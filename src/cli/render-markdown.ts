import type { DiagnoseResult } from '../engine/diagnose/diagnose';
import type { Finding } from '../engine/findings/finding';
import { describeControl, interfaceLabel, staleRulesMessage } from '../engine/findings/finding-text';
import {
  CAMPAIGN_COLUMNS,
  OVERVIEW_COLUMNS,
  controlLabel,
  coverageLines,
  hiddenPeerCount,
  noiseSummary,
  overview,
  trafficLabel,
  verificationLabel,
} from './finding-labels';
import { escapeControl } from './input-errors';

/** Table cells may not contain pipes or newlines; other control characters are escaped (`\x1b`). */
function cell(text: string): string {
  return escapeControl(text.replace(/\n/g, ' ')).replace(/\|/g, '\\|');
}

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function details(finding: Finding, index: number): string {
  const t = finding.traffic;
  const lines = [
    `### ${index + 1}. ${trafficLabel(finding)} blocked by ${controlLabel(finding)}`,
    '',
    `- Fingerprint: \`${finding.fingerprint}\``,
    `- Classification: **${finding.classification}** (${finding.signals.join(', ') || 'no signals'}), severity **${finding.severity}**`,
    `- Records: ${t.records}, packets: ${t.packets}, bytes: ${t.bytes}, from ${t.firstSeen} to ${t.lastSeen}`,
    `- Interfaces: ${t.interfaces.map(interfaceLabel).join(', ')}`,
  ];
  if (finding.alsoBlockedBy?.length) lines.push(`- Also blocked by: ${finding.alsoBlockedBy.map(describeControl).join(', ')}`);
  lines.push('', '| peer | interface | security groups | records |', '|---|---|---|---|');
  for (const peer of t.peers) {
    lines.push(
      `| ${cell(peer.address)} | ${cell(peer.owner ? `${peer.owner} (${peer.interface})` : (peer.interface ?? ''))} | ${cell((peer.groupIds ?? []).join(', '))} | ${peer.records} |`,
    );
  }
  const more = hiddenPeerCount(finding);
  if (more > 0) lines.push(`| … ${more} more | | | |`);
  const stale = staleRulesMessage(finding);
  if (stale) lines.push('', `**Stale rule:** ${stale}`);
  const fix = finding.suggestedFix;
  lines.push('');
  if (!fix) {
    lines.push(
      finding.classification === 'likely-noise' ? 'No fix: this looks like noise.' : (finding.fixNote?.message ?? 'No fix suggested.'),
    );
  } else {
    lines.push(`**Suggested fix** (${verificationLabel(fix)}):`, '');
    if (finding.fixNote) lines.push(finding.fixNote.message, '');
    const block = (language: string, text: string) => [`\`\`\`${language}`, ...text.split('\n'), '```'];
    lines.push(...block('sh', fix.awsCli), '', ...block('hcl', fix.terraform), '', ...block('json', fix.cloudFormation));
    if (fix.risks.length) {
      lines.push('', 'Risks:');
      for (const risk of fix.risks) lines.push(`- ${risk.message}`);
    }
  }
  const hostPorts = finding.dynamicHostPorts;
  if (hostPorts) {
    lines.push('', `**Port range:** ${hostPorts.message}`);
    if (hostPorts.fix) {
      lines.push('', '```sh', ...hostPorts.fix.awsCli.split('\n'), '```');
      // What the range rule opens is its own: the finding's risks above are the one-port fix's.
      if (hostPorts.fix.risks.length) {
        lines.push('', 'Risks of the range rule:');
        for (const risk of hostPorts.fix.risks) lines.push(`- ${risk.message}`);
      }
    }
  }
  // Each entry is one line: a value's control characters (a newline too) cannot reach the terminal.
  return lines.map(escapeControl).join('\n');
}

/**
 * `diagnose --format markdown`: a findings table with the fix, then details per finding, then
 * stats. Control characters in values are escaped as in file names (`\n`, `\x1b`).
 */
export function renderMarkdown(result: DiagnoseResult): string {
  const { findings, stats } = result;
  const out = ['# sgdoctor diagnosis', ''];
  out.push(
    `${stats.rejectedRecords} rejected records: ${stats.rejected.blocked.records} blocked by the current configuration, ` +
      `${stats.rejected.allowed.records} now allowed, ${stats.rejected.unknown.records} undecided. ` +
      `${stats.findings.total} findings: ${stats.findings.byClassification['likely-misconfiguration']} likely misconfiguration, ` +
      `${stats.findings.byClassification.uncertain} uncertain, ${stats.findings.byClassification['likely-noise']} likely noise.`,
    '',
  );
  if (!findings.length) return `${out.join('\n')}No findings.\n`;
  const { actionable, noise, rows, campaignRows, campaignNotes, hiddenNoise } = overview(findings);
  if (rows.length)
    out.push(tableRow(OVERVIEW_COLUMNS), `${'|---'.repeat(OVERVIEW_COLUMNS.length)}|`, ...rows.map((row) => tableRow(row.map(cell))), '');
  if (actionable.length) {
    out.push('## Findings', '');
    actionable.forEach((f, i) => out.push(details(f, i), ''));
  }
  if (noise.length) {
    out.push('## Scanner activity', '', `${escapeControl(noiseSummary(noise))}.`, '');
    if (campaignRows.length) {
      out.push(
        tableRow(CAMPAIGN_COLUMNS),
        `${'|---'.repeat(CAMPAIGN_COLUMNS.length)}|`,
        ...campaignRows.map((row) => tableRow(row.map(cell))),
        '',
      );
    }
    if (campaignNotes.length) out.push(...campaignNotes.map((line) => `- ${escapeControl(line)}`), '');
  }
  if (hiddenNoise > 0) out.push(`… ${hiddenNoise} more likely-noise findings (all of them in \`--format json\`).`, '');
  const coverage = coverageLines(stats);
  if (coverage.length) out.push('## Coverage', '', ...coverage.map((line) => `- ${cell(line)}`), '');
  return `${out.join('\n')}`;
}
