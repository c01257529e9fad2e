import type { Classification } from '../../engine/findings/finding';
import { SEVERITY_ORDER } from '../../engine/findings/finding-text';
import type { CountBreakdown, Delta, ReportData, ReportFindingRow, ScannerActivity } from './report-data';
import { escapeHtml as e, safeHref } from './html-escape.util';
import { readablePeriod, readableTime } from './readable-time.util';
import { renderRejectedFlowsChart } from './rejected-flows-chart';

const SEVERITY_COLORS: Record<string, string> = { critical: '#c92a2a', high: '#e8590c', medium: '#f08c00', low: '#5c940d' };
const CLASSIFICATION_ORDER: readonly Classification[] = ['likely-misconfiguration', 'uncertain', 'likely-noise'];

/**
 * A self-contained HTML page: inline CSS, an inline SVG chart, no scripts and no external
 * resources, so it reads the same in a browser, a mail client or an archive. Every value from
 * the data is escaped.
 */
export function renderHtmlReport(data: ReportData): string {
  const f = data.totals.findings;
  const period = readablePeriod(data.period);
  const targetName = new Map(data.targets.map((t) => [t.id, t.name]));
  const actionable = data.findings.filter((r) => r.classification !== 'likely-noise');
  const perBucket = data.rejectedSeries.bucketSeconds >= 86_400 ? 'day' : 'hour';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(data.title)} · ${e(period)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(data.title)}</h1>
<p class="meta">${e(period)} · generated ${e(readableTime(data.generatedAt))}</p>
<p class="meta">Targets: ${data.targets.map((t) => `${e(t.name)} <span class="muted">(${e(t.accountId)} / ${e(t.region)})</span>`).join(', ') || 'none'}</p>
</header>
<section class="cards">
${card('Blocked records', data.totals.rejectedRecords, data.trend?.rejectedRecords, true)}
${card('Open misconfigurations', f.open.byClassification['likely-misconfiguration'], undefined, true)}
${card('Open findings (all)', f.open.total, data.trend?.openFindings, true)}
${card('New findings', f.new.total, data.trend?.newFindings, true)}
${card('Resolved findings', f.resolved.total, data.trend?.resolvedFindings, false)}
${card('Recurring findings', f.recurring.total, data.trend?.recurringFindings, true)}
${data.scannerActivity ? card('Scanner records', data.scannerActivity.records, data.scannerActivity.trend ?? undefined, true) : ''}
</section>
<section>
<h2>Blocked records per ${perBucket}</h2>
<figure class="chart">${renderRejectedFlowsChart(data.rejectedSeries)}</figure>
</section>
<section class="columns">
<div>
<h2>Open findings by severity</h2>
${breakdownTable(f.open, 'bySeverity')}
</div>
<div>
<h2>Open findings by classification</h2>
${breakdownTable(f.open, 'byClassification')}
</div>
</section>
<section class="columns">
<div>
<h2>Top blocked services <span class="muted">(findings that may need a change)</span></h2>
${simpleTable(
  ['Service', 'Records', 'Findings'],
  data.topServices.map((s) => [e(s.label), num(s.records), num(s.findings)]),
  'No blocked services.',
)}
</div>
<div>
<h2>Top blocked peers <span class="muted">(findings that may need a change)</span></h2>
${simpleTable(
  ['Peer', 'Records', 'Findings'],
  data.topPeers.map((p) => [`<code>${e(p.address)}</code>`, num(p.records), num(p.findings)]),
  'No blocked peers.',
)}
</div>
</section>
<section>
<h2>Coverage: what the analysis could not see</h2>
${
  data.notAnalysed?.length
    ? `<h3>Targets not analysed</h3><p class="muted">Their findings are those of earlier analyses.</p>${simpleTable(
        ['Target', 'Analysis', 'Reason'],
        data.notAnalysed.map((n) => [e(targetName.get(n.targetId) ?? n.targetId), e(n.status), e(n.reason)]),
        '',
      )}`
    : ''
}
${
  data.inputNotRead?.length
    ? `<h3>Flow logs not read</h3>${simpleTable(
        ['Target', 'Malformed lines', 'Incomplete records', 'Files skipped', 'What and why'],
        data.inputNotRead.map((i) => [
          e(targetName.get(i.targetId) ?? i.targetId),
          num(i.malformedLines),
          num(i.incompleteRecords),
          num(i.filesSkipped),
          i.warnings.map((w) => `<code>${e(w.file)}</code> ${e(w.message)}`).join('<br>') +
            (i.moreWarnings > 0 ? `<br>${num(i.moreWarnings)} more warnings in analysis <code>${e(i.analysisId)}</code>` : ''),
        ]),
        '',
      )}`
    : ''
}
${
  data.accountsNotRead?.length
    ? `<h3>Member accounts not read</h3>${simpleTable(
        ['Target', 'Account', 'Status', 'Reason'],
        data.accountsNotRead.map((a) => [
          e(targetName.get(a.targetId) ?? a.targetId),
          `<code>${e(a.accountId)}</code> ${e(a.region)}`,
          e(a.status),
          e(a.reason),
        ]),
        '',
      )}`
    : ''
}
${
  data.coverageGaps.length > 0
    ? simpleTable(
        ['Target', 'Resource', 'Reason'],
        data.coverageGaps.map((g) => [
          e(targetName.get(g.targetId) ?? g.targetId),
          `${e(g.resourceType)} <code>${e(g.resourceId)}</code>`,
          e(g.reason),
        ]),
        '',
      )
    : '<p>Every resource in scope has a flow log that captures rejected traffic.</p>'
}
${
  data.undecided?.length
    ? `<h3>Undecided records</h3>${simpleTable(
        ['Target', 'Reason', 'Records', 'Interfaces'],
        data.undecided.map((u) => [
          e(targetName.get(u.targetId) ?? u.targetId),
          `<code>${e(u.reason)}</code> <span class="muted">${e(u.meaning)}</span>`,
          num(u.records),
          `${u.interfaces
            .slice(0, 5)
            .map((i) => `<code>${e(i)}</code>`)
            .join(', ')}${u.interfaceCount > 5 ? ` +${num(u.interfaceCount - 5)} more` : ''}`,
        ]),
        '',
      )}`
    : ''
}
${
  data.degradedSignals?.length
    ? `<h3>What the logs do not show</h3>${simpleTable(
        ['Target', 'Signal', 'What it costs'],
        data.degradedSignals.map((d) => [
          e(targetName.get(d.targetId) ?? d.targetId),
          `<code>${e(d.kind)}</code> ${e(d.detail)}`,
          e(d.cost),
        ]),
        '',
      )}`
    : ''
}
</section>
<section>
<h2>Findings that may need a change</h2>
${actionable.length > 0 ? actionable.map(findingBlock).join('\n') : '<p>No findings that need a change.</p>'}
</section>
${data.scannerActivity ? scannerSection(data.scannerActivity) : ''}
<footer><p class="muted">sgdoctor · report ${e(data.id)}</p></footer>
</body>
</html>
`;
}

function card(label: string, value: number, delta: Delta | undefined, upIsBad: boolean): string {
  let trend = '';
  if (delta) {
    const cls = delta.change === 0 ? 'flat' : delta.change > 0 === upIsBad ? 'worse' : 'better';
    const sign = delta.change > 0 ? '+' : '';
    const pct = delta.changePercent === null ? '' : ` (${sign}${delta.changePercent}%)`;
    trend = `<div class="delta ${cls}">${sign}${num(delta.change)}${e(pct)} vs previous</div>`;
  }
  return `<div class="card"><div class="label">${e(label)}</div><div class="value">${num(value)}</div>${trend}</div>`;
}

function breakdownTable(b: CountBreakdown, key: 'bySeverity' | 'byClassification'): string {
  const rows =
    key === 'bySeverity'
      ? SEVERITY_ORDER.map((name) => [severityBadge(name), num(b.bySeverity[name] ?? 0)])
      : CLASSIFICATION_ORDER.map((name) => [e(name), num(b.byClassification[name] ?? 0)]);
  return simpleTable([key === 'bySeverity' ? 'Severity' : 'Classification', 'Findings'], rows, '');
}

/** Cells are already-escaped HTML. */
function simpleTable(header: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p>${e(empty)}</p>`;
  return `<table><thead><tr>${header.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function findingBlock(r: ReportFindingRow): string {
  const ticketHref = r.ticket ? safeHref(r.ticket.url) : null;
  const ticket = r.ticket ? (ticketHref ? `<a href="${e(ticketHref)}">${e(r.ticket.key)}</a>` : e(r.ticket.key)) : '';
  const fix =
    r.awsCli === null
      ? '<p class="muted">No change suggested.</p>'
      : `<p>${e(r.fixSummary)}</p>
<details open><summary>AWS CLI</summary><pre><code>${e(r.awsCli)}</code></pre></details>
${r.terraform ? `<details open><summary>Terraform</summary><pre><code>${e(r.terraform)}</code></pre></details>` : ''}
${r.risks.length > 0 ? `<ul class="risks">${r.risks.map((risk) => `<li>${e(risk)}</li>`).join('')}</ul>` : ''}`;
  return `<article class="finding">
<h3>${severityBadge(r.severity)} ${e(r.title)}</h3>
<p class="meta">${e(r.classification)} · ${e(r.status)} (${e(r.lifecycle)}) · ${num(r.records)} records from ${num(r.peers)} peers · ${e(readableTime(r.firstSeen))} to ${e(readableTime(r.lastSeen))}${ticket ? ` · ticket ${ticket}` : ''}</p>
<p class="meta">Fingerprint <code>${e(r.fingerprint)}</code> · target ${e(r.targetName ?? r.targetId)}</p>
${fix}
</article>`;
}

/** Scanner noise summed up: totals, the busiest sources and services, one row per campaign. */
function scannerSection(s: ScannerActivity): string {
  const summary =
    s.campaigns === 0
      ? '<p>No scanner activity.</p>'
      : `<p>${num(s.campaigns)} campaign${s.campaigns === 1 ? '' : 's'}, ${num(s.records)} blocked records from ${num(s.sources)} source${s.sources === 1 ? '' : 's'}. No change is suggested for noise.</p>`;
  const rows = s.rows.map((r) => [
    `<code>${e(r.label)}</code>`,
    e(r.targetName),
    num(r.sources),
    num(r.hosts),
    `${num(r.ports)}${r.topPorts.length ? ` <span class="muted">(${e(r.topPorts.join(', '))}${r.ports > r.topPorts.length ? ' …' : ''})</span>` : ''}`,
    num(r.records),
    `${e(readableTime(r.firstSeen))} – ${e(readableTime(r.lastSeen))}`,
    e(r.lifecycle),
  ]);
  return `<section>
<h2>Scanner activity</h2>
${summary}
${
  s.campaigns > 0
    ? `<section class="columns">
<div>${simpleTable(
        ['Busiest source', 'Records'],
        s.topSources.map((p) => [`<code>${e(p.address)}</code>`, num(p.records)]),
        '',
      )}</div>
<div>${simpleTable(
        ['Most probed service', 'Records'],
        s.topPorts.map((p) => [e(p.label), num(p.records)]),
        '',
      )}</div>
</section>
${simpleTable(['Campaign', 'Target', 'Sources', 'Hosts', 'Ports probed', 'Records', 'Seen', 'Lifecycle'], rows, '')}
${s.campaigns > s.rows.length ? `<p class="muted">${num(s.campaigns - s.rows.length)} smaller campaigns not listed.</p>` : ''}`
    : ''
}
</section>`;
}

function severityBadge(severity: string): string {
  const color = SEVERITY_COLORS[severity] ?? '#495057';
  return `<span class="badge" style="background:${color}">${e(severity)}</span>`;
}

function num(n: number): string {
  return e(n.toLocaleString('en-US'));
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:24px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;background:#fff}
h1{font-size:28px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid #e9ecef;padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}
.meta{margin:2px 0;color:#495057}
.muted{color:#868e96}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:20px}
.card{flex:1 1 160px;border:1px solid #dee2e6;border-radius:8px;padding:12px 16px;background:#f8f9fa}
.card .label{font-size:13px;color:#495057;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:30px;font-weight:700}
.delta{font-size:13px}
.delta.worse{color:#c92a2a}.delta.better{color:#2b8a3e}.delta.flat{color:#868e96}
.chart{margin:0;overflow-x:auto}
.chart svg{max-width:100%;height:auto}
.columns{display:flex;flex-wrap:wrap;gap:24px}
.columns>div{flex:1 1 420px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e9ecef;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
td:nth-child(n+2){font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:#212529;color:#f8f9fa;padding:12px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.finding{border:1px solid #dee2e6;border-left:4px solid #d9480f;border-radius:6px;padding:12px 16px;margin:12px 0}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;text-transform:uppercase;vertical-align:middle}
.risks{color:#862e9c;margin:6px 0}
details summary{cursor:pointer;color:#495057}
footer{margin-top:32px}
`;
