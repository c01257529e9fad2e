import type { Classification } from '../../engine/findings/finding';
import { SEVERITY_ORDER } from '../../engine/findings/finding-text';
import type { Delta, ReportData, ScannerActivity } from './report-data';
import { readablePeriod, readableTime } from './readable-time.util';

const CLASSIFICATION_ORDER: readonly Classification[] = ['likely-misconfiguration', 'uncertain', 'likely-noise'];

/** A Markdown report for chat, wikis and pull requests. */
export function renderMarkdownReport(data: ReportData): string {
  const f = data.totals.findings;
  const targetName = new Map(data.targets.map((t) => [t.id, t.name]));
  const actionable = data.findings.filter((r) => r.classification !== 'likely-noise');
  const out: string[] = [
    `# ${inline(data.title)}`,
    '',
    `Period: ${readablePeriod(data.period)} · generated ${readableTime(data.generatedAt)}`,
    '',
    `Targets: ${data.targets.map((t) => `${inline(t.name)} (${t.accountId}/${t.region})`).join(', ') || 'none'}`,
    '',
    '## Summary',
    '',
    table(
      ['Measure', 'Value', 'Change'],
      [
        ['Blocked records', String(data.totals.rejectedRecords), change(data.trend?.rejectedRecords)],
        ['Open misconfigurations', String(f.open.byClassification['likely-misconfiguration']), '—'],
        ['Open findings', String(f.open.total), change(data.trend?.openFindings)],
        ['New findings', String(f.new.total), change(data.trend?.newFindings)],
        ['Resolved findings', String(f.resolved.total), change(data.trend?.resolvedFindings)],
        ['Recurring findings', String(f.recurring.total), change(data.trend?.recurringFindings)],
      ],
    ),
    '',
    `Open by severity: ${SEVERITY_ORDER.map((k) => `${k} ${f.open.bySeverity[k] ?? 0}`).join(', ')}.`,
    `Open by classification: ${CLASSIFICATION_ORDER.map((k) => `${k} ${f.open.byClassification[k] ?? 0}`).join(', ')}.`,
    '',
    '## Top blocked services (findings that may need a change)',
    '',
    data.topServices.length > 0
      ? table(
          ['Service', 'Records', 'Findings'],
          data.topServices.map((s) => [s.label, String(s.records), String(s.findings)]),
        )
      : 'None.',
    '',
    '## Top blocked peers (findings that may need a change)',
    '',
    data.topPeers.length > 0
      ? table(
          ['Peer', 'Records', 'Findings'],
          data.topPeers.map((p) => [p.address, String(p.records), String(p.findings)]),
        )
      : 'None.',
    '',
    '## Coverage: what the analysis could not see',
    '',
    ...(data.notAnalysed ?? []).map(
      (n) =>
        `- not analysed (target ${inline(targetName.get(n.targetId) ?? n.targetId)}): ${n.status}: ${inline(n.reason)}; its findings are those of earlier analyses`,
    ),
    ...(data.inputNotRead ?? []).map(
      (i) =>
        `- input not read (target ${inline(targetName.get(i.targetId) ?? i.targetId)}): ${i.malformedLines} malformed lines, ${i.incompleteRecords} incomplete records, ${i.filesSkipped} files skipped` +
        i.warnings.map((w) => `; ${inline(w.file)}: ${inline(w.message)}`).join('') +
        (i.moreWarnings > 0 ? `; ${i.moreWarnings} more warnings in analysis ${code(i.analysisId)}` : ''),
    ),
    ...(data.accountsNotRead ?? []).map(
      (a) =>
        `- account not read (target ${inline(targetName.get(a.targetId) ?? a.targetId)}): ${code(a.accountId)} in ${inline(a.region)}: ${a.status}: ${inline(a.reason)}`,
    ),
    ...(data.coverageGaps.length > 0
      ? data.coverageGaps.map(
          (g) =>
            `- ${g.resourceType} \`${code(g.resourceId)}\` (target ${inline(targetName.get(g.targetId) ?? g.targetId)}): ${inline(g.reason)}`,
        )
      : ['Every resource in scope has a flow log that captures rejected traffic.']),
    ...(data.undecided ?? []).map(
      (u) =>
        `- undecided \`${code(u.reason)}\` (target ${inline(targetName.get(u.targetId) ?? u.targetId)}): ${u.records} records on ${u.interfaceCount} interface(s): ${inline(u.meaning)}`,
    ),
    ...(data.degradedSignals ?? []).map(
      (d) =>
        `- degraded \`${code(d.kind)}\` (target ${inline(targetName.get(d.targetId) ?? d.targetId)}): ${inline(d.detail)}; ${inline(d.cost)}`,
    ),
    '',
    '## Findings',
    '',
    actionable.length > 0
      ? table(
          ['Severity', 'Classification', 'Status', 'Blocked by', 'Service', 'Records', 'Fix', 'Ticket'],
          actionable.map((r) => [
            r.severity,
            r.classification,
            `${r.status} (${r.lifecycle})`,
            r.blockedBy,
            `${r.service} ${r.direction}`,
            String(r.records),
            r.fixSummary,
            r.ticket ? `[${r.ticket.key}](${r.ticket.url})` : '',
          ]),
        )
      : 'No findings that need a change.',
    ...(data.scannerActivity ? ['', ...scannerSection(data.scannerActivity)] : []),
  ];
  const withFixes = data.findings.filter((r) => r.awsCli !== null);
  if (withFixes.length > 0) {
    out.push('', '## Suggested fixes');
    for (const r of withFixes) {
      out.push(
        '',
        `### ${inline(r.title)}`,
        '',
        `Fingerprint \`${code(r.fingerprint)}\` · ${r.fixVerified ? 'verified' : 'not verified'}`,
        '',
      );
      out.push(fence(r.awsCli!, 'bash'));
      if (r.terraform) out.push('', fence(r.terraform, 'hcl'));
      if (r.risks.length > 0) out.push('', ...r.risks.map((risk) => `- Risk: ${inline(risk)}`));
    }
  }
  return out.join('\n') + '\n';
}

function scannerSection(s: ScannerActivity): string[] {
  if (s.campaigns === 0) return ['## Scanner activity', '', 'No scanner activity.'];
  return [
    '## Scanner activity',
    '',
    `${s.campaigns} campaign${s.campaigns === 1 ? '' : 's'}, ${s.records} blocked records from ${s.sources} source${s.sources === 1 ? '' : 's'} ` +
      `${s.trend ? `(${change(s.trend)} records vs previous) ` : ''}— no change is suggested for noise. ` +
      `Busiest sources: ${s.topSources.map((p) => `${p.address} (${p.records})`).join(', ')}. ` +
      `Most probed: ${s.topPorts.map((p) => `${p.label} (${p.records})`).join(', ')}.`,
    '',
    table(
      ['Campaign', 'Target', 'Sources', 'Hosts', 'Ports probed', 'Records', 'Seen', 'Lifecycle'],
      s.rows.map((r) => [
        r.label,
        r.targetName,
        String(r.sources),
        String(r.hosts),
        `${r.ports} (${r.topPorts.join(', ')}${r.ports > r.topPorts.length ? ' …' : ''})`,
        String(r.records),
        `${readableTime(r.firstSeen)} – ${readableTime(r.lastSeen)}`,
        r.lifecycle,
      ]),
    ),
  ];
}

function table(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** Table cells: one line, pipes escaped, no raw HTML. */
function cell(value: string): string {
  return inline(value).replace(/\|/g, '\\|');
}

/** Inline text: no line breaks and no raw HTML. */
function inline(value: string): string {
  return value
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function code(value: string): string {
  return value.replace(/`/g, "'");
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fence(body: string, language: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}${language}\n${body}\n${marks}`;
}

function change(delta: Delta | undefined): string {
  if (!delta) return '—';
  const sign = delta.change > 0 ? '+' : '';
  return delta.changePercent === null ? `${sign}${delta.change}` : `${sign}${delta.change} (${sign}${delta.changePercent}%)`;
}
