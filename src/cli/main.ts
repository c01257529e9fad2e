#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';

import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../common/lifecycle/heap-growth';
import { CliError } from './cli.error';
import { registerDiagnoseCommand } from './diagnose.command';
import { ExitCode } from './exit-code';
import { registerExplainCommand } from './explain.command';
import { escapeControl } from './input-errors';
import { registerWhyCommand } from './why.command';

/** The version in the package's manifest (`dist/cli/main.js` lies two folders below it). */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('sgdoctor')
    .description('Find the security-group and network-ACL rules that block traffic that should flow, and exactly what to change.')
    .version(packageVersion(), '-V, --version', 'print the version of sgdoctor')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 --fail-on matched, 2 usage error, 3 input error (file, JSON, snapshot, log format,\n' +
        '            a flow input not read to its end: reported after the output of what was read),\n' +
        '            4 malformed flow-log line with --strict, 5 internal error.',
    );
  registerExplainCommand(program);
  registerDiagnoseCommand(program, setExitCode);
  registerWhyCommand(program, setExitCode);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * `api-key` needs the service's modules (NestJS, TypeORM), which take seconds to load: they are
 * loaded only when that command runs or the top-level help lists the commands, so `explain`,
 * `diagnose` and `why` start fast.
 */
function needsApiKeyCommand(argv: string[]): boolean {
  const args = argv.slice(2);
  const first = args.find((arg) => !arg.startsWith('-'));
  if (first === undefined) return !args.includes('--version') && !args.includes('-V');
  return first === 'api-key' || first === 'help';
}

async function main(argv: string[]): Promise<number> {
  // `diagnose` of a day's logs allocates fast: keep the heap near what it holds (see limitHeapGrowth).
  limitHeapGrowth(DEFAULT_HEAP_GROWING_PERCENT);
  // A closed pipe (`sgdoctor explain … | head`) ends the run quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.Ok);
  });
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram((code) => (exitCode = code));
  try {
    if (needsApiKeyCommand(argv)) {
      const { registerApiKeyCommand } = await import('./api-key.command');
      registerApiKeyCommand(program);
      for (const command of program.commands) command.exitOverride();
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`sgdoctor: ${escapeControl(error.message)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`sgdoctor: internal error: ${escapeControl(error instanceof Error ? error.message : String(error))}\n`);
    return ExitCode.Internal;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
