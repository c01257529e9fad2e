import { Command, Option } from 'commander';

import { diagnose } from '../engine/diagnose/diagnose';
import type { Classification } from '../engine/findings/finding';
import { FlowAggregateStore } from '../engine/flow-log/flow-aggregate-store';
import { drainFlowFiles } from '../flow-files/flow-file-reader';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';
import { finishInput, flowReadError } from './input-errors';
import { RULE_QUOTA_HELP, flowLogFormats, loadSnapshot } from './load-snapshot';
import { OutputSink } from './output-sink';
import { renderMarkdown } from './render-markdown';
import { renderText } from './render-text';

const CLASSIFICATIONS: Classification[] = ['likely-misconfiguration', 'uncertain', 'likely-noise'];

interface DiagnoseCommandOptions {
  config: string[];
  flows: string[];
  format: 'json' | 'markdown' | 'text';
  logFormat?: string;
  strict?: boolean;
  failOn?: string;
  wide?: boolean;
}

/** Columns a text table may use: the terminal's width, else `COLUMNS`, else 120 (a pipe or a file); `--wide` lifts the limit. */
export function textWidth(
  wide: boolean | undefined,
  stdout: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv,
): number | undefined {
  if (wide) return undefined;
  if (stdout.isTTY && stdout.columns && stdout.columns > 0) return stdout.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 120;
}

function parseFailOn(value: string | undefined): Set<Classification> {
  if (!value) return new Set();
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(CLASSIFICATIONS as string[]).includes(name)) {
      throw new CliError(`--fail-on: "${name}" is not one of ${CLASSIFICATIONS.join(', ')}`, ExitCode.Usage);
    }
  }
  return new Set(names as Classification[]);
}

async function runDiagnose(options: DiagnoseCommandOptions, out: OutputSink, err: NodeJS.WritableStream): Promise<number> {
  const failOn = parseFailOn(options.failOn);
  const snapshot = await loadSnapshot(options.config, { strict: options.strict, warn: (text) => err.write(text) });
  // A day's aggregates are kept in columns, not as as many objects (see FlowAggregateStore).
  const store = new FlowAggregateStore();
  let read;
  try {
    read = await drainFlowFiles(
      options.flows,
      { actions: ['ACCEPT', 'REJECT'], format: options.logFormat, candidateFormats: flowLogFormats(snapshot), strict: options.strict },
      (aggregate) => store.add(aggregate),
    );
  } catch (error) {
    throw flowReadError(error);
  }
  const { malformedExamples, incompleteByReason, incompleteExamples, unknownFields, readErrors, skipped, partialResults, ...counts } =
    read.stats;
  const result = diagnose(snapshot, store, { inputStats: counts });
  if (options.format === 'json') {
    const { stats } = result;
    await out.write('{"findings":[');
    for (let i = 0; i < result.findings.length; i++) await out.write(`${i ? ',' : ''}\n${JSON.stringify(result.findings[i])}`);
    const input = {
      ...stats.input,
      malformedExamples,
      incompleteByReason,
      incompleteExamples,
      unknownFields,
      readErrors,
      skipped,
      partialResults,
    };
    await out.write(`\n],"stats":${JSON.stringify({ ...stats, input })}}\n`);
  } else {
    await out.write(
      options.format === 'markdown'
        ? renderMarkdown(result)
        : renderText(result, { width: textWidth(options.wide, process.stdout, process.env) }),
    );
  }
  await out.flush();
  finishInput(read.stats, err);
  return result.findings.some((f) => failOn.has(f.classification)) ? ExitCode.FindingsMatched : ExitCode.Ok;
}

export function registerDiagnoseCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('diagnose')
    .description('Group rejected flows into findings, classify them (misconfiguration or noise) and suggest verified fixes')
    .requiredOption('--config <file...>', 'network snapshot JSON file(s); their top-level keys are merged')
    .requiredOption('--flows <input...>', 'flow-log file(s) (plain or .gz), directories (walked recursively), or - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'markdown', 'text']).default('json'))
    .option(
      '--log-format <format>',
      "flow-log format (DescribeFlowLogs LogFormat) for files without a header line; default: the LogFormat of the snapshot's FlowLogs that reads their first record, else version 2",
    )
    .option('--strict', 'stop at the first malformed line (exit 4) instead of skipping it; unknown snapshot members are an input error')
    .option('--fail-on <classifications>', 'exit 1 when a finding has one of these classifications (comma-separated)')
    .option('--wide', 'text format: print table cells in full instead of fitting the terminal width')
    .addHelpText(
      'after',
      '\nJSON output: {"findings":[FINDING…],"stats":{…}}; findings ordered by severity, then records.\n' +
        RULE_QUOTA_HELP +
        'Exit codes: 0 ok, 1 --fail-on matched, 2 usage, 3 input error, 4 malformed line with --strict, 5 internal error.',
    )
    .action(async (options: DiagnoseCommandOptions) => {
      setExitCode(await runDiagnose(options, new OutputSink(process.stdout), process.stderr));
    });
}
