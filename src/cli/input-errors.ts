import { FlowLogFormatError } from '../engine/flow-log/flow-log-format.error';
import type { FlowReadStats } from '../flow-files/flow-file-reader';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';

const EXAMPLES_SHOWN = 5;

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

/** The malformed-line summary for stderr (count and the first few with file:line), or ''. */
export function malformedReport(stats: FlowReadStats): string {
  const lines: string[] = [];
  if (stats.malformed > 0) {
    lines.push(`sgdoctor: skipped ${stats.malformed} malformed flow-log line${stats.malformed === 1 ? '' : 's'}`);
    for (const example of stats.malformedExamples.slice(0, EXAMPLES_SHOWN)) lines.push(`  ${example.file}:${example.line}: ${example.error}`);
    if (stats.malformed > EXAMPLES_SHOWN) lines.push(`  … and ${stats.malformed - Math.min(EXAMPLES_SHOWN, stats.malformedExamples.length)} more`);
  }
  if (stats.incomplete > 0) {
    lines.push(`sgdoctor: skipped ${stats.incomplete} record${stats.incomplete === 1 ? '' : 's'} without interface-id, addresses, protocol or action`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
