import { FlowLogFormatError } from '../engine/flow-log/flow-log-format.error';
import { partialResultsMessage } from '../flow-files/cloudwatch-subscription';
import type { FlowReadStats } from '../flow-files/flow-file-reader';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';

const EXAMPLES_SHOWN = 5;

/**
 * Text for one line of stderr: control characters (C0, DEL, C1) as `\n`, `\t`, `\xNN` or
 * `\u{…}`, so a file name cannot forge lines or move the terminal's cursor.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * Maps a failure while reading flow logs to a CLI error: a malformed line under `--strict` exits
 * 4; an unknown log format field or an unreadable input exits 3.
 */
export function flowReadError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof FlowLogFormatError) {
    return new CliError(err.message, err.location ? ExitCode.Malformed : ExitCode.Input);
  }
  if (err instanceof Error && /^cannot read flow input/.test(err.message)) return new CliError(err.message, ExitCode.Input);
  if (err instanceof Error && 'code' in err && typeof (err as NodeJS.ErrnoException).code === 'string') {
    return new CliError(`cannot read flow input: ${err.message}`, ExitCode.Input);
  }
  return err instanceof Error ? new CliError(err.message, ExitCode.Internal) : new CliError(String(err), ExitCode.Internal);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What reading the flow inputs skipped or could not do, for stderr, or '': malformed lines (count
 * and the first few with file:line), records without interface or action by reason, fields
 * sgdoctor does not know (each named once), directory entries not read and why, Logs Insights
 * results whose query had not completed, and inputs that could not be read to their end. File names are escaped (see `escapeControl`).
 */
export function malformedReport(stats: FlowReadStats): string {
  const lines: string[] = [];
  if (stats.unknownFields.length > 0) {
    const named = stats.unknownFields.map((u) => `"${escapeControl(u.field)}" (${escapeControl(u.file)})`).join(', ');
    lines.push(
      `sgdoctor: warning: unknown flow-log field${stats.unknownFields.length === 1 ? '' : 's'} ${named}: values kept under ${stats.unknownFields.length === 1 ? 'its name' : 'their names'}`,
    );
  }
  for (const entry of stats.skipped) lines.push(`sgdoctor: skipped ${escapeControl(entry.file)}: ${entry.reason}`);
  for (const partial of stats.partialResults) {
    lines.push(`sgdoctor: warning: ${escapeControl(partial.file)}: ${escapeControl(partialResultsMessage(partial.status))}`);
  }
  if (stats.malformed > 0) {
    lines.push(`sgdoctor: skipped ${plural(stats.malformed, 'malformed flow-log line')}`);
    for (const example of stats.malformedExamples.slice(0, EXAMPLES_SHOWN)) {
      lines.push(`  ${escapeControl(example.file)}:${example.line}: ${escapeControl(example.error)}`);
    }
    if (stats.malformed > EXAMPLES_SHOWN)
      lines.push(`  … and ${stats.malformed - Math.min(EXAMPLES_SHOWN, stats.malformedExamples.length)} more`);
    if (stats.records === 0) {
      // Every line malformed is most often a format mismatch: a custom format read as the default one.
      lines.push(
        'sgdoctor: no flow-log record could be read: files without a header line are read in the format --log-format gives, ' +
          "else in the LogFormat of the snapshot's FlowLogs that reads their first record, else in the default version-2 format " +
          "(14 fields); give the flow log's LogFormat (aws ec2 describe-flow-logs) with --log-format",
      );
    }
  }
  if (stats.incomplete > 0) {
    const reasons = Object.entries(stats.incompleteByReason)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([reason, n]) => `${n} ${reason}`);
    lines.push(
      `sgdoctor: skipped ${plural(stats.incomplete, 'record')} without interface-id, addresses, protocol or action (${reasons.join(', ')})`,
    );
    for (const example of stats.incompleteExamples.slice(0, EXAMPLES_SHOWN)) {
      lines.push(`  ${escapeControl(example.file)}:${example.line}: ${example.reason}`);
    }
    const shown = Math.min(EXAMPLES_SHOWN, stats.incompleteExamples.length);
    if (stats.incomplete > shown && shown > 0) lines.push(`  … and ${stats.incomplete - shown} more`);
  }
  for (const failure of stats.readErrors) {
    lines.push(
      `sgdoctor: cannot read ${escapeControl(failure.file)} to its end: ${escapeControl(failure.error)} (the records read before were used)`,
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * For `explain`, whose output has a line per OK record only: how many SKIPDATA records were read,
 * or ''. AWS writes one when it could not capture an interface's flows in a capture window, so
 * what those windows carried is missing from the output. (`diagnose` reports them in its coverage.)
 */
export function skippedDataNote(stats: FlowReadStats): string {
  if (stats.skipdata === 0) return '';
  return `sgdoctor: note: ${plural(stats.skipdata, 'SKIPDATA record')} read: AWS could not capture every flow of those interfaces then, so flows of those capture windows are missing\n`;
}

/**
 * Writes the input report to stderr and, when an input could not be read to its end, fails with
 * an input error (exit 3) after the output was written: what was read was used, but it is not
 * everything the user asked for.
 */
export function finishInput(stats: FlowReadStats, err: NodeJS.WritableStream): void {
  const report = malformedReport(stats);
  if (report) err.write(report);
  if (stats.readErrors.length > 0) {
    const files = stats.readErrors.map((f) => escapeControl(f.file)).join(', ');
    throw new CliError(`${plural(stats.readErrors.length, 'flow input')} could not be read to the end: ${files}`, ExitCode.Input);
  }
}
