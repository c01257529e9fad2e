import { AthenaClient } from '@aws-sdk/client-athena';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { AthenaFlowSource, type AthenaFlowRequest } from '../../../src/aws/athena-flow-source';
import { FLOW_AGGREGATE_COLUMNS } from '../../../src/aws/athena-query-builder';
import { AthenaQueryError } from '../../../src/aws/athena-query.error';
import type { AthenaQuerySpend } from '../../../src/aws/athena-query-spend';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { FakeHttpHandler, type FakeResponse } from '../../support/aws/fake-http-handler';

/**
 * The Athena source through a real AthenaClient, answered with the JSON Athena sends: epoch-second
 * timestamps, every value a `VarCharValue` string, NULL a datum without one, the header row on the
 * first page only, `AthenaError` beside `StateChangeReason`.
 */
const V5 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction}';
const request: AthenaFlowRequest = {
  analysisId: '7b0e5f0e-3c1a-4a51-9d0c-2f9a3f1f5e11',
  kind: 'reject',
  target: { accountId: '111122223333', region: 'eu-west-1' },
  config: { database: 'vpc_logs', table: 'flow_logs', layout: { type: 'none' }, logFormat: V5 },
  from: new Date('2024-05-01T00:00:00Z'),
  to: new Date('2024-05-02T00:00:00Z'),
};
const json = (body: unknown, status = 200): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify(body),
});
const operationOf = (headers: Record<string, string>) => (headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');

const execution = (state: string, status: Record<string, unknown> = {}) =>
  json({
    QueryExecution: {
      QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      Query: 'SELECT …',
      StatementType: 'DML',
      ResultConfiguration: { OutputLocation: 's3://athena-results/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111.csv' },
      QueryExecutionContext: { Catalog: 'awsdatacatalog' },
      Status: { State: state, SubmissionDateTime: 1714608001.123, ...status },
      Statistics: {
        EngineExecutionTimeInMillis: 4210,
        DataScannedInBytes: 1048576,
        TotalExecutionTimeInMillis: 4630,
        QueryQueueTimeInMillis: 120,
        ServiceProcessingTimeInMillis: 80,
      },
      WorkGroup: 'primary',
      EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    },
  });

/** One result row: `null` is a datum without VarCharValue. */
const row = (values: Record<string, string | null>) => ({
  Data: FLOW_AGGREGATE_COLUMNS.map((c) => (values[c] === null || values[c] === undefined ? {} : { VarCharValue: values[c] })),
});
const values = (i: number): Record<string, string | null> => ({
  interface_id: 'eni-0a1b2c3d4e5f60001',
  account_id: '111122223333',
  vpc_id: null,
  subnet_id: null,
  flow_direction: null,
  srcaddr: `203.0.113.${i}`,
  dstaddr: '10.0.1.10',
  srcport: '40000',
  dstport: '5432',
  protocol: '6',
  action: 'REJECT',
  tcp_flags: null,
  reject_reason: null,
  service_port_side: 'dst',
  ephemeral_port_min: '40000',
  ephemeral_port_max: '40100',
  records: '3',
  packets: '6',
  bytes: '9007199254740991',
  first_seen: '1714521600',
  last_seen: '1714522200',
  hourly_records: '{"1714521600":3}',
});
const types: Record<string, string> = {
  interface_id: 'varchar',
  srcport: 'integer',
  dstport: 'integer',
  protocol: 'integer',
  tcp_flags: 'integer',
  records: 'bigint',
  packets: 'bigint',
  bytes: 'bigint',
  first_seen: 'bigint',
  last_seen: 'bigint',
};
const metadata = {
  ColumnInfo: FLOW_AGGREGATE_COLUMNS.map((name) => ({
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: types[name] ?? 'varchar',
    Precision: types[name] === 'bigint' ? 19 : 2147483647,
    Scale: 0,
    Nullable: 'UNKNOWN',
    CaseSensitive: !types[name],
  })),
};

/** A FakeHttpHandler that, like Node's, sends nothing once its signal has aborted, and drops the response of a request whose signal aborted while it was in flight. */
class AbortableHttpHandler extends FakeHttpHandler {
  override async handle(request: Parameters<FakeHttpHandler['handle']>[0], options: { abortSignal?: AbortSignal } = {}) {
    const aborted = () => Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    if (options.abortSignal?.aborted) throw aborted();
    const answer = await super.handle(request);
    if (options.abortSignal?.aborted) throw aborted();
    return answer;
  }
}

function source(handler: FakeHttpHandler): AthenaFlowSource {
  const config = {
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: handler,
    retryStrategy: new ConfiguredRetryStrategy(3, 1),
  };
  return new AthenaFlowSource(
    { athena: () => new AthenaClient(config), ec2: () => new EC2Client(config) },
    { pollInitialMs: 1, pollMaxMs: 2, timeoutMs: 5_000, pageSize: 2 },
  );
}

describe('AthenaFlowSource over the Athena wire protocol', () => {
  it('polls to SUCCEEDED, reads every page (header on the first only), NULLs as missing values, bigint as strings', async () => {
    let polls = 0;
    const handler = new FakeHttpHandler((request) => {
      switch (operationOf(request.headers)) {
        case 'StartQueryExecution':
          return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
        case 'GetQueryExecution':
          polls += 1;
          return execution(polls === 1 ? 'QUEUED' : polls === 2 ? 'RUNNING' : 'SUCCEEDED');
        case 'GetQueryResults': {
          const token = JSON.parse(request.body).NextToken as string | undefined;
          if (!token) {
            return json({
              UpdateCount: 0,
              ResultSet: {
                Rows: [row(Object.fromEntries(FLOW_AGGREGATE_COLUMNS.map((c) => [c, c]))), row(values(1))],
                ResultSetMetadata: metadata,
              },
              NextToken: 'AXqXJ2dlbmVyYXRpb24AAAA=',
            });
          }
          return json({ UpdateCount: 0, ResultSet: { Rows: [row(values(2)), row(values(3))], ResultSetMetadata: metadata } });
        }
        default:
          return json({ __type: 'InvalidRequestException', message: 'unexpected' }, 400);
      }
    });
    const seen: FlowAggregate[] = [];
    const result = await source(handler).run(request, (a) => {
      seen.push(a);
    });
    expect(result).toMatchObject({ queryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', dataScannedBytes: 1048576, aggregates: 3 });
    expect(seen.map((a) => a.srcaddr)).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3']);
    expect(seen[0]).toMatchObject({
      vpcId: null,
      flowDirection: null,
      tcpFlags: null,
      rejectReason: null,
      bytes: 9007199254740991,
      records: 3,
    });
    const pages = handler.requests.filter((r) => operationOf(r.headers) === 'GetQueryResults').map((r) => JSON.parse(r.body));
    expect(pages).toEqual([
      { QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', MaxResults: 2 },
      { QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', MaxResults: 2, NextToken: 'AXqXJ2dlbmVyYXRpb24AAAA=' },
    ]);
  });

  it('a text table: lines too short for the format come back as one count row, NULL keys, read as malformed', async () => {
    const short: Record<string, string | null> = Object.fromEntries(FLOW_AGGREGATE_COLUMNS.map((c) => [c, null]));
    const handler = new FakeHttpHandler((request) => {
      switch (operationOf(request.headers)) {
        case 'StartQueryExecution':
          return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
        case 'GetQueryExecution':
          return execution('SUCCEEDED');
        case 'GetQueryResults': {
          const token = JSON.parse(request.body).NextToken as string | undefined;
          if (!token) {
            return json({
              UpdateCount: 0,
              ResultSet: {
                Rows: [row(Object.fromEntries(FLOW_AGGREGATE_COLUMNS.map((c) => [c, c]))), row(values(1))],
                ResultSetMetadata: metadata,
              },
              NextToken: 'AXqXJ2dlbmVyYXRpb24AAAA=',
            });
          }
          const rows = [
            row({ ...short, unread_reason: 'message does not match the log format', records: '2', first_seen: '0', last_seen: '0' }),
            row({ ...short, unread_reason: 'skipdata', records: '1', first_seen: '1714521600', last_seen: '1714522200' }),
          ];
          return json({ UpdateCount: 0, ResultSet: { Rows: rows, ResultSetMetadata: metadata } });
        }
        default:
          return json({ __type: 'InvalidRequestException', message: 'unexpected' }, 400);
      }
    });
    const text = {
      ...request.config,
      delimitedText: { stringColumns: ['interface_id', 'srcaddr', 'dstaddr', 'action', 'log_status', 'flow_direction'] },
    };
    const result = await source(handler).run({ ...request, kind: 'window', config: text }, () => undefined);
    expect(result.aggregates).toBe(1);
    expect(result.unread).toEqual({
      skipdata: 1,
      incompleteByReason: {},
      malformedByReason: { 'message does not match the log format': 2 },
    });
    const started = JSON.parse(handler.requests.find((r) => operationOf(r.headers) === 'StartQueryExecution')!.body);
    expect(started.QueryString).toContain(`WHEN "flow_direction" IS NULL THEN 'message does not match the log format'`);
    // Every value of the time test a bound parameter: nothing of the window written into the query.
    expect(started.QueryString).not.toMatch(/1714\d{6}/);
    expect(started.ExecutionParameters).toEqual(expect.arrayContaining(['1714521600', '1714608000']));
  });

  it('an empty string (a VarCharValue of "", unlike NULL’s datum without one) is no value, as a file’s empty cell is: never a failed result', async () => {
    const header = row(Object.fromEntries(FLOW_AGGREGATE_COLUMNS.map((c) => [c, c])));
    const handler = new FakeHttpHandler((request) => {
      switch (operationOf(request.headers)) {
        case 'StartQueryExecution':
          return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
        case 'GetQueryExecution':
          return execution('SUCCEEDED');
        case 'GetQueryResults':
          return json({
            UpdateCount: 0,
            ResultSet: {
              Rows: [
                header,
                row({ ...values(1), account_id: '', vpc_id: '', subnet_id: '', flow_direction: '', reject_reason: '' }),
                row({ ...values(2), interface_id: '' }),
              ],
              ResultSetMetadata: metadata,
            },
          });
        default:
          return json({ __type: 'InvalidRequestException', message: 'unexpected' }, 400);
      }
    });
    const seen: FlowAggregate[] = [];
    const result = await source(handler).run({ ...request, kind: 'window' }, (a) => {
      seen.push(a);
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      srcaddr: '203.0.113.1',
      accountId: null,
      vpcId: null,
      subnetId: null,
      flowDirection: null,
      rejectReason: null,
    });
    // A file reader counts a record without an interface the same way.
    expect(result.unread).toEqual({ skipdata: 0, incompleteByReason: { 'no interface-id': 3 }, malformedByReason: {} });
  });

  it('FAILED keeps StateChangeReason and AthenaError; CANCELLED is no success', async () => {
    const failing = (status: FakeResponse) =>
      new FakeHttpHandler((request) =>
        operationOf(request.headers) === 'StartQueryExecution'
          ? json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' })
          : status,
      );
    const failed = await source(
      failing(
        execution('FAILED', {
          StateChangeReason: "COLUMN_NOT_FOUND: line 12:8: Column 'flow_direction' cannot be resolved",
          CompletionDateTime: 1714608005.5,
          AthenaError: {
            ErrorCategory: 2,
            ErrorType: 1006,
            Retryable: false,
            ErrorMessage: "COLUMN_NOT_FOUND: Column 'flow_direction' cannot be resolved",
          },
        }),
      ),
    )
      .run(request, () => undefined)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AthenaQueryError);
    expect(failed).toMatchObject({
      failure: 'failed',
      stateChangeReason: "COLUMN_NOT_FOUND: line 12:8: Column 'flow_direction' cannot be resolved",
      athenaError: { errorCategory: 2, errorType: 1006, retryable: false },
      retryable: false,
    });

    let probes = 0;
    const handler = new FakeHttpHandler((request): FakeResponse => {
      const operation = operationOf(request.headers);
      if (operation === 'StartQueryExecution') return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
      if (operation === 'StopQueryExecution') return json({});
      // Alive when the job attaches to it, stopped by someone else while it runs.
      probes += 1;
      return probes === 1 ? execution('RUNNING') : execution('CANCELLED', { StateChangeReason: 'Query cancelled by user' });
    });
    await expect(source(handler).run(request, () => undefined)).rejects.toMatchObject({ failure: 'cancelled', retryable: false });
    expect(handler.requests.some((r) => operationOf(r.headers) === 'GetQueryResults')).toBe(false);
  });

  it('TooManyRequestsException on GetQueryResults is retried by the SDK', async () => {
    let throttled = 0;
    const handler = new FakeHttpHandler((request) => {
      switch (operationOf(request.headers)) {
        case 'StartQueryExecution':
          return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
        case 'GetQueryExecution':
          return execution('SUCCEEDED');
        default:
          if (throttled++ < 2)
            return json({ __type: 'TooManyRequestsException', message: 'Rate exceeded', Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' }, 400);
          return json({
            UpdateCount: 0,
            ResultSet: { Rows: [row(Object.fromEntries(FLOW_AGGREGATE_COLUMNS.map((c) => [c, c])))], ResultSetMetadata: metadata },
          });
      }
    });
    await expect(source(handler).run(request, () => undefined)).resolves.toMatchObject({ aggregates: 0 });
    expect(throttled).toBe(3);
  });
  describe('an analysis cancelled while its query is being started', () => {
    /** Athena's side: the query starts when StartQueryExecution arrives, and is CANCELLED once stopped. */
    const athena = (controller: AbortController, abortOn: 'StartQueryExecution' | 'GetQueryExecution') => {
      let stopped = false;
      return new AbortableHttpHandler((request) => {
        const operation = operationOf(request.headers);
        if (operation === abortOn) controller.abort();
        switch (operation) {
          case 'StartQueryExecution':
            return json({ QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
          case 'StopQueryExecution':
            stopped = true;
            return json({});
          default:
            return execution(stopped ? 'CANCELLED' : 'RUNNING');
        }
      });
    };

    it.each(['StartQueryExecution', 'GetQueryExecution'] as const)(
      'the cancellation landing during %s: the query Athena started is stopped and what it scanned recorded',
      async (abortOn) => {
        const controller = new AbortController();
        const handler = athena(controller, abortOn);
        const recorded: AthenaQuerySpend[] = [];
        const ledger = {
          timedOut: new Set<string>(),
          started: async () => undefined,
          record: async (spend: AthenaQuerySpend) => void recorded.push(spend),
          hold: () => undefined,
        };
        await expect(source(handler).run({ ...request, signal: controller.signal, ledger }, () => undefined)).rejects.toBeDefined();
        await expect.poll(() => recorded.at(-1)?.state).toBe('CANCELLED');
        expect(recorded.at(-1)).toMatchObject({ queryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', dataScannedBytes: 1048576 });
        expect(handler.requests.filter((r) => operationOf(r.headers) === 'StopQueryExecution')).toHaveLength(1);
      },
    );

    it('a cancellation before the query is started starts none', async () => {
      const controller = new AbortController();
      const handler = athena(controller, 'GetQueryExecution');
      controller.abort();
      await expect(source(handler).run({ ...request, signal: controller.signal }, () => undefined)).rejects.toBeDefined();
      expect(handler.requests.filter((r) => operationOf(r.headers) === 'StartQueryExecution')).toHaveLength(0);
    });
  });
});
