import type { DiagnoseResult } from '../engine/diagnose/diagnose';
import type { Finding } from '../engine/findings/finding';
import { describeControl, interfaceLabel, staleRulesMessage } from '../engine/findings/finding-text';
import {
  CAMPAIGN_COLUMNS,
  COMPACT_COLUMNS,
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

export interface TextOptions {
  /** Fit the tables into this many columns (cells shortened with `…`); undefined: no limit (`--wide`). */
  width?: number;
}

/** Narrowest a shrinkable column gets before the table is allowed to overflow. */
const MIN_COLUMN_WIDTH = 10;
const GAP = 2;

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(width - 1, 0))}…`;
}

export interface FitRules {
  /** Columns that may be shortened (cells end in `…`), down to MIN_COLUMN_WIDTH. */
  shrinkable?: number[];
  /** Columns that may be left out when shortening is not enough, the first given first; they must be the last columns. */
  droppable?: number[];
}

const naturalWidths = (rows: string[][]) => rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
const tableWidth = (widths: number[]) => widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);

/**
 * Each row as a block of `HEADING  cell` lines, blocks a blank line apart: a table too wide for
 * the terminal in columns, listed. Every cell is kept; long ones are cut with `…` to the width.
 */
function listed(rows: string[][], width: number): string {
  const [headings, ...data] = rows;
  const label = Math.max(...headings.map((heading) => heading.length));
  const room = Math.max(width - label - GAP, MIN_COLUMN_WIDTH);
  return data
    .map((row) => row.map((cell, col) => `${headings[col].padEnd(label + GAP)}${clip(cell, room)}`.trimEnd()).join('\n'))
    .join('\n\n');
}

/**
 * Left-aligned columns two spaces apart, control characters in cells escaped. With a `width`,
 * droppable columns are left out (while the others, shortened, still would not fit), then the
 * shrinkable ones give up characters, widest first, until the table fits; a table that still does
 * not fit lists each row under the headings instead.
 */
export function table(rows: string[][], width?: number, rules: FitRules = {}): string {
  const escaped = rows.map((row) => row.map(escapeControl));
  let kept = escaped;
  let widths = naturalWidths(kept);
  if (width !== undefined) {
    const shrinkable = rules.shrinkable ?? [];
    const floor = (ws: number[]) => tableWidth(ws.map((w, col) => (shrinkable.includes(col) ? Math.min(w, MIN_COLUMN_WIDTH) : w)));
    for (const col of rules.droppable ?? []) {
      if (tableWidth(widths) <= width || floor(widths) <= width) break;
      kept = kept.map((row) => row.filter((_, i) => i !== col));
      widths = naturalWidths(kept);
    }
    let excess = tableWidth(widths) - width;
    while (excess > 0) {
      const widest = shrinkable
        .filter((col) => col < widths.length && widths[col] > MIN_COLUMN_WIDTH)
        .sort((a, b) => widths[b] - widths[a])[0];
      if (widest === undefined) break;
      widths[widest]--;
      excess--;
    }
    if (excess > 0) return listed(escaped, width);
  }
  return kept
    .map((row) =>
      row
        .map((text, col) => clip(text, widths[col]).padEnd(widths[col]))
        .join(' '.repeat(GAP))
        .trimEnd(),
    )
    .join('\n');
}

/** Continuation lines of a wrapped paragraph start with this. */
const WRAP_INDENT = '  ';

/**
 * A paragraph broken between words into lines of at most `width` characters (a word longer than a
 * line keeps a line of its own), each after the first indented; one line without a width. Where it
 * breaks, a run of spaces counts as one, so no line is spaces alone.
 */
export function wrap(text: string, width?: number): string {
  if (width === undefined || text.length <= width) return text;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = WRAP_INDENT + word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join('\n');
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
    const known = peer.interface
      ? ` ${peer.owner ? `${peer.owner} ` : ''}${peer.interface}${peer.groupIds?.length ? ` [${peer.groupIds.join(', ')}]` : ''}`
      : '';
    lines.push(`    ${peer.address}${known}: ${peer.records} records`);
  }
  const more = hiddenPeerCount(finding);
  if (more > 0) lines.push(`    … ${more} more`);
  const stale = staleRulesMessage(finding);
  if (stale) lines.push(`  stale rule      ${stale}`);
  const fix = finding.suggestedFix;
  if (!fix) {
    lines.push(
      `  fix             ${finding.classification === 'likely-noise' ? 'none: looks like noise' : (finding.fixNote?.message ?? 'none')}`,
    );
  } else {
    lines.push(`  fix             ${verificationLabel(fix)}`);
    if (finding.fixNote) lines.push(`  fix scope       ${finding.fixNote.message}`);
    lines.push(...fix.awsCli.split('\n').map((command) => `    ${command}`));
    if (fix.risks.length) {
      lines.push('  risks');
      for (const risk of fix.risks) lines.push(`    - ${risk.message}`);
    }
  }
  const hostPorts = finding.dynamicHostPorts;
  if (hostPorts) {
    lines.push(`  port range      ${hostPorts.message}`);
    if (hostPorts.fix) {
      lines.push(...hostPorts.fix.awsCli.split('\n').map((command) => `    ${command}`));
      // What the range rule opens is its own: the finding's risks above are the one-port fix's.
      if (hostPorts.fix.risks.length) {
        lines.push('  its risks');
        for (const risk of hostPorts.fix.risks) lines.push(`    - ${risk.message}`);
      }
    }
  }
  // Each entry is one line: a value's control characters (a newline too) cannot reach the terminal.
  return lines.map(escapeControl).join('\n');
}

/** How the compact findings table (COMPACT_COLUMNS) and the campaign table (CAMPAIGN_COLUMNS) fit a width. */
const COMPACT_FIT: FitRules = { shrinkable: [3, 4, 6, 7, 8], droppable: [8, 7] };
const CAMPAIGN_FIT: FitRules = { shrinkable: [1, 4, 6, 7], droppable: [7] };

/**
 * `diagnose --format text`: the findings that may need a change (table, then details with the
 * fix), then the scanner activity summed up per campaign. Tables fit `options.width`. Control
 * characters in values (ids, owners, reasons) are escaped as in file names (`\n`, `\x1b`).
 */
export function renderText(result: DiagnoseResult, options: TextOptions = {}): string {
  const { findings, stats } = result;
  const summary =
    `${stats.rejectedRecords} rejected records (${stats.rejected.blocked.records} blocked, ${stats.rejected.allowed.records} now allowed, ` +
    `${stats.rejected.unknown.records} undecided); ${stats.findings.total} findings ` +
    `(${stats.findings.byClassification['likely-misconfiguration']} likely misconfiguration, ` +
    `${stats.findings.byClassification.uncertain} uncertain, ${stats.findings.byClassification['likely-noise']} likely noise)`;
  if (!findings.length) return [summary, 'No findings.', ...coverageLines(stats).map((line) => `- ${escapeControl(line)}`), ''].join('\n');
  const { actionable, noise, rows, compactRows, campaignRows, campaignNotes, hiddenNoise } = overview(findings);
  const parts = [summary];
  const upper = (headings: string[]) => headings.map((heading) => heading.toUpperCase());
  if (rows.length) {
    parts.push(
      '',
      options.width === undefined
        ? table([upper(OVERVIEW_COLUMNS), ...rows])
        : table([upper(COMPACT_COLUMNS), ...compactRows], options.width, COMPACT_FIT),
    );
  }
  if (actionable.length) parts.push('', actionable.map(details).join('\n\n'));
  if (noise.length) {
    parts.push('', 'SCANNER ACTIVITY (likely noise, no fix)', escapeControl(noiseSummary(noise)));
    if (campaignRows.length) parts.push('', table([upper(CAMPAIGN_COLUMNS), ...campaignRows], options.width, CAMPAIGN_FIT));
    if (campaignNotes.length) parts.push('', ...campaignNotes.map((line) => wrap(escapeControl(line), options.width)));
  }
  if (hiddenNoise > 0) parts.push(`… ${hiddenNoise} more likely-noise findings (all of them in --format json)`);
  const coverage = coverageLines(stats);
  if (coverage.length) parts.push('', 'COVERAGE (what this analysis could not see)', ...coverage.map((line) => `- ${escapeControl(line)}`));
  return `${parts.join('\n')}\n`;
}
