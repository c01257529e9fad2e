import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { CloudWatchLogsFlowSource } from '../../../src/aws/cloudwatch-logs-flow-source';
import { InsightsQueryError } from '../../../src/aws/insights-query.error';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { CloudWatchLogsTargetFlowSource } from '../../../src/flow-sources/cloudwatch-logs-flow-source';
import { FakeHttpHandler, type FakeResponse } from '../../support/aws/fake-http-handler';

/**
 * The Insights source through a real CloudWatchLogsClient, answered with the JSON CloudWatch Logs
 * sends: each result row a list of `{field, value}`, fields without a value left out of the row,
 * statistics as doubles, the status moving Scheduled → Running → Complete (or ending otherwise).
 */
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };
const WINDOW = { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') };
const LOG_GROUP = '/vpc/flow-logs';
const V2 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

const json = (body: unknown, status = 200): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify(body),
});
const actionOf = (headers: Record<string, string>) => (headers['x-amz-target'] ?? '').replace('Logs_20140328.', '');
const cells = (values: Record<string, string>) => Object.entries(values).map(([field, value]) => ({ field, value }));

const rows = [
  cells({
    fl_interface_id: 'eni-0a1b2c3d4e5f60001',
    fl_account_id: '111122223333',
    fl_srcaddr: '203.0.113.7',
    fl_dstaddr: '10.0.1.10',
    fl_protocol: '6',
    fl_action: 'REJECT',
    port_low: '22',
    port_dst_service: '1',
    port_ephemeral: '1',
    port_kept: '0',
    hour: '1714521600',
    records: '3',
    packets: '3',
    bytes: '180',
    first_start: '1714521610',
    last_end: '1714521670',
    ephemeral_min: '40001',
    ephemeral_max: '40003',
  }),
  // `account-id` was "-" in those records' messages: Insights leaves the field out of the row.
  [
    ...cells({
      fl_interface_id: 'eni-0a1b2c3d4e5f60001',
      fl_srcaddr: '203.0.113.7',
      fl_dstaddr: '10.0.1.10',
      fl_protocol: '6',
      fl_action: 'REJECT',
      port_low: '22',
      port_dst_service: '1',
      port_ephemeral: '1',
      port_kept: '0',
      hour: '1714525200',
      records: '2',
      packets: '2',
      bytes: '120',
      first_start: '1714525210',
      last_end: '1714525270',
      ephemeral_min: '39999',
      ephemeral_max: '40010',
    }),
    { field: '@ptr', value: 'CmAKJwojMTExMTIyMjIzMzMzOi92cGMvZmxvdy1sb2dzEAEiDgiAgIDAwjEQ' },
  ],
];

function source(handler: FakeHttpHandler): CloudWatchLogsFlowSource {
  const config = {
    region: TARGET.region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: handler,
    retryStrategy: new ConfiguredRetryStrategy(3, 1),
  };
  return new CloudWatchLogsFlowSource(
    { cloudWatchLogs: () => new CloudWatchLogsClient(config), ec2: () => new EC2Client(config) },
    { pollInitialMs: 1, pollMaxMs: 2 },
  );
}

/** One analysis window of the log group read as a target's flow source reads it, the log group's format `logFormat`. */
function readWindow(handler: FakeHttpHandler, logFormat: string, sink: (aggregate: FlowAggregate) => void) {
  return new CloudWatchLogsTargetFlowSource(source(handler)).read(
    {
      analysisId: 'an-1',
      attempt: 0,
      target: { id: 't-1', ...TARGET, access: { type: 'default-chain' }, scope: { vpcIds: [], subnetIds: [] } },
      settings: { type: 'cloudwatch-logs', logGroupName: LOG_GROUP, flowLogId: null, logFormat },
      window: WINDOW,
      snapshot: {},
      signal: new AbortController().signal,
    },
    sink,
  );
}

const run = (handler: FakeHttpHandler) =>
  source(handler).run({ target: TARGET, config: { logGroupName: LOG_GROUP, logFormat: V2 }, from: WINDOW.from, to: WINDOW.to });

describe('CloudWatchLogsFlowSource over the CloudWatch Logs wire protocol', () => {
  it('reads rows of {field, value} with fields left out, through Scheduled and Running to Complete', async () => {
    let polls = 0;
    const handler = new FakeHttpHandler((request) => {
      if (actionOf(request.headers) === 'StartQuery') return json({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' });
      polls += 1;
      if (polls < 3)
        return json({
          results: [],
          statistics: { recordsMatched: 0.0, recordsScanned: 0.0, bytesScanned: 0.0 },
          status: polls === 1 ? 'Scheduled' : 'Running',
        });
      return json({
        results: rows,
        statistics: { recordsMatched: 5.0, recordsScanned: 1000.0, bytesScanned: 150000.0 },
        status: 'Complete',
      });
    });
    const result = await run(handler);
    expect(result.aggregates).toHaveLength(1);
    expect(result.aggregates[0]).toMatchObject({
      interfaceId: 'eni-0a1b2c3d4e5f60001',
      accountId: '111122223333',
      srcport: 39999,
      dstport: 22,
      servicePortSide: 'dst',
      ephemeralPortMin: 39999,
      ephemeralPortMax: 40010,
      records: 5,
      firstSeen: 1714521610,
      lastSeen: 1714525270,
    });
    expect(result).toMatchObject({ queries: 1, rows: 2, recordsMatched: 5, recordsScanned: 1000, bytesScanned: 150000 });
    const start = JSON.parse(handler.requests[0].body);
    expect(start).toMatchObject({ logGroupName: LOG_GROUP, limit: 10000 });
  });

  it('counts the row of messages that did not match the format (every parsed field left out of it) as malformed', async () => {
    // The unparsed messages' group: no key has a value, so only the count comes back.
    const unparsed = [{ field: 'records', value: '4' }];
    const handler = new FakeHttpHandler((request) =>
      actionOf(request.headers) === 'StartQuery'
        ? json({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' })
        : json({
            results: [...rows, unparsed],
            statistics: { recordsMatched: 9.0, recordsScanned: 1000.0, bytesScanned: 150000.0 },
            status: 'Complete',
          }),
    );
    const result = await run(handler);
    expect(result.aggregates).toHaveLength(1);
    expect(result.aggregates[0]!.records).toBe(5);
    expect(result.rows).toBe(3);
    expect(result.unread).toEqual([
      {
        logGroupName: LOG_GROUP,
        unread: { skipdata: 0, incompleteByReason: {}, malformedByReason: { 'message does not match the log format': 4 } },
      },
    ]);
    // Those of the window, by their timestamp: the query's events begin more than an hour before it.
    const start = JSON.parse(handler.requests[0].body) as { queryString: string; startTime: number };
    expect(start.queryString).toContain(
      `| filter (not ispresent(fl_version) and toMillis(@timestamp) >= ${WINDOW.from.getTime()} and toMillis(@timestamp) < ${WINDOW.to.getTime()}) or (`,
    );
    expect(start.startTime).toBeLessThan(WINDOW.from.getTime() / 1000 - 3600);
  });

  it.each(['Failed', 'Cancelled', 'Unknown'])('a query that ends %s fails the window, naming the query', async (status) => {
    const handler = new FakeHttpHandler((request) =>
      actionOf(request.headers) === 'StartQuery'
        ? json({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' })
        : json({ results: [], statistics: { recordsMatched: 0.0, recordsScanned: 0.0, bytesScanned: 0.0 }, status }),
    );
    const error = await run(handler).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsightsQueryError);
    expect((error as Error).message).toBe(
      `CloudWatch Logs Insights query 12ab3456-12ab-123a-789e-1234567890ab on ${LOG_GROUP} ended ${status}`,
    );
  });

  it('MalformedQueryException is a refusal, not retried', async () => {
    const handler = new FakeHttpHandler(() =>
      json(
        {
          __type: 'MalformedQueryException',
          message: 'unexpected symbol found | at line 1 and column 7',
          queryCompileError: { location: { startCharOffset: 6, endCharOffset: 7 }, message: 'unexpected symbol found' },
        },
        400,
      ),
    );
    await expect(run(handler)).rejects.toMatchObject({ name: 'MalformedQueryException', $fault: 'client' });
    expect(handler.requests).toHaveLength(1);
  });

  it('a log group that does not exist (ResourceNotFoundException names none) is named with the call, account and region', async () => {
    const handler = new FakeHttpHandler(() =>
      json({ __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' }, 400),
    );
    const error = await run(handler).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', $fault: 'client', $metadata: { attempts: 1 } });
    expect((error as Error).message).toBe(
      `logs:StartQuery on ${LOG_GROUP} (account 111122223333, eu-west-1): The specified log group does not exist.`,
    );
    expect(classifyFailure(error)).toMatchObject({ code: 'AWS.ResourceNotFoundException', permanent: true });
  });

  it('a log group with no log event in the window (recordsScanned 0) is named in the warnings, not read as a quiet network', async () => {
    const handler = new FakeHttpHandler((request) =>
      actionOf(request.headers) === 'StartQuery'
        ? json({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' })
        : json({ results: [], statistics: { recordsMatched: 0.0, recordsScanned: 0.0, bytesScanned: 0.0 }, status: 'Complete' }),
    );
    const statistics = await readWindow(handler, V2, () => undefined);
    expect(statistics).toMatchObject({ records: 0, insights: { recordsScanned: 0 } });
    expect(statistics.warnings).toEqual([
      {
        file: LOG_GROUP,
        message:
          "CloudWatch Logs Insights scanned no log event of the window in this log group: check that it is the one the flow log publishes to (the target's logGroupName or flowLogId)",
      },
    ]);
  });

  it('a format with a field newer than sgdoctor is parsed past, and the analysis names the field it did not read', async () => {
    const newer = `${V2} \${traffic-class}`;
    let query = '';
    const handler = new FakeHttpHandler((request) => {
      if (actionOf(request.headers) === 'StartQuery') {
        query = (JSON.parse(String(request.body)) as { queryString: string }).queryString;
        return json({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' });
      }
      return json({ results: rows, statistics: { recordsMatched: 5.0, recordsScanned: 5.0, bytesScanned: 900.0 }, status: 'Complete' });
    });
    const aggregates: FlowAggregate[] = [];
    const statistics = await readWindow(handler, newer, (aggregate) => aggregates.push(aggregate));
    // The message has one more field: the pattern parses past it.
    expect(query).toContain(`parse @message "${Array.from({ length: 15 }, () => '*').join(' ')}"`);
    expect(aggregates).toHaveLength(1);
    expect(statistics.warnings).toEqual([
      { file: LOG_GROUP, message: 'unknown flow-log field "traffic-class" in the format: newer than sgdoctor, its values were not read' },
    ]);
  });
});
