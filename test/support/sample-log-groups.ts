import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FlowLog } from '../../src/engine/network/snapshot';
import type { EmulatedLogEvent } from './insights-emulator';

export const SAMPLE_FLOWS = resolve(__dirname, '..', '..', 'samples', 'flows');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** Every sample object, by its key under samples/flows (`AWSLogs/…`), as S3 would hold it. */
export function sampleObjects(): Map<string, Buffer> {
  return new Map(files(SAMPLE_FLOWS).map((path) => [path.slice(SAMPLE_FLOWS.length + 1), readFileSync(path)]));
}

/** The log group each sample flow log would publish to, were it publishing to CloudWatch Logs. */
export const sampleLogGroupOf = (flowLogId: string) => `/vpc/flow-logs/${flowLogId}`;

/**
 * The sample flow logs as if they published to CloudWatch Logs: one log group per flow log, one
 * event per record (the line, without the file's header), timestamped at the record's start; and
 * the flow logs as DescribeFlowLogs describes them (the format read from each file's header).
 */
export function sampleLogGroups(): { logGroups: Map<string, EmulatedLogEvent[]>; flowLogs: FlowLog[] } {
  const logGroups = new Map<string, EmulatedLogEvent[]>();
  const formats = new Map<string, string>();
  for (const path of files(SAMPLE_FLOWS)) {
    const flowLogId = /_(fl-[0-9a-f]+)_/.exec(basename(path))?.[1];
    if (!flowLogId) throw new Error(`no flow log id in ${path}`);
    const [header, ...lines] = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
    const fields = header.trim().split(' ');
    formats.set(flowLogId, fields.map((f) => `\${${f}}`).join(' '));
    const start = fields.indexOf('start');
    const events = logGroups.get(sampleLogGroupOf(flowLogId)) ?? [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      events.push({ timestamp: Number(line.split(' ')[start]) * 1000, message: line });
    }
    logGroups.set(sampleLogGroupOf(flowLogId), events);
  }
  const flowLogs: FlowLog[] = [...formats].map(([flowLogId, logFormat]) => ({
    FlowLogId: flowLogId,
    LogDestinationType: 'cloud-watch-logs',
    LogGroupName: sampleLogGroupOf(flowLogId),
    LogFormat: logFormat,
    FlowLogStatus: 'ACTIVE',
  }));
  return { logGroups, flowLogs };
}
