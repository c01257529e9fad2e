import { Command, Option } from 'commander';

import { type ExplainContext, explainFlow } from '../engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../engine/evaluate/return-traffic-index';
import { recordToFlow } from '../engine/flow-log/flow-aggregator';
import { NetworkModel } from '../engine/network/network-model';
import {
  type SourcedFlowRecord,
  aggregateFlowFiles,
  createFlowReadStats,
  isTrafficRecord,
  readFlowRecords,
} from '../flow-files/flow-file-reader';
import { explainJsonLine, explainTextLine } from './explain-line';
import { flowReadError, malformedReport } from './input-errors';
import { loadSnapshot } from './load-snapshot';
import { OutputSink } from './output-sink';

interface ExplainOptions {
  config: string[];
  flows: string[];
  format: 'json' | 'text';
  logFormat?: string;
  strict?: boolean;
}

/**
 * ACCEPTed flows for reverse-record return-traffic detection. Files are read twice (this pass
 * only aggregates ACCEPT lines, skipping the rest unparsed) so memory stays bounded; stdin can be
 * read once only, so its records are buffered and indexed in one go.
 */
async function acceptIndexFromFiles(options: ExplainOptions): Promise<ReturnTrafficIndex> {
  const { aggregates } = await aggregateFlowFiles(options.flows, { actions: ['ACCEPT'], format: options.logFormat });
  return ReturnTrafficIndex.fromFlows(aggregates);
}

async function runExplain(options: ExplainOptions, out: OutputSink, err: NodeJS.WritableStream): Promise<void> {
  const snapshot = await loadSnapshot(options.config);
  const model = NetworkModel.fromSnapshot(snapshot);
  const stats = createFlowReadStats();
  const readOptions = { format: options.logFormat, strict: options.strict, stats };
  const fromStdin = options.flows.includes('-');
  let incomplete = 0;
  try {
    let records: AsyncIterable<SourcedFlowRecord> | SourcedFlowRecord[];
    let index: ReturnTrafficIndex;
    if (fromStdin) {
      const buffered: SourcedFlowRecord[] = [];
      index = new ReturnTrafficIndex();
      for await (const item of readFlowRecords(options.flows, readOptions)) {
        buffered.push(item);
        const flow = recordToFlow(item.record);
        if (flow) index.add(flow);
      }
      records = buffered;
    } else {
      index = await acceptIndexFromFiles(options);
      records = readFlowRecords(options.flows, readOptions);
    }
    const ctx: ExplainContext = { returnTraffic: index };
    const line = options.format === 'text' ? explainTextLine : explainJsonLine;
    for await (const { record } of records) {
      if (!isTrafficRecord(record)) continue;
      const flow = recordToFlow(record);
      if (!flow) {
        incomplete++;
        continue;
      }
      await out.write(line(record, explainFlow(model, flow, ctx)));
    }
    await out.flush();
  } catch (error) {
    throw flowReadError(error);
  }
  stats.incomplete += incomplete;
  const report = malformedReport(stats);
  if (report) err.write(report);
}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('Explain every flow-log record: what the current SGs and NACLs do to it, and which control blocks it')
    .requiredOption('--config <file...>', 'network snapshot JSON file(s); their top-level keys are merged')
    .requiredOption('--flows <input...>', 'flow-log file(s) (plain or .gz), directories (walked recursively), or - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
    .option('--log-format <format>', 'flow-log format (DescribeFlowLogs LogFormat) for files without a header line')
    .option('--strict', 'stop at the first malformed line (exit 4) instead of skipping it')
    .addHelpText(
      'after',
      '\nOne NDJSON line per record with log-status OK:\n' +
        '  {"record":{…},"verdict":"blocked|allowed|unknown","direction":"ingress|egress","returnTraffic":bool,"blockedBy":[…],"reason":"…"}\n' +
        'Malformed lines are reported on stderr with file:line and skipped.',
    )
    .action(async (options: ExplainOptions) => {
      await runExplain(options, new OutputSink(process.stdout), process.stderr);
    });
}
