import type { ReportData, ReportFindingRow } from './report-data';

type Cell = string | number | boolean | null;

const COLUMNS: Array<[string, (r: ReportFindingRow) => Cell]> = [
  ['fingerprint', (r) => r.fingerprint],
  ['target_id', (r) => r.targetId],
  ['target_name', (r) => r.targetName ?? null],
  ['kind', (r) => r.kind ?? 'rule'],
  ['status', (r) => r.status],
  ['lifecycle', (r) => r.lifecycle],
  ['classification', (r) => r.classification],
  ['severity', (r) => r.severity],
  ['blocked_by', (r) => r.blockedBy],
  ['direction', (r) => r.direction],
  ['service', (r) => r.service],
  ['records', (r) => r.records],
  ['packets', (r) => r.packets],
  ['peers', (r) => r.peers],
  ['first_seen', (r) => r.firstSeen],
  ['last_seen', (r) => r.lastSeen],
  ['fix_summary', (r) => r.fixSummary],
  ['fix_verified', (r) => r.fixVerified],
  ['aws_cli', (r) => r.awsCli],
  ['risks', (r) => r.risks.join('; ')],
  ['ticket', (r) => r.ticket?.key ?? null],
  ['ticket_url', (r) => r.ticket?.url ?? null],
];

/** One row per finding (rule findings and campaigns, `kind` says which), RFC 4180 (CRLF, quoted where needed), safe to open in a spreadsheet. */
export function renderCsvReport(data: ReportData): string {
  const lines = [COLUMNS.map(([name]) => name), ...data.findings.map((row) => COLUMNS.map(([, get]) => csvCell(get(row))))];
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

/**
 * A cell's text. Strings that a spreadsheet would run as a formula (leading = + - @, or a tab
 * or carriage return before one) get a leading apostrophe; anything with a comma, quote or
 * line break is quoted with quotes doubled. Numbers and booleans are ours and written as is.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
