import { describeTraffic, isIcmp } from '../engine/network/protocol';
import type { PathHop, PathVerdict } from '../engine/path/path-result';
import type { WhoCanReachResult } from '../engine/path/who-can-reach';
import { escapeControl } from './input-errors';

function ruleText(hop: PathHop): string {
  const rule = hop.rule;
  if (!rule) return '';
  if ('groupId' in rule) return ` [${rule.ruleId ?? rule.groupId}]`;
  if ('ruleNumber' in rule) return ` [rule ${rule.ruleNumber} ${rule.action}]`;
  return ` [${rule.destination} -> ${rule.target}]`;
}

/** A hop's line, then its notes' line when it has notes. */
function hopLines(hop: PathHop, index: number): string[] {
  const verdict = hop.verdict === 'deny' ? 'DENY' : hop.verdict;
  const line = `  ${String(index + 1).padStart(2)}. ${verdict.padEnd(7)} ${hop.checked}${ruleText(hop)}`;
  const notes: string[] = [];
  if (hop.explanationCode) notes.push(hop.explanationCode);
  if (hop.reason && hop.verdict !== 'allow') notes.push(hop.reason);
  return notes.length ? [line, `        ${notes.join(': ')}`] : [line];
}

/**
 * The lines as text, control characters in each escaped (`\n`, `\x1b`): the values come from the
 * snapshot and the question, and a terminal must not act on them nor a newline in one forge a line.
 */
function printed(lines: readonly string[]): string {
  return `${lines.map(escapeControl).join('\n')}\n`;
}

/** `sgdoctor why --format text`: the verdict, each hop in path order, the reply's hops, the reason and the fix. */
export function renderPathText(result: PathVerdict): string {
  const lines = [`${result.verdict.toUpperCase()}: ${result.reason}`, '', 'request:'];
  if (result.hops.length === 0) lines.push('  (no control of the snapshot is on the path)');
  result.hops.forEach((hop, i) => lines.push(...hopLines(hop, i)));
  lines.push('', `reply: ${result.reply.verdict}`);
  if (result.reply.hops.length === 0) lines.push('  (no network ACL of the snapshot is on the way back)');
  result.reply.hops.forEach((hop, i) => lines.push(...hopLines(hop, i)));
  const fix = result.suggestedFix;
  if (fix) {
    lines.push('', `suggested fix (${fix.verified ? 'verified by simulation' : 'NOT verified'}):`);
    lines.push(...fix.awsCli.split('\n').map((l) => `  ${l}`));
    for (const risk of fix.risks) lines.push(`  risk: ${risk.message}`);
  }
  return printed(lines);
}

/** `sgdoctor why --who --format text`: one line per admitted source, then its address blocks and the NACL's verdict on each. */
export function renderWhoText(result: WhoCanReachResult): string {
  const d = result.destination;
  const traffic =
    isIcmp(result.protocol) && result.port !== null
      ? `${describeTraffic(result.protocol, null)} type ${result.port}`
      : describeTraffic(result.protocol, result.port);
  const lines = [`who can reach ${d.input} (${d.interfaceId}) on ${traffic}:`];
  if (result.sources.length === 0) lines.push('  nobody: no security-group rule of the destination admits it');
  for (const source of result.sources) {
    lines.push(
      `  ${source.verdict.padEnd(8)} ${source.kind} ${source.peer} (rule of ${source.groupId})${source.reason ? `: ${source.reason}` : ''}`,
    );
    for (const block of source.blocks) {
      const refused = block.nacl.segments.filter((s) => s.action === 'deny').map((s) => `${s.cidr} by rule ${s.ruleNumber}`);
      const note =
        refused.length && block.nacl.verdict !== 'allow'
          ? ` (refused: ${refused.join(', ')})`
          : block.nacl.reason
            ? ` (${block.nacl.reason})`
            : '';
      lines.push(`      ${block.cidr}${block.interfaceId ? ` ${block.interfaceId}` : ''}: NACL ${block.nacl.verdict}${note}`);
    }
  }
  return printed(lines);
}
