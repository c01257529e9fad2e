import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { estimateAthenaCostUsd } from '../../../src/aws/athena-flow-query';
import { AthenaFlowSource, type AthenaFlowRequest } from '../../../src/aws/athena-flow-source';
import { AthenaQueryError } from '../../../src/aws/athena-query.error';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { emptyUnreadRecords } from '../../../src/engine/flow-log/unread-records';
import { queryExecution, resultPages, succeeded, unreadRow } from '../../support/aws/athena-responses';
import { flowLogsPage } from '../../support/aws/ec2-responses';

const V5 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction}';

const request: AthenaFlowRequest = {
  analysisId: '7b0e5f0e-3c1a-4a51-9d0c-2f9a3f1f5e11',
  kind: 'reject',
  target: { accountId: '111122223333', region: 'eu-west-1' },
  config: {
    database: 'vpc_logs',
    table: 'flow_logs',
    workgroup: 'sgdoctor',
    outputLocation: 's3://athena-results-111122223333/sgdoctor/',
    layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
    logFormat: V5,
  },
  from: new Date('2024-05-01T00:00:00Z'),
  to: new Date('2024-05-02T00:00:00Z'),
};

describe('AthenaFlowSource', () => {
  const athenaMock = mockClient(AthenaClient);
  const ec2Mock = mockClient(EC2Client);
  const athena = new AthenaClient({ region: 'eu-west-1' });
  const ec2 = new EC2Client({ region: 'eu-west-1' });
  const source = new AthenaFlowSource({ athena: () => athena, ec2: () => ec2 }, { pollInitialMs: 1, pollMaxMs: 4, timeoutMs: 2_000 });

  beforeEach(() => {
    athenaMock.reset();
    ec2Mock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock.on(StopQueryExecutionCommand).resolves({});
  });
  afterEach(() => {
    athenaMock.reset();
    ec2Mock.reset();
  });

  it('starts one parameterized query with workgroup, result location and an idempotency token', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    const query = await source.start(request);
    const input = athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.QueryString).toBe(query.sql);
    // The WHERE clause's values only (Athena binds a `?` nowhere else): the action and SKIPDATA, the
    // window's end and start, its partitions.
    expect(input.ExecutionParameters).toEqual(["'REJECT'", "'SKIPDATA'", '1714608000', '1714521600', "'2024/04/30'", "'2024/05/02'"]);
    expect(input.WorkGroup).toBe('sgdoctor');
    expect(input.ResultConfiguration).toEqual({ OutputLocation: 's3://athena-results-111122223333/sgdoctor/' });
    expect(input.ClientRequestToken).toMatch(/^sgdoctor-reject-[0-9a-f]{64}$/);
    expect(input.ClientRequestToken!.length).toBeGreaterThanOrEqual(32);
    expect(input.ClientRequestToken!.length).toBeLessThanOrEqual(128);
  });

  it('a redelivered job sends the same ClientRequestToken; another kind, attempt or analysis does not', async () => {
    await source.start(request);
    await source.start(request);
    await source.start({ ...request, kind: 'accept' });
    await source.start({ ...request, attempt: 1 });
    await source.start({ ...request, analysisId: 'another' });
    const tokens = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(new Set(tokens).size).toBe(4);
  });

  it('polls QUEUED → RUNNING → SUCCEEDED and reports bytes scanned, engine time and cost', async () => {
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(queryExecution('q-1', 'QUEUED'))
      .resolvesOnce(queryExecution('q-1', 'RUNNING'))
      .resolvesOnce(queryExecution('q-1', 'RUNNING'))
      .resolves(succeeded('q-1'));
    athenaMock.on(GetQueryResultsCommand).resolves(resultPages(2)[0]);
    const seen: FlowAggregate[] = [];
    const result = await source.run(request, (a) => {
      seen.push(a);
    });
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(4);
    expect(result).toEqual({
      queryExecutionId: 'q-1',
      dataScannedBytes: 3_221_225_472,
      engineExecutionTimeMillis: 4210,
      totalExecutionTimeMillis: 4630,
      estimatedCostUsd: (3 / 1024) * 5,
      aggregates: 2,
      unread: emptyUnreadRecords(),
      unknownFields: [],
    });
    expect(seen[0]).toEqual({
      interfaceId: 'eni-000',
      accountId: '111122223333',
      vpcId: 'vpc-0abc',
      subnetId: null,
      flowDirection: 'ingress',
      srcaddr: '203.0.113.0',
      dstaddr: '10.0.1.10',
      srcport: 40000,
      dstport: 5432,
      protocol: 6,
      action: 'REJECT',
      tcpFlags: 2,
      rejectReason: null,
      servicePortSide: 'dst',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 41000,
      records: 3,
      packets: 6,
      bytes: 360,
      firstSeen: 1714521600,
      lastSeen: 1714522200,
    });
  });

  it('counts the rows of records left out, wherever they fall in the pages, and never hands them on as aggregates', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    // 1000 rows a page, the header on the first page only: the counts come on the second page, after 1500 aggregates.
    const pages = resultPages(1500, 1000, [
      unreadRow('skipdata', 3),
      unreadRow('no interface-id', 2),
      unreadRow('protocol not a number', 1),
      unreadRow('end past 9999-12-31T23:59:59Z', 5),
    ]);
    expect(pages).toHaveLength(2);
    expect(pages[1].ResultSet.Rows[0].Data![0].VarCharValue).toMatch(/^eni-/);
    expect(pages[1].ResultSet.Rows.at(-1)!.Data!.at(-1)).toEqual({ VarCharValue: 'end past 9999-12-31T23:59:59Z' });
    let page = 0;
    athenaMock.on(GetQueryResultsCommand).callsFake(() => pages[page++]);
    const seen: FlowAggregate[] = [];
    const result = await source.run({ ...request, kind: 'window' }, (a) => {
      seen.push(a);
    });
    expect(result.aggregates).toBe(1500);
    expect(seen).toHaveLength(1500);
    expect(seen.every((a) => a.interfaceId.startsWith('eni-') && (a.action === 'REJECT' || a.action === 'ACCEPT'))).toBe(true);
    expect(result.unread).toEqual({
      skipdata: 3,
      incompleteByReason: { 'no interface-id': 2 },
      malformedByReason: { 'protocol not a number': 1, 'end past 9999-12-31T23:59:59Z': 5 },
    });
  });

  it('pages through more than 1000 rows with NextToken, skipping only the first page’s header', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    const pages = resultPages(2500);
    const sent: Record<string, unknown>[] = [];
    athenaMock.on(GetQueryResultsCommand).callsFake((input) => {
      sent.push({ ...input });
      return pages[sent.length - 1];
    });
    const query = await source.start(request);
    let count = 0;
    for await (const aggregate of query.aggregates(emptyUnreadRecords())) {
      expect(aggregate.interfaceId).toMatch(/^eni-/);
      count += 1;
    }
    expect(count).toBe(2500);
    expect(sent).toEqual([
      { QueryExecutionId: 'q-1', MaxResults: 1000 },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'results-1' },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'results-2' },
    ]);
  });

  it('fails naming GetQueryResults when a NextToken comes back a second time, instead of reading the same rows forever', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    const pages = resultPages(2500);
    let calls = 0;
    athenaMock.on(GetQueryResultsCommand).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same rows were asked for again and again');
      return calls === 1 ? pages[0] : { ...pages[1], NextToken: 'results-1' };
    });
    await expect(source.run(request, () => undefined)).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'athena:GetQueryResults', page: 2 },
    });
    expect(calls).toBe(2);
  });

  it('streams: the first page reaches the caller before the next page is requested', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    const pages = resultPages(1500);
    athenaMock.on(GetQueryResultsCommand).resolvesOnce(pages[0]).resolvesOnce(pages[1]);
    const query = await source.start(request);
    const iterator = query.aggregates(emptyUnreadRecords());
    await iterator.next();
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
    await iterator.return(undefined);
  });

  it('FAILED surfaces StateChangeReason and the AthenaError fields', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(
      queryExecution('q-1', 'FAILED', {
        Status: {
          StateChangeReason: "TABLE_NOT_FOUND: line 24:12: Table 'awsdatacatalog.vpc_logs.flow_logs' does not exist",
          AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: 'TABLE_NOT_FOUND' },
        },
      }),
    );
    const error = await source.run(request, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({
      failure: 'failed',
      queryExecutionId: 'q-1',
      stateChangeReason: "TABLE_NOT_FOUND: line 24:12: Table 'awsdatacatalog.vpc_logs.flow_logs' does not exist",
      athenaError: { errorCategory: 2, errorType: 1301, retryable: false, errorMessage: 'TABLE_NOT_FOUND' },
      retryable: false,
    });
    expect((error as Error).message).toContain('TABLE_NOT_FOUND');
  });

  it('CANCELLED (stopped elsewhere) is an error too', async () => {
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(queryExecution('q-1', 'RUNNING'))
      .resolves(queryExecution('q-1', 'CANCELLED', { Status: { StateChangeReason: 'Query cancelled by user' } }));
    await expect(source.run(request, () => undefined)).rejects.toMatchObject({
      failure: 'cancelled',
      stateChangeReason: 'Query cancelled by user',
    });
  });

  it('a slow query times out, is stopped, and the error says so', async () => {
    const impatient = new AthenaFlowSource({ athena: () => athena, ec2: () => ec2 }, { pollInitialMs: 5, pollMaxMs: 5, timeoutMs: 40 });
    athenaMock.on(GetQueryExecutionCommand).resolves(queryExecution('q-1', 'RUNNING'));
    await expect(impatient.run(request, () => undefined)).rejects.toMatchObject({ failure: 'timeout', retryable: true });
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: 'q-1' });
    expect(athenaMock.commandCalls(GetQueryExecutionCommand).length).toBeGreaterThan(2);
  });

  it('backs off between polls up to the maximum', async () => {
    const stamps: number[] = [];
    athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
      stamps.push(Date.now());
      return stamps.length < 5 ? queryExecution('q-1', 'RUNNING') : succeeded('q-1');
    });
    const patient = new AthenaFlowSource(
      { athena: () => athena, ec2: () => ec2 },
      { pollInitialMs: 10, pollMultiplier: 2, pollMaxMs: 40, timeoutMs: 5_000 },
    );
    await (await patient.start(request)).waitForCompletion();
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
    // 10, 20, 40, 40 ms (timers may fire a little late, never early)
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    expect(gaps[3]).toBeGreaterThanOrEqual(39);
    expect(gaps[3]).toBeLessThan(gaps[2] + 30);
  });

  it('an aborted analysis stops the query and rejects', async () => {
    // Athena reports a stopped query CANCELLED: what it scanned is read once it is.
    let stopped = false;
    athenaMock.on(StopQueryExecutionCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    athenaMock.on(GetQueryExecutionCommand).callsFake(() => queryExecution('q-1', stopped ? 'CANCELLED' : 'RUNNING'));
    const controller = new AbortController();
    const run = source.run({ ...request, signal: controller.signal }, () => undefined);
    setTimeout(() => controller.abort(), 15);
    await expect(run).rejects.toMatchObject({ failure: 'aborted' });
    await new Promise((r) => setTimeout(r, 5));
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('cancel() calls StopQueryExecution once', async () => {
    const query = await source.start(request);
    await query.cancel();
    await query.cancel();
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('rejects a result row that is not an aggregate, naming the row', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    const page = resultPages(3)[0];
    page.ResultSet.Rows[2] = { Data: page.ResultSet.Rows[2].Data!.map((d, i) => (i === 9 ? { VarCharValue: 'tcp' } : d)) };
    athenaMock.on(GetQueryResultsCommand).resolves(page);
    await expect(source.run(request, () => undefined)).rejects.toThrow(/row 2 is not a flow aggregate/);
  });

  it('reads LogFormat from DescribeFlowLogs when the target does not give it', async () => {
    ec2Mock.on(DescribeFlowLogsCommand).resolves(flowLogsPage);
    const query = await source.start({ ...request, config: { ...request.config, logFormat: null } });
    expect(ec2Mock.commandCalls(DescribeFlowLogsCommand)[0].args[0].input.Filter).toEqual([
      { Name: 'log-destination-type', Values: ['s3'] },
    ]);
    // The fixture's flow log is version 2: no vpc-id column in the query.
    expect(query.sql).toContain('CAST(NULL AS varchar) AS vpc_id');
  });

  it('a DescribeFlowLogs that EC2 refuses names the call and the account', async () => {
    ec2Mock.on(DescribeFlowLogsCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000002', attempts: 1 },
      }),
    );
    const error = await source.start({ ...request, config: { ...request.config, logFormat: null } }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'ec2:DescribeFlowLogs (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    });
    expect(classifyFailure(error)).toMatchObject({ code: 'AWS.UnauthorizedOperation', permanent: true });
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('uses the snapshot’s flow logs without another call, and refuses ambiguous formats', async () => {
    const logs = [
      { FlowLogId: 'fl-1', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::a', LogFormat: V5 },
      { FlowLogId: 'fl-2', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::b', LogFormat: '${version} ${interface-id}' },
    ];
    const base = { ...request, config: { ...request.config, logFormat: null }, flowLogs: logs };
    await expect(source.resolveLogFormat(base)).rejects.toThrow(/different formats/);
    expect(await source.resolveLogFormat({ ...base, config: { ...base.config, logDestination: 'arn:aws:s3:::a/' } })).toBe(V5);
    expect(ec2Mock.commandCalls(DescribeFlowLogsCommand)).toHaveLength(0);
  });

  it('takes the table’s LogFormat from the flow log at logDestination, given as an ARN or an s3:// URL', async () => {
    const logs = [
      { FlowLogId: 'fl-1', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::shared-logs/vpc', LogFormat: V5 },
      {
        FlowLogId: 'fl-2',
        LogDestinationType: 's3',
        LogDestination: 'arn:aws:s3:::shared-logs/vpc/rejects',
        LogFormat: '${version} ${interface-id}',
      },
      {
        FlowLogId: 'fl-3',
        LogDestinationType: 'cloud-watch-logs',
        LogDestination: 'arn:aws:logs:eu-west-1:111122223333:log-group:vpc',
        LogFormat: '${version}',
      },
    ];
    const at = (logDestination: string) => ({ ...request, config: { ...request.config, logFormat: null, logDestination }, flowLogs: logs });
    expect(await source.resolveLogFormat(at('arn:aws:s3:::shared-logs/vpc'))).toBe(V5);
    expect(await source.resolveLogFormat(at('s3://shared-logs/vpc/'))).toBe(V5);
    expect(await source.resolveLogFormat(at('s3://shared-logs/vpc/rejects'))).toBe('${version} ${interface-id}');
    // A destination no S3 flow log delivers to is a configuration error, not the default format.
    await expect(source.resolveLogFormat(at('s3://other-bucket/vpc'))).rejects.toThrow(/no flow log delivers to s3:\/\/other-bucket\/vpc/);
  });

  describe('a query that is already dead when the job attaches to it', () => {
    /** Athena's token idempotency: one QueryExecutionId per ClientRequestToken. */
    function tokenBoundQueries(states: Record<number, ReturnType<typeof queryExecution>['QueryExecution']>) {
      const ids = new Map<string, string>();
      athenaMock.on(StartQueryExecutionCommand).callsFake((input: { ClientRequestToken: string }) => {
        if (!ids.has(input.ClientRequestToken)) ids.set(input.ClientRequestToken, `q-${ids.size}`);
        return { QueryExecutionId: ids.get(input.ClientRequestToken) };
      });
      athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
        const generation = Number(input.QueryExecutionId.slice(2));
        return {
          QueryExecution: {
            ...(states[generation] ?? succeeded(input.QueryExecutionId).QueryExecution),
            QueryExecutionId: input.QueryExecutionId,
          },
        };
      });
      athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
      return ids;
    }
    const cancelled = queryExecution('', 'CANCELLED', { Status: { StateChangeReason: 'Query was cancelled by the user' } }).QueryExecution;
    const failedRetryable = queryExecution('', 'FAILED', {
      Status: {
        StateChangeReason: 'GENERIC_INTERNAL_ERROR: Athena ran out of capacity',
        AthenaError: { ErrorCategory: 1, ErrorType: 401, Retryable: true, ErrorMessage: 'GENERIC_INTERNAL_ERROR' },
      },
    }).QueryExecution;
    const failedForGood = queryExecution('', 'FAILED', {
      Status: {
        StateChangeReason: 'TABLE_NOT_FOUND: flow_logs',
        AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: 'TABLE_NOT_FOUND' },
      },
    }).QueryExecution;

    it('a CANCELLED query (stopped on a timeout) is replaced by the next generation’s query, which runs', async () => {
      const ids = tokenBoundQueries({ 0: cancelled });
      const result = await source.run(request, () => undefined);
      expect(result.queryExecutionId).toBe('q-1');
      const tokens = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ClientRequestToken);
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).not.toBe(tokens[0]);
      expect(tokens[1]).toMatch(/^sgdoctor-reject-[0-9a-f]{64}$/);
      expect([...ids.values()]).toEqual(['q-0', 'q-1']);
      // The same query text and parameters: only the token moves on.
      const inputs = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      expect(inputs[1].QueryString).toBe(inputs[0].QueryString);
      expect(inputs[1].ExecutionParameters).toEqual(inputs[0].ExecutionParameters);
    });

    it('a FAILED query Athena calls retryable is replaced too, past several dead generations', async () => {
      tokenBoundQueries({ 0: failedRetryable, 1: cancelled });
      const result = await source.run(request, () => undefined);
      expect(result.queryExecutionId).toBe('q-2');
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    });

    it('duplicated deliveries of one job converge on one query per generation', async () => {
      const ids = tokenBoundQueries({ 0: cancelled });
      const [a, b] = await Promise.all([source.start(request), source.start(request)]);
      expect([a.queryExecutionId, b.queryExecutionId]).toEqual(['q-1', 'q-1']);
      expect(ids.size).toBe(2);
      // The generation tokens are a function of the request alone: a later delivery finds the same ones.
      const again = await source.start(request);
      expect(again.queryExecutionId).toBe('q-1');
      expect(ids.size).toBe(2);
    });

    it('a query that failed for good is kept: its reason is the outcome, no other query starts', async () => {
      tokenBoundQueries({ 0: failedForGood });
      await expect(source.run(request, () => undefined)).rejects.toMatchObject({
        failure: 'failed',
        queryExecutionId: 'q-0',
        retryable: false,
      });
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
    });

    it('a caller that cancelled the analysis gets no fresh query', async () => {
      tokenBoundQueries({ 0: cancelled });
      const controller = new AbortController();
      athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
        controller.abort();
        return { QueryExecution: { ...cancelled, QueryExecutionId: input.QueryExecutionId } };
      });
      await expect(source.start({ ...request, signal: controller.signal })).rejects.toMatchObject({
        failure: 'aborted',
        queryExecutionId: 'q-0',
      });
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
    });

    it('gives up after the generation limit instead of starting queries without end', async () => {
      const limited = new AthenaFlowSource(
        { athena: () => athena, ec2: () => ec2 },
        { pollInitialMs: 1, pollMaxMs: 4, maxQueryGenerations: 3 },
      );
      tokenBoundQueries({ 0: cancelled, 1: failedRetryable, 2: cancelled, 3: cancelled });
      const error = await limited.start(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AthenaQueryError);
      expect(error).toMatchObject({ failure: 'cancelled', queryExecutionId: 'q-2', retryable: false });
      expect((error as Error).message).toMatch(/3 queries of this analysis ended without a result/);
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    });

    it('a query cancelled before it ever ran, again and again, costs at most 3 queries for the window', async () => {
      // A workgroup that cancels every query on arrival (or an operator who does): no statistics, never RUNNING.
      const neverRan = queryExecution('', 'CANCELLED', { Status: { StateChangeReason: 'Query was cancelled by the user' } }).QueryExecution;
      tokenBoundQueries(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [i, neverRan])));
      const error = await source.run(request, () => undefined).catch((e: unknown) => e);
      expect(error).toMatchObject({ failure: 'cancelled', queryExecutionId: 'q-2', retryable: false });
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
      expect((error as Error).message).toMatch(/3 queries of this analysis ended without a result/);
    });

    it('the probe is the first poll: a live query costs no extra GetQueryExecution', async () => {
      athenaMock.on(GetQueryExecutionCommand).resolvesOnce(queryExecution('q-1', 'RUNNING')).resolves(succeeded('q-1'));
      athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
      await source.run(request, () => undefined);
      expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
    });
  });

  it.each([
    [
      'ThrottlingException',
      () =>
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    ],
    [
      'TooManyRequestsException',
      () =>
        new TooManyRequestsException({
          message: 'Too many concurrent queries',
          Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
  ])('persistent %s from StartQueryExecution is AWS.THROTTLED, retried later, not a generic error', async (_name, error) => {
    athenaMock.on(StartQueryExecutionCommand).rejects(error());
    const thrown = await source.run(request, () => undefined).catch((e: unknown) => e);
    const classified = classifyFailure(thrown);
    expect(classified.code).toBe('AWS.THROTTLED');
    expect(classified.permanent).toBe(false);
    expect(classified.reason).toMatch(/throttl|too many/i);
  });

  it('rejects an injected workgroup before calling Athena', async () => {
    await expect(source.start({ ...request, config: { ...request.config, workgroup: 'wg; DROP' } })).rejects.toThrow(
      /invalid Athena workgroup name/,
    );
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});

describe('estimateAthenaCostUsd', () => {
  it.each([
    [0, (10 / 1024 / 1024) * 5],
    [1, (10 / 1024 / 1024) * 5],
    [10 * 1024 * 1024 + 1, (11 / 1024 / 1024) * 5],
    [1024 ** 4, 5],
  ])('%d bytes scanned cost %f USD at 5 USD/TB', (bytes, usd) => {
    expect(estimateAthenaCostUsd(bytes, 5)).toBeCloseTo(usd, 12);
  });

  it('uses the configured price', () => {
    expect(estimateAthenaCostUsd(2 * 1024 ** 4, 6.25)).toBe(12.5);
  });
});
