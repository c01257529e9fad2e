import { Command, Option } from 'commander';

import { type ExplainContext, explainFlow } from '../engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../engine/evaluate/return-traffic-index';
import { recordToFlow } from '../engine/flow-log/flow-aggregator';
import { NetworkModel } from '../engine/network/network-model';
import { countIncomplete, createFlowReadStats, isTrafficRecord, missingFlowField, readFlowRecords } from '../flow-files/flow-file-reader';
import { FlowRecordSpool } from '../flow-files/flow-record-spool';
import { explainJsonLine, explainTextLine } from './explain-line';
import { finishInput, flowReadError, skippedDataNote } from './input-errors';
import { flowLogFormats, loadSnapshot } from './load-snapshot';
import { OutputSink } from './output-sink';

interface ExplainOptions {
  config: string[];
  flows: string[];
  format: 'json' | 'text';
  logFormat?: string;
  strict?: boolean;
}

/**
 * Reads every input ONCE (a pipe, FIFO or `/dev/stdin` cannot be read twice): the records go to a
 * spool on disk while their ACCEPTs are indexed for reverse-record return-traffic detection, then
 * every record is explained from the spool, so memory stays bounded by the index.
 */
async function runExplain(options: ExplainOptions, out: OutputSink, err: NodeJS.WritableStream): Promise<void> {
  const snapshot = await loadSnapshot(options.config, { strict: options.strict, warn: (text) => err.write(text) });
  const model = NetworkModel.fromSnapshot(snapshot);
  const stats = createFlowReadStats();
  const readOptions = { format: options.logFormat, candidateFormats: flowLogFormats(snapshot), strict: options.strict, stats };
  const spool = await FlowRecordSpool.create();
  try {
    const index = new ReturnTrafficIndex();
    try {
      for await (const { record, source } of readFlowRecords(options.flows, readOptions)) {
        if (!isTrafficRecord(record)) continue;
        const flow = recordToFlow(record);
        if (!flow) {
          countIncomplete(stats, missingFlowField(record), source);
          continue;
        }
        index.add(flow);
        await spool.add(record);
      }
    } catch (error) {
      throw flowReadError(error);
    }
    const ctx: ExplainContext = { returnTraffic: index };
    const line = options.format === 'text' ? explainTextLine : explainJsonLine;
    for await (const record of spool.read()) {
      await out.write(line(record, explainFlow(model, recordToFlow(record)!, ctx)));
    }
    await out.flush();
  } finally {
    await spool.dispose();
  }
  err.write(skippedDataNote(stats));
  finishInput(stats, err);
}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('Explain every flow-log record: what the current SGs and NACLs do to it, and which control blocks it')
    .requiredOption('--config <file...>', 'network snapshot JSON file(s); their top-level keys are merged')
    .requiredOption('--flows <input...>', 'flow-log file(s) (plain or .gz), directories (walked recursively), or - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
    .option(
      '--log-format <format>',
      "flow-log format (DescribeFlowLogs LogFormat) for files without a header line; default: the LogFormat of the snapshot's FlowLogs that reads their first record, else version 2",
    )
    .option('--strict', 'stop at the first malformed line (exit 4) instead of skipping it; unknown snapshot members are an input error')
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
