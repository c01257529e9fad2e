import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogsFlowSource } from '../../../src/aws/cloudwatch-logs-flow-source';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { CloudWatchLogsTargetFlowSource } from '../../../src/flow-sources/cloudwatch-logs-flow-source';
import { FilesFlowSource } from '../../../src/flow-sources/files-flow-source';
import type { FlowSourceTarget, FlowWindowRequest } from '../../../src/flow-sources/flow-source';
import { DataPathResolver } from '../../../src/targets/data-path.resolver';
import type { CloudWatchLogsFlowSourceSettings, FilesFlowSourceSettings } from '../../../src/targets/target-sources';
import { InsightsEmulator } from '../../support/insights-emulator';

const T0 = 1_795_478_400; // 2026-11-24T00:00:00Z
const FIELDS = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const FORMAT = FIELDS.split(' ')
  .map((f) => `\${${f}}`)
  .join(' ');
const LOG_GROUP = '/vpc/flow-logs/fl-0c1d2e3f4a5b67890';
const at = (offset: number) => [T0 + offset, T0 + offset + 60].join(' ');

/**
 * One interface's records of a day: flows, and records no flow can be made of — each of a single
 * defect, so both readers name the same one. The last two lie outside the window.
 */
const LINES = [
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 40001 5432 6 3 180 ${at(600)} REJECT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.10 198.51.100.4 40002 443 6 9 900 ${at(900)} ACCEPT OK`,
  // AWS skipped records of this interface in this capture window.
  `2 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at(1200)} - SKIPDATA`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at(1500)} - SKIPDATA`,
  // No traffic: nothing lost, nothing to say.
  `2 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at(1800)} - NODATA`,
  // Incomplete: a field every flow needs is `-`.
  `2 111122223333 - 203.0.113.7 10.0.1.10 40003 5432 6 1 60 ${at(2100)} REJECT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 - 10.0.1.10 40004 5432 6 1 60 ${at(2400)} REJECT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 - - - 1 60 ${at(2700)} ACCEPT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.8 10.0.1.10 40005 5432 - 1 60 ${at(3000)} REJECT OK`,
  // Malformed: a value that cannot be read.
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 40006 5432 tcp 1 60 ${at(3300)} REJECT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 40007 5432 6 1 60 ${T0 + 3600} 253402300800 REJECT OK`,
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 40008 5432 6 1 60 ${at(3900)} REJECT PARTIAL`,
  // Malformed: too few fields for the format (its action and log-status cut off).
  `2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 40010 5432 6 1 60 ${at(4200)}`,
  // Outside the window: not the window's to count.
  `2 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at(-86_400)} - SKIPDATA`,
  `2 111122223333 - 203.0.113.7 10.0.1.10 40009 5432 6 1 60 ${at(-86_400)} REJECT OK`,
];

const target: FlowSourceTarget = {
  id: 't-1',
  accountId: '111122223333',
  region: 'eu-west-1',
  access: { type: 'default-chain' },
  scope: { vpcIds: [], subnetIds: [] },
};
const window = { from: new Date(T0 * 1000), to: new Date((T0 + 86_400) * 1000) };

function requestOf<S extends FilesFlowSourceSettings | CloudWatchLogsFlowSourceSettings>(settings: S): FlowWindowRequest<S> {
  return { analysisId: 'a-1', attempt: 1, target, settings, window, snapshot: {}, signal: new AbortController().signal };
}

/**
 * Whichever source reads a window, the analysis says the same about the records it could not use:
 * the files source reads the lines itself; CloudWatch Logs Insights (an emulator running the very
 * query sent, over the same lines as log events) counts them in the one query and reports them in
 * the same fields.
 */
describe('the records a window leaves out: the same counts from the files source and from CloudWatch Logs Insights', () => {
  const logs = mockClient(CloudWatchLogsClient);
  let base: string;
  let emulator: InsightsEmulator;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'sgdoctor-unread-'));
    mkdirSync(join(base, 'flows'));
    writeFileSync(join(base, 'flows', 'day.log'), [FIELDS, ...LINES].join('\n') + '\n');
    const events = LINES.map((message) => ({ timestamp: Number(message.split(' ')[10]) * 1000, message }));
    emulator = new InsightsEmulator(new Map([[LOG_GROUP, events]]));
    logs.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => emulator.startQuery(input));
    logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => emulator.getQueryResults(input.queryId));
    logs.on(StopQueryCommand).resolves({ success: true, $metadata: {} });
  });

  afterAll(() => {
    logs.restore();
    rmSync(base, { recursive: true, force: true });
  });

  async function readFiles() {
    const aggregates: FlowAggregate[] = [];
    const statistics = await new FilesFlowSource(new DataPathResolver(base)).read(
      requestOf({ type: 'files', paths: ['flows'], logFormat: null }),
      (a) => aggregates.push(a),
    );
    return { statistics, aggregates };
  }

  async function readInsights() {
    const queries = new CloudWatchLogsFlowSource(
      { cloudWatchLogs: () => new CloudWatchLogsClient({ region: 'eu-west-1' }), ec2: () => undefined as never },
      { pollInitialMs: 1, pollMaxMs: 2 },
    );
    const aggregates: FlowAggregate[] = [];
    const statistics = await new CloudWatchLogsTargetFlowSource(queries).read(
      requestOf({ type: 'cloudwatch-logs', logGroupName: LOG_GROUP, flowLogId: null, logFormat: FORMAT }),
      (a) => aggregates.push(a),
    );
    return { statistics, aggregates };
  }

  it('the files source counts SKIPDATA of the window and the incomplete records by reason, beside its malformed lines', async () => {
    const { statistics, aggregates } = await readFiles();
    expect(aggregates.map((a) => a.action).sort()).toEqual(['ACCEPT', 'REJECT']);
    expect(statistics).toMatchObject({
      malformedLines: 4,
      incompleteRecords: 4,
      incompleteByReason: { 'no interface-id': 1, 'no address': 1, 'no protocol': 2 },
      skipdataRecords: 2,
      recordsOutsideWindow: 2,
    });
  });

  it('CloudWatch Logs counts the same records in the same fields, from its one query, and names the log group', async () => {
    const files = await readFiles();
    const insights = await readInsights();
    expect(insights.aggregates).toEqual(files.aggregates);
    for (const field of ['malformedLines', 'incompleteRecords', 'incompleteByReason', 'skipdataRecords'] as const) {
      expect(insights.statistics[field], field).toEqual(files.statistics[field]);
    }
    expect(insights.statistics.insights?.queries).toBe(1);
    expect(insights.statistics.warnings).toEqual([
      {
        file: LOG_GROUP,
        message:
          '8 records of the window could not be read and are not in the analysis: no interface-id (1), no address (1), no protocol (2), message does not match the log format (1), log-status not OK (1), protocol not a number (1), end past 9999-12-31T23:59:59Z (1)',
      },
    ]);
  });
});
