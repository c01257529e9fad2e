import type { FlowVerdict } from '../engine/evaluate/verdict';
import { describeControl } from '../engine/findings/finding-text';
import { isoSeconds } from '../engine/findings/iso-time.util';
import type { FlowRecord } from '../engine/flow-log/flow-record';
import { protocolName } from '../engine/network/protocol';
import { escapeControl } from './input-errors';

/** One NDJSON line of `explain` (DESIGN.md): the record by its flow-log field names, then the verdict. */
export function explainJsonLine(record: FlowRecord, verdict: FlowVerdict): string {
  const line: Record<string, unknown> = {
    record,
    verdict: verdict.verdict,
    direction: verdict.direction,
    returnTraffic: verdict.returnTraffic,
    blockedBy: verdict.blockedBy,
  };
  if (verdict.reason !== undefined) line.reason = verdict.reason;
  return `${JSON.stringify(line)}\n`;
}

function endpoint(address: unknown, port: unknown): string {
  const host = String(address ?? '-');
  const shown = host.includes(':') ? `[${host}]` : host;
  return port === null || port === undefined ? shown : `${shown}:${port}`;
}

/** One human-readable line of `explain --format text`; control characters in values are escaped (`\x1b`). */
export function explainTextLine(record: FlowRecord, verdict: FlowVerdict): string {
  const when = typeof record.start === 'number' ? isoSeconds(record.start) : '-';
  const protocol = typeof record.protocol === 'number' ? protocolName(record.protocol) : '-';
  const flow = `${endpoint(record.srcaddr, record.srcport)} -> ${endpoint(record.dstaddr, record.dstport)}`;
  const parts = [
    when,
    record['interface-id'] ?? '-',
    verdict.direction,
    protocol,
    flow,
    record.action ?? '-',
    verdict.verdict.toUpperCase(),
  ];
  if (verdict.returnTraffic) parts.push('(return traffic)');
  if (verdict.blockedBy.length) parts.push(`by ${verdict.blockedBy.map(describeControl).join(' and ')}`);
  let text = parts.join(' ');
  if (verdict.reason) text += `: ${verdict.reason}`;
  return `${escapeControl(text)}\n`;
}
