import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  LimitExceededException,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectedFileFlows } from '../../support/file-flows';
import { CloudWatchLogsFlowSource, type CloudWatchLogsFlowSourceOptions } from '../../../src/aws/cloudwatch-logs-flow-source';
import { InsightsQueryBuilder } from '../../../src/aws/insights-query-builder';
import { InsightsRowMerger } from '../../../src/aws/insights-row-merger';
import { InsightsQueryError } from '../../../src/aws/insights-query.error';
import { compareAggregates } from '../../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type { FlowLog } from '../../../src/engine/network/snapshot';
import { InsightsEmulator, runInsightsQuery } from '../../support/insights-emulator';
import { SAMPLE_FLOWS, sampleLogGroupOf, sampleLogGroups } from '../../support/sample-log-groups';
import { FakeHttpHandler } from '../../support/aws/fake-http-handler';
import { hourlyRecordsByHour } from '../../../src/engine/flow-log/hourly-records';

const WINDOW = { from: new Date('2026-11-24T00:00:00Z'), to: new Date('2026-11-25T00:00:00Z') };
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };
const FAST: CloudWatchLogsFlowSourceOptions = { pollInitialMs: 1, pollMaxMs: 2, limitBackoffInitialMs: 1, limitBackoffMaxMs: 4 };

const sorted = (aggregates: FlowAggregate[]) => [...aggregates].sort(compareAggregates);

describe('CloudWatchLogsFlowSource: flow aggregates from CloudWatch Logs Insights', () => {
  const logs = mockClient(CloudWatchLogsClient);
  const ec2 = mockClient(EC2Client);
  let sample: ReturnType<typeof sampleLogGroups>;
  let emulator: InsightsEmulator;
  let fromFiles: FlowAggregate[];
  const clients = {
    cloudWatchLogs: () => new CloudWatchLogsClient({ region: TARGET.region }),
    ec2: () => new EC2Client({ region: TARGET.region }),
  };

  beforeAll(async () => {
    sample = sampleLogGroups();
    fromFiles = (await collectedFileFlows([SAMPLE_FLOWS], WINDOW)).aggregates;
  });

  beforeEach(() => {
    emulator = new InsightsEmulator(sample.logGroups);
    logs.reset();
    ec2.reset();
    logs.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => emulator.startQuery(input));
    logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => emulator.getQueryResults(input.queryId));
    logs.on(StopQueryCommand).resolves({ success: true, $metadata: {} });
  });

  afterEach(() => {
    logs.reset();
    ec2.reset();
  });

  it('returns, on the samples, the aggregates the files source reads — same tuples, same records per hour — from Insights rows', async () => {
    const source = new CloudWatchLogsFlowSource(clients, FAST);
    const result = await source.run({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });

    expect(sorted(result.aggregates)).toEqual(sorted(fromFiles));
    const hourly = result.aggregates.filter((a) => a.action === 'REJECT' && a.hourly);
    expect(hourly.length).toBe(result.aggregates.filter((a) => a.action === 'REJECT').length);
    expect(new Set(hourly.flatMap((a) => Object.keys(hourlyRecordsByHour(a.hourly!)))).size).toBeGreaterThan(12);
    // Insights aggregated: fewer rows than records, one query per log group, every query went Scheduled → Running → Complete.
    expect(result.logGroupNames).toEqual(sample.flowLogs.map((f) => f.LogGroupName).sort());
    expect(result.queries).toBe(2);
    expect(result.rows).toBeLessThan(result.recordsMatched);
    expect(logs.commandCalls(GetQueryResultsCommand).length).toBe(6);
    expect(result.recordsScanned).toBeGreaterThanOrEqual(result.recordsMatched);
    expect(result.bytesScanned).toBeGreaterThan(0);
    expect(result.estimatedCostUsd).toBeCloseTo((result.bytesScanned / 1024 ** 3) * 0.005, 6);
  });

  it('splits a capped result in halves by start, down to results under the row limit, and still counts every record once', async () => {
    const source = new CloudWatchLogsFlowSource(clients, { ...FAST, maxRows: 400 });
    const result = await source.run({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });

    expect(result.splits).toBeGreaterThan(2);
    expect(result.queries).toBe(2 + 2 * result.splits);
    expect(sorted(result.aggregates)).toEqual(sorted(fromFiles));
    // Every split query read a slice of start times, its events from just around it.
    const sliced = emulator.queries.filter((q) => /fl_start >= \d+ and fl_start < \d+/.test(q.input.queryString ?? ''));
    expect(sliced.length).toBe(result.queries - 2);
    for (const q of sliced) expect(q.input.endTime! - q.input.startTime!).toBeLessThan(26 * 3600);
  });

  it('counts the messages of the window that do not match the format once each, whatever the splits and the scope', async () => {
    const group = sampleLogGroupOf('fl-0a1b2c3d4e5f67890');
    const from = WINDOW.from.getTime();
    const to = WINDOW.to.getTime();
    const unparsed = (timestamp: number, message = '5 111122223333 eni-0a10b1c2d3e4f5a13 10.20.11.11') => ({ timestamp, message });
    const logGroups = new Map(sample.logGroups);
    logGroups.set(group, [
      ...sample.logGroups.get(group)!,
      // The window's: from its first millisecond to its last.
      unparsed(from),
      unparsed(from + 3 * 3600_000 + 123, 'not a flow-log record'),
      unparsed(from + 20 * 3600_000),
      unparsed(to - 1),
      // Read by the queries (their events start before the window and end after it) but not the window's.
      unparsed(from - 1),
      unparsed(from - 1800_000),
      unparsed(to),
    ]);
    emulator = new InsightsEmulator(logGroups);
    const read = async (options: CloudWatchLogsFlowSourceOptions, scope?: { vpcIds: string[] }) => {
      const result = await new CloudWatchLogsFlowSource(clients, { ...FAST, ...options }).run({
        target: TARGET,
        config: { logGroupName: group },
        from: WINDOW.from,
        to: WINDOW.to,
        scope,
        flowLogs: sample.flowLogs,
      });
      return { result, unparsed: result.unread.find((u) => u.logGroupName === group)?.unread.malformedByReason };
    };

    const whole = await read({});
    expect(whole.result.splits).toBe(0);
    expect(whole.unparsed).toEqual({ 'message does not match the log format': 4 });
    const split = await read({ maxRows: 200 });
    expect(split.result.splits).toBeGreaterThan(2);
    expect(split.unparsed).toEqual({ 'message does not match the log format': 4 });
    expect(sorted(split.result.aggregates)).toEqual(sorted(whole.result.aggregates));
    // A message that names no VPC cannot be placed in the scope or out of it: it is the log group's, counted
    // even under a scope that holds none of the group's records.
    const scoped = await read({}, { vpcIds: ['vpc-0123456789abcdef0'] });
    expect(scoped.result.aggregates).toEqual([]);
    expect(scoped.unparsed).toEqual({ 'message does not match the log format': 4 });
  });

  it('counts the records whose protocol, port or address the file readers refuse, by reason, and reads the rest as they do', async () => {
    const group = '/vpc/flow-logs/fl-0bad0bad0bad0bad0';
    const format =
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
    const at = Math.floor(WINDOW.from.getTime() / 1000) + 7200;
    const line = (srcaddr: string, srcport: string, dstport: string, protocol: string, action = 'REJECT') =>
      `2 111122223333 eni-0a1b2c3d4e5f60001 ${srcaddr} 10.0.1.10 ${srcport} ${dstport} ${protocol} 3 180 ${at} ${at + 60} ${action} OK`;
    const lines = [
      line('203.0.113.7', '40001', '5432', '6'),
      line('203.0.113.8', '0', '0', '1'), // ICMP: ports 0
      line('203.0.113.9', '-', '-', '47'), // a protocol without ports
      line('2001:db8::9', '51000', '443', '6', 'ACCEPT'),
      `2 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at} ${at + 60} - NODATA`,
      line('203.0.113.7', '40001', '5432', '300'),
      line('203.0.113.7', '70000', '5432', '6'),
      line('203.0.113.7', '40001', '65536', '17'),
      line('203.0.113.7', 'http', '5432', '6'),
      line('203.0.113.7', '40001', '-5', '6'),
      line('203.0.113.300', '40001', '5432', '6'),
      line('not-an-address', '40001', '5432', '6'),
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'insights-malformed-')), 'flows.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const files = await collectedFileFlows([file], WINDOW, { format });
    expect(files.stats.malformed).toBe(7);

    emulator = new InsightsEmulator(new Map([[group, lines.map((message) => ({ timestamp: at * 1000, message }))]]));
    const flowLogs: FlowLog[] = [
      {
        FlowLogId: 'fl-0bad0bad0bad0bad0',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: group,
        LogFormat: format,
        FlowLogStatus: 'ACTIVE',
      },
    ];
    const result = await new CloudWatchLogsFlowSource(clients, FAST).run({
      target: TARGET,
      config: { logGroupName: group },
      from: WINDOW.from,
      to: WINDOW.to,
      flowLogs,
    });
    expect(sorted(result.aggregates)).toEqual(files.aggregates);
    expect(result.aggregates.map((a) => a.protocol).sort()).toEqual([1, 47, 6, 6]);
    expect(result.unread).toEqual([
      {
        logGroupName: group,
        unread: {
          skipdata: 0,
          incompleteByReason: {},
          malformedByReason: {
            'protocol not from 0 to 255': 1,
            'port not from 0 to 65535': 2,
            'port not a number': 2,
            'address not IPv4 or IPv6': 2,
          },
        },
      },
    ]);
  });

  it('counts the records whose version, tcp-flags, packet address, direction or counts the file readers refuse, by reason', async () => {
    const group = '/vpc/flow-logs/fl-0bad0bad0bad0bad1';
    const format =
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} ${flow-direction}';
    const at = Math.floor(WINDOW.from.getTime() / 1000) + 7200;
    type Change = Partial<
      Record<'version' | 'srcport' | 'protocol' | 'packets' | 'bytes' | 'tcp' | 'pktsrc' | 'pktdst' | 'direction', string>
    >;
    const line = (c: Change = {}) =>
      `${c.version ?? '5'} 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.1.10 ${c.srcport ?? '40001'} 5432 ${c.protocol ?? '6'}` +
      ` ${c.packets ?? '3'} ${c.bytes ?? '180'} ${at} ${at + 60} REJECT OK ${c.tcp ?? '2'} ${c.pktsrc ?? '-'} ${c.pktdst ?? '10.0.1.10'} ${c.direction ?? 'ingress'}`;
    const lines = [
      line(),
      line({ protocol: '1', srcport: '0', tcp: '-' }).replace(' 5432 1 ', ' 0 1 '), // ICMP: ports 0
      line({ protocol: '47', srcport: '-', tcp: '-' }).replace(' 5432 47 ', ' - 47 '), // a protocol without ports
      line({ pktsrc: '198.51.100.4', pktdst: '2001:db8::10', direction: 'egress', tcp: '19' }),
      line({ direction: '-', packets: '-', bytes: '-' }),
      `5 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - ${at} ${at + 60} - NODATA - - - -`,
      line({ version: 'v5' }),
      line({ version: '256' }),
      line({ tcp: '256' }),
      line({ tcp: 'SYN' }),
      line({ tcp: '+2' }),
      line({ pktsrc: 'host' }),
      line({ pktdst: '10.0.1.300' }),
      line({ direction: 'sideways' }),
      line({ packets: 'many' }),
      line({ bytes: '-180' }),
      line({ bytes: '1.5' }),
      line({ srcport: '+40001' }),
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'insights-malformed-')), 'flows.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const files = await collectedFileFlows([file], WINDOW, { format });
    expect(files.stats.malformed).toBe(12);

    emulator = new InsightsEmulator(new Map([[group, lines.map((message) => ({ timestamp: at * 1000, message }))]]));
    const flowLogs: FlowLog[] = [
      {
        FlowLogId: 'fl-0bad0bad0bad0bad1',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: group,
        LogFormat: format,
        FlowLogStatus: 'ACTIVE',
      },
    ];
    const result = await new CloudWatchLogsFlowSource(clients, FAST).run({
      target: TARGET,
      config: { logGroupName: group },
      from: WINDOW.from,
      to: WINDOW.to,
      flowLogs,
    });
    expect(sorted(result.aggregates)).toEqual(files.aggregates);
    expect(result.aggregates.reduce((sum, a) => sum + a.records, 0)).toBe(5);
    expect(result.unread).toEqual([
      {
        logGroupName: group,
        unread: {
          skipdata: 0,
          incompleteByReason: {},
          malformedByReason: {
            'port not a number': 1,
            'version not a number': 1,
            'version not from 0 to 255': 1,
            'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6': 2,
            'tcp-flags not a number': 2,
            'tcp-flags not from 0 to 255': 1,
            'flow-direction not ingress or egress': 1,
            'packets or bytes not a number': 3,
          },
        },
      },
    ]);
  });

  it('splits a query that timed out, and fails a query that Insights cancelled or failed', async () => {
    emulator.finalStatus = (_input, index) => (index === 0 ? 'Timeout' : 'Complete');
    const source = new CloudWatchLogsFlowSource(clients, FAST);
    const config = { logGroupName: sampleLogGroupOf('fl-0a1b2c3d4e5f67890') };
    const timedOut = await source.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
    expect(timedOut.splits).toBe(1);
    expect(timedOut.queries).toBe(3);
    const whole = await new CloudWatchLogsFlowSource(clients, FAST).run({
      target: TARGET,
      config,
      from: WINDOW.from,
      to: WINDOW.to,
      flowLogs: sample.flowLogs,
    });
    expect(sorted(timedOut.aggregates)).toEqual(sorted(whole.aggregates));

    for (const status of ['Failed', 'Cancelled', 'Unknown'] as const) {
      emulator.reset();
      emulator.finalStatus = () => status;
      const failed = source.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
      await expect(failed).rejects.toBeInstanceOf(InsightsQueryError);
      await expect(failed).rejects.toThrow(`ended ${status}`);
    }
  });

  it('a cancelled analysis stops its running queries in Insights (StopQuery) and reads no further', async () => {
    const abort = new AbortController();
    logs.on(GetQueryResultsCommand).callsFake(() => {
      abort.abort(new Error('analysis cancelled'));
      return { status: 'Running', results: [], statistics: {}, $metadata: { httpStatusCode: 200 } };
    });
    const source = new CloudWatchLogsFlowSource(clients, FAST);
    const run = source.run({
      target: TARGET,
      config: {},
      from: WINDOW.from,
      to: WINDOW.to,
      flowLogs: sample.flowLogs,
      signal: abort.signal,
    });
    await expect(run).rejects.toThrow('analysis cancelled');
    const stopped = logs.commandCalls(StopQueryCommand).map((call) => call.args[0].input.queryId);
    expect(stopped.sort()).toEqual(emulator.queries.map((q) => q.queryId).sort());
    expect(stopped.length).toBe(2);
  });

  it('stops a query that stays Running past its deadline and fails, retryably, instead of polling for ever', async () => {
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running', results: [], statistics: {}, $metadata: { httpStatusCode: 200 } });
    const source = new CloudWatchLogsFlowSource(clients, { ...FAST, maxQueryMs: 30 });
    const config = { logGroupName: sampleLogGroupOf('fl-0a1b2c3d4e5f67890') };
    const run = source.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
    await expect(run).rejects.toThrow(/was still Running after \d+ minutes \(Insights times a query out after 60\): stopped$/);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsightsQueryError);
    expect((error as InsightsQueryError).retryable).toBe(true);
    const stopped = logs.commandCalls(StopQueryCommand).map((call) => call.args[0].input.queryId);
    expect(stopped).toEqual(emulator.queries.map((q) => q.queryId));
  });

  it('fails, naming the slice, when a result stays capped on the shortest slice', async () => {
    const source = new CloudWatchLogsFlowSource(clients, { ...FAST, maxRows: 1, minSliceSeconds: 3 * 3600 });
    const run = source.run({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
    await expect(run).rejects.toThrow(/reached 1 rows even for \d+ s of records/);
  });

  it('backs off when the account is at its concurrent-query limit (LimitExceededException), then runs the query', async () => {
    let refusals = 0;
    logs.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => {
      if (refusals++ < 3) {
        throw new LimitExceededException({
          message: 'Account maximum query concurrency limit of [30] reached.',
          $metadata: { httpStatusCode: 400, requestId: `r${refusals}` },
        });
      }
      return emulator.startQuery(input);
    });
    const source = new CloudWatchLogsFlowSource(clients, { ...FAST, maxConcurrentQueries: 1 });
    const config = { logGroupName: sampleLogGroupOf('fl-0f9e8d7c6b5a43210') };
    const result = await source.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
    expect(logs.commandCalls(StartQueryCommand).length).toBe(4);
    expect(result.queries).toBe(1);

    refusals = -100;
    const giveUp = new CloudWatchLogsFlowSource(clients, { ...FAST, maxLimitRetries: 2 });
    await expect(
      giveUp.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs }),
    ).rejects.toBeInstanceOf(LimitExceededException);
  });

  it('finds the log groups and formats through DescribeFlowLogs (paginated) when the target names none, and refuses an ambiguous or unknown choice', async () => {
    const described: FlowLog[] = [...sample.flowLogs, { FlowLogId: 'fl-s3', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::b' }];
    ec2.on(DescribeFlowLogsCommand).callsFake((input: { NextToken?: string }) => {
      const page = input.NextToken ? described.slice(1) : described.slice(0, 1);
      return { FlowLogs: page, NextToken: input.NextToken ? undefined : 'page-2', $metadata: { httpStatusCode: 200 } };
    });
    const source = new CloudWatchLogsFlowSource(clients, FAST);
    const groups = await source.resolve({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to });
    expect(groups).toEqual(
      sample.flowLogs
        .map((f) => ({ logGroupName: f.LogGroupName, logFormat: f.LogFormat }))
        .sort((a, b) => a.logGroupName!.localeCompare(b.logGroupName!)),
    );
    expect(ec2.commandCalls(DescribeFlowLogsCommand).length).toBe(2);
    expect(ec2.commandCalls(DescribeFlowLogsCommand)[0].args[0].input).toMatchObject({
      Filter: [{ Name: 'log-destination-type', Values: ['cloud-watch-logs'] }],
    });

    const one = await source.resolve({
      target: TARGET,
      config: { flowLogId: 'fl-0f9e8d7c6b5a43210' },
      from: WINDOW.from,
      to: WINDOW.to,
      flowLogs: sample.flowLogs,
    });
    expect(one).toEqual([{ logGroupName: sampleLogGroupOf('fl-0f9e8d7c6b5a43210'), logFormat: sample.flowLogs[1].LogFormat }]);
    await expect(
      source.resolve({ target: TARGET, config: { flowLogId: 'fl-s3' }, from: WINDOW.from, to: WINDOW.to, flowLogs: described }),
    ).rejects.toThrow('does not publish to CloudWatch Logs');
    await expect(source.resolve({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to, flowLogs: [] })).rejects.toThrow(
      'no flow log',
    );
    await expect(
      source.resolve({ target: TARGET, config: { logGroupName: 'bad"name', logFormat: '${version}' }, from: WINDOW.from, to: WINDOW.to }),
    ).rejects.toThrow('is not a CloudWatch Logs log group name');
  });

  it('a DescribeFlowLogs that EC2 refuses names the call and the account; one that repeats its NextToken fails instead of looping', async () => {
    const source = new CloudWatchLogsFlowSource(clients, FAST);
    ec2.on(DescribeFlowLogsCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000001', attempts: 1 },
      }),
    );
    await expect(source.resolve({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to })).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'ec2:DescribeFlowLogs (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    });

    let calls = 0;
    ec2.on(DescribeFlowLogsCommand).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same page was asked for again and again');
      return { FlowLogs: [], NextToken: 'page-2', $metadata: { httpStatusCode: 200 } };
    });
    await expect(source.resolve({ target: TARGET, config: {}, from: WINDOW.from, to: WINDOW.to })).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'ec2:DescribeFlowLogs', page: 2 },
    });
    expect(calls).toBe(2);
  });

  it('throttled Insights calls are retried by the SDK retry strategy on the wire', async () => {
    const events = sample.logGroups.get(sampleLogGroupOf('fl-0f9e8d7c6b5a43210'))!;
    let throttled = 0;
    let query = '';
    const handler = new FakeHttpHandler((request) => {
      const action = request.headers['x-amz-target'];
      if (throttled < 2) {
        throttled++;
        return {
          status: 400,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
          body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
        };
      }
      if (action === 'Logs_20140328.StartQuery') {
        query = JSON.parse(request.body).queryString;
        return { status: 200, body: JSON.stringify({ queryId: 'q-1' }) };
      }
      const run = runInsightsQuery(query, events, { startTime: 0, endTime: 2_000_000_000 });
      return { status: 200, body: JSON.stringify({ status: 'Complete', results: run.results, statistics: run.statistics }) };
    });
    logs.restore();
    const wire = new CloudWatchLogsClient({
      region: TARGET.region,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: handler,
      retryStrategy: undefined,
      maxAttempts: 3,
    });
    try {
      const source = new CloudWatchLogsFlowSource({ cloudWatchLogs: () => wire, ec2: clients.ec2 }, FAST);
      const config = { logGroupName: sampleLogGroupOf('fl-0f9e8d7c6b5a43210') };
      const result = await source.run({ target: TARGET, config, from: WINDOW.from, to: WINDOW.to, flowLogs: sample.flowLogs });
      expect(throttled).toBe(2);
      expect(handler.requests.length).toBe(4);
      expect(result.aggregates.length).toBeGreaterThan(0);
    } finally {
      wire.destroy();
      mockClient(CloudWatchLogsClient);
    }
  });
});

describe('InsightsQueryBuilder: every value in the query string is checked or produced by the builder', () => {
  const builder = new InsightsQueryBuilder();
  const format = sampleLogGroups().flowLogs[0].LogFormat!;

  it('parses by the format, filters the window and both actions, aggregates by the Athena tuple and the hour of start', () => {
    const { queryString } = builder.build({
      logFormat: format,
      from: WINDOW.from,
      to: WINDOW.to,
      scope: { vpcIds: ['vpc-0a3f5c7e9b1d24680'] },
    });
    expect(queryString).toContain('parse @message "* * * * * * * * * * * * * * * * * * *" as fl_version, fl_account_id, fl_interface_id');
    // REJECT, ACCEPT and SKIPDATA records of the window: nothing else is filtered out, so nothing is lost uncounted;
    // nor are the messages of the window that do not match the format (every parsed field absent), whatever the scope.
    expect(queryString).toContain(
      `| filter (not ispresent(fl_version) and toMillis(@timestamp) >= ${WINDOW.from.getTime()} and toMillis(@timestamp) < ${WINDOW.to.getTime()})` +
        ` or ((fl_action = "REJECT" or fl_action = "ACCEPT" or fl_log_status = "SKIPDATA") and fl_start < ${WINDOW.to.getTime() / 1000} and fl_end >= ${WINDOW.from.getTime() / 1000} and fl_vpc_id in ["vpc-0a3f5c7e9b1d24680"])\n`,
    );
    expect(queryString).not.toMatch(/!= "-"|fl_log_status = "OK"|<= 253402300799/);
    // A capture time past 9999-12-31T23:59:59Z is no time (the file readers count it malformed): a key of its own.
    expect(queryString).toContain('least(floor(fl_end / 253402300800), 1) as end_past_max');
    // So is a window that ends before it starts: 1 when start > end, else 0.
    expect(queryString).toContain('least(greatest(fl_start - fl_end, 0), 1) as start_after_end');
    // The version is a key for the merger to check (one per flow log: no more rows).
    expect(queryString).toMatch(
      /\| stats count\(\*\) as records, .* by fl_interface_id, .*, fl_action, fl_version, fl_log_status, port_low, port_dst_service, port_ephemeral, port_kept, port_not_number, port_out_of_range, tcp_flags_not_number, tcp_flags_out_of_range, count_not_number, count_past_max, end_past_max, start_after_end, hour\n\| limit 10000$/,
    );
    // A port, tcp-flags, packets or bytes that are neither `-` nor a whole number, or past what they hold, are
    // malformed to the file readers: keys of their own, 1 or 0 per record. Arithmetic leaves a value that is no
    // number without one (coalesce goes on to its text, where only `-` counts for nothing); a negative or
    // fractional number is none either, nor is text holding a sign, a point or an exponent, which arithmetic
    // may read as a whole number (`+80`, `80.0`, `8e1`) where the line parser refuses it.
    const notNumber = (p: string) =>
      `least(coalesce(least(ceil(${p} - floor(${p})) - floor(${p} / (abs(${p}) + 1)), 1), least(strlen(${p}) - strcontains(${p}, "-"), 1))` +
      ` + strcontains(${p}, "+") + strcontains(${p}, ".") + strcontains(${p}, "e") + strcontains(${p}, "E"), 1)`;
    const past = (p: string, max: number | string) => `coalesce(greatest(floor(${p} / ${max}), 0), 0)`;
    expect(queryString).toContain(`least(${notNumber('fl_srcport')} + ${notNumber('fl_dstport')}, 1) as port_not_number`);
    expect(queryString).toContain(`least(${past('fl_srcport', 65536)} + ${past('fl_dstport', 65536)}, 1) as port_out_of_range`);
    expect(queryString).toContain(`${notNumber('fl_tcp_flags')} as tcp_flags_not_number`);
    expect(queryString).toContain(`${past('fl_tcp_flags', 256)} as tcp_flags_out_of_range`);
    expect(queryString).toContain(`least(${notNumber('fl_packets')} + ${notNumber('fl_bytes')}, 1) as count_not_number`);
    // Past 2^63 - 1 as near as a double tells: from the least double above 2^63 (2^63 - 1 itself rounds to 2^63).
    const overCount = '9223372036854777856';
    expect(queryString).toContain(`least(${past('fl_packets', overCount)} + ${past('fl_bytes', overCount)}, 1) as count_past_max`);
  });

  it('a format without log-status or end has no SKIPDATA to keep and no end to check', () => {
    const { queryString } = builder.build({
      logFormat: format.replace(' ${log-status}', '').replace(' ${end}', ''),
      from: WINDOW.from,
      to: WINDOW.to,
    });
    expect(queryString).toContain(' or ((fl_action = "REJECT" or fl_action = "ACCEPT") and fl_start < ');
    expect(queryString).not.toMatch(/fl_log_status|end_past_max|start_after_end|fl_end/);
  });

  it('counts the unparsed messages of a slice only where their timestamp lies in both the slice and the window, so each once', () => {
    const from = new Date('2026-11-24T00:00:00.250Z');
    const to = new Date('2026-11-24T06:00:00.750Z');
    const sec = (iso: string) => new Date(iso).getTime() / 1000;
    const filterOf = (startSlice: { from: number; to: number }) =>
      /^\| filter .*$/m.exec(builder.build({ logFormat: format, from, to, startSlice }).queryString)![0];

    // Whole window: the query's events are read from an hour (and more) before it, its unparsed ones from `from` to `to`.
    expect(filterOf({ from: sec('2026-11-23T23:00:00Z'), to: sec('2026-11-24T06:00:01Z') })).toBe(
      '| filter (not ispresent(fl_version) and toMillis(@timestamp) >= 1795478400250 and toMillis(@timestamp) < 1795500000750)' +
        ' or ((fl_action = "REJECT" or fl_action = "ACCEPT" or fl_log_status = "SKIPDATA") and fl_start < 1795500001 and fl_end >= 1795478400' +
        ' and fl_start >= 1795474800 and fl_start < 1795500001)',
    );
    // Halves of it: one owns [from, middle), the other [middle, to).
    expect(filterOf({ from: sec('2026-11-23T23:00:00Z'), to: sec('2026-11-24T02:30:00Z') })).toMatch(
      /^\| filter \(not ispresent\(fl_version\) and toMillis\(@timestamp\) >= 1795478400250 and toMillis\(@timestamp\) < 1795487400000\) or \(/,
    );
    expect(filterOf({ from: sec('2026-11-24T02:30:00Z'), to: sec('2026-11-24T06:00:01Z') })).toMatch(
      /^\| filter \(not ispresent\(fl_version\) and toMillis\(@timestamp\) >= 1795487400000 and toMillis\(@timestamp\) < 1795500000750\) or \(/,
    );
    // A slice of records that started before the window holds none of its unparsed messages: no branch for them.
    expect(filterOf({ from: sec('2026-11-23T23:00:00Z'), to: sec('2026-11-24T00:00:00Z') })).toBe(
      '| filter (fl_action = "REJECT" or fl_action = "ACCEPT" or fl_log_status = "SKIPDATA") and fl_start < 1795500001 and fl_end >= 1795478400' +
        ' and fl_start >= 1795474800 and fl_start < 1795478400',
    );
  });

  it('refuses scope values that are not AWS ids and formats without the fields attribution needs', () => {
    expect(() =>
      builder.build({ logFormat: format, from: WINDOW.from, to: WINDOW.to, scope: { subnetIds: ['subnet-1" or 1=1'] } }),
    ).toThrow('is not an AWS id');
    expect(() => builder.build({ logFormat: '${version} ${srcaddr} ${dstaddr}', from: WINDOW.from, to: WINDOW.to })).toThrow(
      'lacks interface-id',
    );
    expect(() => builder.build({ logFormat: format, from: WINDOW.to, to: WINDOW.from })).toThrow('must end after it starts');
  });

  it('refuses a query longer than StartQuery takes (10,000 characters), asking for a narrower scope, rather than have it refused', () => {
    const hex = (i: number) => i.toString(16).padStart(17, '0');
    // The most ids a target's scope holds: 200 VPCs and 200 subnets.
    const scope = {
      vpcIds: Array.from({ length: 200 }, (_, i) => `vpc-${hex(i)}`),
      subnetIds: Array.from({ length: 200 }, (_, i) => `subnet-${hex(i)}`),
    };
    let error: unknown;
    try {
      builder.build({ logFormat: format, from: WINDOW.from, to: WINDOW.to, scope });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'AWS.QUERY_TOO_LONG' });
    expect((error as Error).message).toMatch(
      /^CloudWatch Logs Insights query is \d+ characters, StartQuery accepts at most 10000: narrow the scope$/,
    );
    const half = { vpcIds: scope.vpcIds.slice(0, 100), subnetIds: scope.subnetIds.slice(0, 100) };
    expect(builder.build({ logFormat: format, from: WINDOW.from, to: WINDOW.to, scope: half }).queryString.length).toBeLessThanOrEqual(
      10_000,
    );
  });
});

describe('InsightsRowMerger: rows of records that are no flow are counted by reason, never merged into an aggregate', () => {
  const row = (values: Record<string, string>) => Object.entries(values).map(([field, value]) => ({ field, value }));
  const flow = {
    fl_interface_id: 'eni-0a1b2c3d4e5f60001',
    fl_srcaddr: '203.0.113.7',
    fl_dstaddr: '10.0.1.10',
    fl_protocol: '6',
    fl_action: 'REJECT',
    fl_log_status: 'OK',
    port_low: '5432',
    port_dst_service: '1',
    port_ephemeral: '1',
    port_kept: '0',
    ephemeral_min: '40001',
    ephemeral_max: '40001',
    end_past_max: '0',
    hour: '1795478400',
    records: '3',
  };

  it.each([
    ['SKIPDATA', { fl_srcaddr: '-', fl_dstaddr: '-', fl_protocol: '-', fl_action: '-', fl_log_status: 'SKIPDATA' }, 'skipdata'],
    ['a log-status other than OK', { fl_log_status: 'NODATA' }, 'log-status not OK'],
    ['a `-` interface', { fl_interface_id: '-' }, 'no interface-id'],
    ['a `-` address', { fl_dstaddr: '-' }, 'no address'],
    ['a `-` protocol', { fl_protocol: '-' }, 'no protocol'],
    ['a protocol that is not a number', { fl_protocol: 'tcp' }, 'protocol not a number'],
    ['an end past 9999-12-31T23:59:59Z', { end_past_max: '1' }, 'end past 9999-12-31T23:59:59Z'],
    ['a start after its end', { start_after_end: '1' }, 'start after end'],
    ['a protocol past 255', { fl_protocol: '300' }, 'protocol not from 0 to 255'],
    ['a source that is no address', { fl_srcaddr: 'not-an-address' }, 'address not IPv4 or IPv6'],
    ['a destination that is no address', { fl_dstaddr: '10.0.1.300' }, 'address not IPv4 or IPv6'],
    ['a port that is no number', { port_not_number: '1' }, 'port not a number'],
    ['a port past 65535', { port_out_of_range: '1' }, 'port not from 0 to 65535'],
    ['a version that is no number', { fl_version: 'v5' }, 'version not a number'],
    ['a signed version', { fl_version: '+5' }, 'version not a number'],
    ['a version past 255', { fl_version: '256' }, 'version not from 0 to 255'],
    ['a packet source that is no address', { fl_pkt_srcaddr: 'host' }, 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6'],
    ['a packet destination that is no address', { fl_pkt_dstaddr: '10.0.1.300' }, 'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6'],
    ['tcp-flags that are no number', { tcp_flags_not_number: '1' }, 'tcp-flags not a number'],
    ['tcp-flags past 255', { tcp_flags_out_of_range: '1' }, 'tcp-flags not from 0 to 255'],
    ['a direction that is neither ingress nor egress', { fl_flow_direction: 'sideways' }, 'flow-direction not ingress or egress'],
    ['packets or bytes that are no number', { count_not_number: '1' }, 'packets or bytes not a number'],
    ['packets or bytes past 2^63 - 1', { count_past_max: '1' }, 'packets or bytes past 9223372036854775807'],
  ])('%s', (_, change, reason) => {
    const merger = new InsightsRowMerger();
    merger.add(row({ ...flow, ...change }), '/vpc/a');
    merger.add(row({ ...flow, ...change, hour: '1795482000', records: '2' }), '/vpc/a');
    merger.add(row(flow), '/vpc/b');
    expect(merger.aggregates()).toHaveLength(1);
    expect(merger.aggregates()[0]!.records).toBe(3);
    const [a] = merger.unread();
    expect(a!.logGroupName).toBe('/vpc/a');
    const counted = { ...a!.unread.incompleteByReason, ...a!.unread.malformedByReason, skipdata: a!.unread.skipdata };
    expect(counted).toEqual({ skipdata: 0, [reason]: 5 });
    expect(merger.unread()).toHaveLength(1);
  });

  it('a row without any parsed field holds messages that do not match the format: counted malformed, never a flow', () => {
    const merger = new InsightsRowMerger();
    merger.add(row({ records: '4' }), '/vpc/a');
    merger.add(row(flow), '/vpc/a');
    merger.add(row({ records: '1' }), '/vpc/b');
    expect(merger.aggregates()).toHaveLength(1);
    expect(merger.rows).toBe(3);
    expect(merger.unread()).toEqual([
      {
        logGroupName: '/vpc/a',
        unread: { skipdata: 0, incompleteByReason: {}, malformedByReason: { 'message does not match the log format': 4 } },
      },
      {
        logGroupName: '/vpc/b',
        unread: { skipdata: 0, incompleteByReason: {}, malformedByReason: { 'message does not match the log format': 1 } },
      },
    ]);
  });

  it('a row of `-` values is no unparsed row: the message matched, its fields are there', () => {
    const merger = new InsightsRowMerger();
    const dashes = Object.fromEntries(
      Object.keys(flow)
        .filter((k) => k.startsWith('fl_'))
        .map((k) => [k, '-']),
    );
    merger.add(row({ ...dashes, records: '2' }), '/vpc/a');
    expect(merger.unread()[0]!.unread).toEqual({ skipdata: 0, incompleteByReason: { 'no interface-id': 2 }, malformedByReason: {} });
  });

  it('a `-` log-status reads as OK, as the file reader reads it', () => {
    const merger = new InsightsRowMerger();
    merger.add(row({ ...flow, fl_log_status: '-' }), '/vpc/a');
    expect(merger.aggregates()).toHaveLength(1);
    expect(merger.unread()).toEqual([]);
  });

  it('refuses a row of flows whose action the query never keeps', () => {
    expect(() => new InsightsRowMerger().add(row({ ...flow, fl_action: '-' }), '/vpc/a')).toThrow('a row of action');
  });
});
