import { Command, Option } from 'commander';

import type { VerdictKind } from '../engine/evaluate/verdict';
import { NetworkModel } from '../engine/network/network-model';
import { pathVerdictOf } from '../engine/path/analyze-path';
import { parsePathQuery, type PathQueryNames } from '../engine/path/path-query';
import { PathQueryError } from '../engine/path/path-query.error';
import { explainPath } from '../engine/path/suggest-path-fix';
import { whoCanReach } from '../engine/path/who-can-reach';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';
import { RULE_QUOTA_HELP, loadSnapshot } from './load-snapshot';
import { OutputSink } from './output-sink';
import { renderPathText, renderWhoText } from './render-path-text';

const FAIL_ON: VerdictKind[] = ['blocked', 'unknown'];

interface WhyCommandOptions {
  config: string[];
  from?: string;
  to: string;
  protocol: string;
  port?: string;
  sourcePort?: string;
  format: 'json' | 'text';
  failOn?: string;
  who?: boolean;
}

function parseFailOn(value: string | undefined): Set<VerdictKind> {
  if (!value) return new Set();
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(FAIL_ON as string[]).includes(name))
      throw new CliError(`--fail-on: "${name}" is not one of ${FAIL_ON.join(', ')}`, ExitCode.Usage);
  }
  return new Set(names as VerdictKind[]);
}

/** The flags that ask the question, as parsePathQuery names them in its messages. */
const FLAGS: PathQueryNames = { from: '--from', to: '--to', protocol: '--protocol', port: '--port', sourcePort: '--source-port' };
/** With `--who` the question has no source: the destination, `--to`, stands in for it. */
const WHO_FLAGS: PathQueryNames = { ...FLAGS, from: '--to' };

/** A bad question as a usage error naming its flag: up front when the message does not start with a flag already. */
function usage(error: unknown, flags: PathQueryNames): never {
  if (error instanceof PathQueryError) {
    const named = Object.values(flags).some((flag) => error.message.startsWith(`${flag} `));
    const flag = flags[error.field as keyof PathQueryNames];
    throw new CliError(named ? error.message : `${flag}: ${error.message}`, ExitCode.Usage);
  }
  throw error;
}

/** `--who`: the sources the snapshot lets reach the destination on the port, after its subnet's NACL. */
async function runWho(options: WhyCommandOptions, out: OutputSink): Promise<number> {
  if (options.from || options.sourcePort || options.failOn)
    throw new CliError('--who takes no --from, --source-port or --fail-on', ExitCode.Usage);
  let query;
  try {
    query = parsePathQuery({ from: options.to, to: options.to, protocol: options.protocol, port: options.port }, WHO_FLAGS);
  } catch (error) {
    usage(error, WHO_FLAGS);
  }
  const snapshot = await loadSnapshot(options.config);
  let result;
  try {
    result = whoCanReach(NetworkModel.fromSnapshot(snapshot), { to: query.to, protocol: query.protocol, port: query.port });
  } catch (error) {
    if (error instanceof PathQueryError) throw new CliError(`--to: ${error.message}`, ExitCode.Input);
    throw error;
  }
  await out.write(options.format === 'text' ? renderWhoText(result) : `${JSON.stringify(result)}\n`);
  await out.flush();
  return ExitCode.Ok;
}

async function runWhy(options: WhyCommandOptions, out: OutputSink): Promise<number> {
  if (options.who) return runWho(options, out);
  const failOn = parseFailOn(options.failOn);
  if (!options.from) throw new CliError("required option '--from <source>' not specified (or use --who)", ExitCode.Usage);
  let query;
  try {
    query = parsePathQuery(
      {
        from: options.from,
        to: options.to,
        protocol: options.protocol,
        port: options.port,
        sourcePort: options.sourcePort,
      },
      FLAGS,
    );
  } catch (error) {
    usage(error, FLAGS);
  }
  const snapshot = await loadSnapshot(options.config);
  const result = pathVerdictOf(explainPath(NetworkModel.fromSnapshot(snapshot), query));
  await out.write(options.format === 'text' ? renderPathText(result) : `${JSON.stringify(result)}\n`);
  await out.flush();
  return failOn.has(result.verdict) ? ExitCode.FindingsMatched : ExitCode.Ok;
}

export function registerWhyCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('why')
    .description("Why can (or can't) A reach B? Every security group, network ACL and route on the path, the reply, and a verified fix")
    .requiredOption('--config <file...>', 'network snapshot JSON file(s); their top-level keys are merged')
    .option('--from <source>', 'source: an interface id (eni-…), an instance id (i-…) or an IP address (in the snapshot or not)')
    .requiredOption('--to <destination>', 'destination: an interface id, an instance id or an IP address')
    .requiredOption('--protocol <protocol>', 'tcp, udp, icmp, icmpv6 or a protocol number')
    .option('--port <port>', 'destination port (tcp/udp, required) or ICMP type')
    .option('--source-port <port>', "the client's port (default: its whole ephemeral range)")
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
    .option('--fail-on <verdicts>', 'exit 1 when the verdict is one of these (blocked, unknown; comma-separated)')
    .option('--who', 'instead of one path: every source the snapshot lets reach --to on the port, after the NACL')
    .addHelpText(
      'after',
      '\nJSON output: {"verdict":"allowed|blocked|unknown","hops":[HOP…],"blockedBy":[CONTROL…],\n' +
        '  "reply":{"verdict":…,"hops":[…],"blockedBy":[…]},"suggestedFix":FIX|null,"reason":"…"}\n' +
        '--who prints {"destination":{…},"protocol":N,"port":N,"sources":[{"kind","peer","groupId","ruleId","blocks":[…],"verdict"}…]}.\n' +
        RULE_QUOTA_HELP +
        'Exit codes: 0 ok, 1 --fail-on matched, 2 usage, 3 input error, 5 internal error.',
    )
    .action(async (options: WhyCommandOptions) => {
      setExitCode(await runWhy(options, new OutputSink(process.stdout)));
    });
}
