import type { Delta, ReportData } from './report-data';

/** A Markdown report for chat, wikis and pull requests. */
export function renderMarkdownReport(data: ReportData): string {
  const f = data.totals.findings;
  const out: string[] = [
    `# ${inline(data.title)}`,
    '',
    `Period: ${data.period.from} to ${data.period.to} · generated ${data.generatedAt}`,
    '',
    `Targets: ${data.targets.map((t) => `${inline(t.name)} (${t.accountId}/${t.region})`).join(', ') || 'none'}`,
    '',
    '## Summary',
    '',
    table(
      ['Measure', 'Value', 'Change'],
      [
        ['Rejected records', String(data.totals.rejectedRecords), change(data.trend?.rejectedRecords)],
        ['Open findings', String(f.open.total), change(data.trend?.openFindings)],
        ['New findings', String(f.new.total), change(data.trend?.newFindings)],
        ['Resolved findings', String(f.resolved.total), change(data.trend?.resolvedFindings)],
        ['Recurring findings', String(f.recurring.total), change(data.trend?.recurringFindings)],
      ],
    ),
    '',
    `Open by severity: ${Object.entries(f.open.bySeverity).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    `Open by classification: ${Object.entries(f.open.byClassification).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '## Top blocked services',
    '',
    data.topServices.length > 0
      ? table(['Service', 'Records', 'Findings'], data.topServices.map((s) => [s.label, String(s.records), String(s.findings)]))
      : 'None.',
    '',
    '## Top blocked peers',
    '',
    data.topPeers.length > 0
      ? table(['Peer', 'Records', 'Findings'], data.topPeers.map((p) => [p.address, String(p.records), String(p.findings)]))
      : 'None.',
    '',
    '## Flow-log coverage gaps',
    '',
    ...(data.coverageGaps.length > 0
      ? data.coverageGaps.map((g) => `- ${g.resourceType} \`${code(g.resourceId)}\` (target ${inline(g.targetId)}): ${inline(g.reason)}`)
      : ['Every resource in scope has a flow log that captures rejected traffic.']),
    '',
    '## Findings',
    '',
    data.findings.length > 0
      ? table(
          ['Severity', 'Classification', 'Status', 'Blocked by', 'Service', 'Records', 'Fix', 'Ticket'],
          data.findings.map((r) => [
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
      : 'No findings.',
  ];
  const withFixes = data.findings.filter((r) => r.awsCli !== null);
  if (withFixes.length > 0) {
    out.push('', '## Suggested fixes');
    for (const r of withFixes) {
      out.push('', `### ${inline(r.title)}`, '', `Fingerprint \`${code(r.fingerprint)}\` · ${r.fixVerified ? 'verified' : 'not verified'}`, '');
      out.push(fence(r.awsCli!, 'bash'));
      if (r.terraform) out.push('', fence(r.terraform, 'hcl'));
      if (r.risks.length > 0) out.push('', ...r.risks.map((risk) => `- Risk: ${inline(risk)}`));
    }
  }
  return out.join('\n') + '\n';
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
  return value.replace(/\r?\n|\r/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
