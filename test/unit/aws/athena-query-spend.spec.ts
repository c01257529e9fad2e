import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { estimateAthenaCostUsd } from '../../../src/aws/athena-flow-query';
import { AthenaFlowSource, type AthenaFlowRequest, type AthenaFlowSourceOptions } from '../../../src/aws/athena-flow-source';
import { AthenaQueryError } from '../../../src/aws/athena-query.error';
import { athenaBilledCostUsd, type AthenaQuerySpend, type AthenaSpendLedger } from '../../../src/aws/athena-query-spend';
import { queryExecution, resultPages, succeeded } from '../../support/aws/athena-responses';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const V5 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction}';

const request: AthenaFlowRequest = {
  analysisId: '7b0e5f0e-3c1a-4a51-9d0c-2f9a3f1f5e11',
  kind: 'window',
  target: { accountId: '111122223333', region: 'eu-west-1' },
  config: {
    database: 'vpc_logs',
    table: 'flow_logs',
    workgroup: 'sgdoctor',
    layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
    logFormat: V5,
  },
  from: new Date('2024-05-01T00:00:00Z'),
  to: new Date('2024-05-02T00:00:00Z'),
};

/** A ledger that keeps what it is told, as the analysis's table does: one entry per query, the latest figures. */
class MemoryLedger implements AthenaSpendLedger {
  readonly calls: AthenaQuerySpend[] = [];
  readonly byId = new Map<string, AthenaQuerySpend>();
  /** Queries recorded as started, in order. */
  readonly starts: string[] = [];
  /** Work the flow source left running in the background, which a shutdown waits for. */
  readonly held: Promise<unknown>[] = [];
  timedOut = new Set<string>();
  failWith: Error | null = null;

  async started(queryExecutionId: string): Promise<void> {
    this.starts.push(queryExecutionId);
    if (this.failWith) throw this.failWith;
    if (!this.byId.has(queryExecutionId)) {
      this.byId.set(queryExecutionId, { queryExecutionId, state: 'QUEUED', dataScannedBytes: 0, billedCostUsd: 0, timedOut: false });
    }
  }

  hold(work: Promise<unknown>): void {
    this.held.push(work);
  }

  async record(spend: AthenaQuerySpend): Promise<void> {
    this.calls.push(spend);
    if (this.failWith) throw this.failWith;
    const before = this.byId.get(spend.queryExecutionId);
    this.byId.set(spend.queryExecutionId, { ...spend, timedOut: spend.timedOut || Boolean(before?.timedOut) });
  }
}

/** GetQueryExecution of a query that has scanned `bytes` so far, as Athena reports it while RUNNING and once it ended. */
const scanned = (
  id: string,
  state: 'RUNNING' | 'CANCELLED' | 'FAILED' | 'SUCCEEDED',
  bytes: number,
  status: Record<string, unknown> = {},
) =>
  queryExecution(id, state, {
    Status: status,
    Statistics: { EngineExecutionTimeInMillis: 61_000, DataScannedInBytes: bytes, TotalExecutionTimeInMillis: 61_400 },
  });

describe('every Athena query sgdoctor starts is accounted for with the bytes Athena reports', () => {
  const athenaMock = mockClient(AthenaClient);
  const athena = new AthenaClient({ region: 'eu-west-1' });
  const ec2 = new EC2Client({ region: 'eu-west-1' });
  const sourceWith = (options: AthenaFlowSourceOptions = {}) =>
    new AthenaFlowSource(
      { athena: () => athena, ec2: () => ec2 },
      { pollInitialMs: 2, pollMaxMs: 5, timeoutMs: 40, settleTimeoutMs: 200, ...options },
    );
  let ledger: MemoryLedger;

  beforeEach(() => {
    athenaMock.reset();
    ledger = new MemoryLedger();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  });
  afterEach(() => athenaMock.reset());

  it('a query stopped on its timeout: described after the stop until CANCELLED, its final scan recorded and carried by the error', async () => {
    let stopped = false;
    athenaMock.on(StopQueryExecutionCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    let pollsAfterStop = 0;
    athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
      if (!stopped) return scanned('q-1', 'RUNNING', 40 * GIB);
      // Athena takes a moment to wind the query down; its final figure is what it scanned in all.
      pollsAfterStop += 1;
      return pollsAfterStop < 3 ? scanned('q-1', 'RUNNING', 52 * GIB) : scanned('q-1', 'CANCELLED', 53 * GIB);
    });

    const error = await sourceWith()
      .run({ ...request, ledger }, () => undefined)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({
      failure: 'timeout',
      code: 'ATHENA.TIMEOUT',
      retryable: true,
      dataScannedBytes: 53 * GIB,
      stopFailure: null,
    });
    expect((error as Error).message).toBe('Athena query q-1 still RUNNING after 40 ms; stopped');
    expect(pollsAfterStop).toBe(3);
    expect([...ledger.byId.values()]).toEqual([
      {
        queryExecutionId: 'q-1',
        state: 'CANCELLED',
        dataScannedBytes: 53 * GIB,
        billedCostUsd: estimateAthenaCostUsd(53 * GIB, 5),
        timedOut: true,
      },
    ]);
  });

  it('waiting for the stop to take is bounded: past settleTimeoutMs the last figures are recorded, the timeout still thrown', async () => {
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    athenaMock.on(GetQueryExecutionCommand).resolves(scanned('q-1', 'RUNNING', 7 * GIB));
    const started = performance.now();
    const error = await sourceWith({ settleTimeoutMs: 30 })
      .run({ ...request, ledger }, () => undefined)
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ failure: 'timeout', dataScannedBytes: 7 * GIB });
    expect(ledger.byId.get('q-1')).toEqual({
      queryExecutionId: 'q-1',
      state: 'RUNNING',
      dataScannedBytes: 7 * GIB,
      billedCostUsd: estimateAthenaCostUsd(7 * GIB, 5),
      timedOut: true,
    });
  });

  it('CANCELLED elsewhere (an operator, a workgroup data limit): recorded and billed for its scan, the error carries it', async () => {
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(scanned('q-1', 'RUNNING', GIB))
      .resolves(scanned('q-1', 'CANCELLED', 2 * GIB, { StateChangeReason: 'Query cancelled: bytes scanned limit was exceeded' }));
    const error = await sourceWith({ timeoutMs: 5_000 })
      .run({ ...request, ledger }, () => undefined)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'cancelled', dataScannedBytes: 2 * GIB });
    expect(ledger.byId.get('q-1')).toMatchObject({
      state: 'CANCELLED',
      dataScannedBytes: 2 * GIB,
      billedCostUsd: estimateAthenaCostUsd(2 * GIB, 5),
    });
  });

  it('FAILED: its bytes recorded, at no charge (Athena does not bill failed queries)', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(
      scanned('q-1', 'FAILED', 3 * GIB, {
        StateChangeReason: 'HIVE_BAD_DATA: Error parsing field value',
        AthenaError: { ErrorCategory: 2, ErrorType: 1002, Retryable: false, ErrorMessage: 'HIVE_BAD_DATA' },
      }),
    );
    const error = await sourceWith({ timeoutMs: 5_000 })
      .run({ ...request, ledger }, () => undefined)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'failed', dataScannedBytes: 3 * GIB });
    expect(ledger.byId.get('q-1')).toEqual({
      queryExecutionId: 'q-1',
      state: 'FAILED',
      dataScannedBytes: 3 * GIB,
      billedCostUsd: 0,
      timedOut: false,
    });
  });

  it('SUCCEEDED: recorded once, before its rows are read; a ledger that cannot record fails the read (the retry records it)', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
    await sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined);
    expect(ledger.calls).toEqual([
      {
        queryExecutionId: 'q-1',
        state: 'SUCCEEDED',
        dataScannedBytes: 3 * GIB,
        billedCostUsd: estimateAthenaCostUsd(3 * GIB, 5),
        timedOut: false,
      },
    ]);

    ledger.failWith = new Error('connection terminated');
    athenaMock.resetHistory();
    await expect(sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined)).rejects.toThrow('connection terminated');
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('a dead query found at start (stopped by an earlier attempt) is recorded before the next generation replaces it; recording twice keeps one entry', async () => {
    const ids = new Map<string, string>();
    athenaMock.on(StartQueryExecutionCommand).callsFake((input: { ClientRequestToken: string }) => {
      if (!ids.has(input.ClientRequestToken)) ids.set(input.ClientRequestToken, `q-${ids.size}`);
      return { QueryExecutionId: ids.get(input.ClientRequestToken) };
    });
    athenaMock
      .on(GetQueryExecutionCommand)
      .callsFake((input: { QueryExecutionId: string }) =>
        input.QueryExecutionId === 'q-0' ? scanned('q-0', 'CANCELLED', 20 * GIB) : succeeded(input.QueryExecutionId),
      );
    athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
    ledger.byId.set('q-0', {
      queryExecutionId: 'q-0',
      state: 'CANCELLED',
      dataScannedBytes: 20 * GIB,
      billedCostUsd: estimateAthenaCostUsd(20 * GIB, 5),
      timedOut: true,
    });
    const result = await sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined);
    expect(result.queryExecutionId).toBe('q-1');
    expect([...ledger.byId.keys()].sort()).toEqual(['q-0', 'q-1']);
    expect(ledger.byId.get('q-0')).toMatchObject({ state: 'CANCELLED', dataScannedBytes: 20 * GIB, timedOut: true });
  });

  it('an aborted analysis: the query is stopped in the background and what it scanned recorded', async () => {
    let stopped = false;
    athenaMock.on(StopQueryExecutionCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    athenaMock
      .on(GetQueryExecutionCommand)
      .callsFake(() => (stopped ? scanned('q-1', 'CANCELLED', 9 * GIB) : scanned('q-1', 'RUNNING', 8 * GIB)));
    const controller = new AbortController();
    const run = sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger, signal: controller.signal }, () => undefined);
    setTimeout(() => controller.abort(), 15);
    await expect(run).rejects.toMatchObject({ failure: 'aborted' });
    await expect.poll(() => ledger.byId.get('q-1')?.state).toBe('CANCELLED');
    expect(ledger.byId.get('q-1')).toMatchObject({ dataScannedBytes: 9 * GIB, billedCostUsd: estimateAthenaCostUsd(9 * GIB, 5) });
  });

  describe('a query is in the ledger from the moment Athena gives its id', () => {
    it('recorded as started (QUEUED, nothing scanned) before it is first described', async () => {
      athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
        expect(ledger.starts).toEqual(['q-1']);
        return succeeded('q-1');
      });
      athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
      await sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined);
      expect(ledger.starts).toEqual(['q-1']);
      expect(ledger.byId.get('q-1')).toMatchObject({ state: 'SUCCEEDED', dataScannedBytes: 3 * GIB });
    });

    it.each([
      ['the first description', 0],
      ['a later poll', 1],
    ])('GetQueryExecution failing past the SDK retries at %s leaves the query recorded as started', async (_at, okPolls) => {
      let polls = 0;
      athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
        polls += 1;
        if (polls > okPolls) {
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
            name: 'InternalServerException',
            $fault: 'server',
            $metadata: { httpStatusCode: 500, attempts: 3 },
          });
        }
        return scanned('q-1', 'RUNNING', 4 * GIB);
      });
      const error = await sourceWith({ timeoutMs: 5_000 })
        .run({ ...request, ledger }, () => undefined)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'InternalServerException' });
      expect(ledger.byId.get('q-1')).toEqual({
        queryExecutionId: 'q-1',
        state: 'QUEUED',
        dataScannedBytes: 0,
        billedCostUsd: 0,
        timedOut: false,
      });
    });

    it('a ledger that cannot record the start fails the start: no query runs unaccounted for by this attempt', async () => {
      athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
      ledger.failWith = new Error('connection terminated');
      await expect(sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined)).rejects.toThrow('connection terminated');
      expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(0);
    });
  });

  describe('a cancelled analysis', () => {
    const abortedRun = async (onStop: () => unknown) => {
      let stopped = false;
      athenaMock.on(StopQueryExecutionCommand).callsFake(() => {
        onStop();
        stopped = true;
        return {};
      });
      athenaMock
        .on(GetQueryExecutionCommand)
        .callsFake(() => (stopped ? scanned('q-1', 'CANCELLED', 9 * GIB) : scanned('q-1', 'RUNNING', 8 * GIB)));
      const controller = new AbortController();
      const run = sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger, signal: controller.signal }, () => undefined);
      setTimeout(() => controller.abort(), 15);
      await expect(run).rejects.toMatchObject({ failure: 'aborted' });
    };

    it('whose stop fails: the query is recorded with what it had scanned when last described', async () => {
      await abortedRun(() => {
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      });
      await expect.poll(() => ledger.byId.get('q-1')?.state).toBe('RUNNING');
      expect(ledger.byId.get('q-1')).toEqual({
        queryExecutionId: 'q-1',
        state: 'RUNNING',
        dataScannedBytes: 8 * GIB,
        billedCostUsd: estimateAthenaCostUsd(8 * GIB, 5),
        timedOut: false,
      });
    });

    it('hands the background stop and its record to the ledger, so that a shutting-down worker waits for them', async () => {
      await abortedRun(() => undefined);
      expect(ledger.held).toHaveLength(1);
      await Promise.all(ledger.held);
      expect(ledger.byId.get('q-1')).toMatchObject({ state: 'CANCELLED', dataScannedBytes: 9 * GIB });
    });
  });

  describe('a stop that fails on the timeout', () => {
    const throttled = () =>
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

    it('leaves the timeout the reason, the stop failure named with it; the query recorded as given up on with what it had scanned', async () => {
      athenaMock.on(StopQueryExecutionCommand).rejects(throttled());
      athenaMock.on(GetQueryExecutionCommand).resolves(scanned('q-1', 'RUNNING', 11 * GIB));
      const error = await sourceWith()
        .run({ ...request, ledger }, () => undefined)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AthenaQueryError);
      expect(error).toMatchObject({ failure: 'timeout', code: 'ATHENA.TIMEOUT', retryable: true, dataScannedBytes: 11 * GIB });
      expect((error as AthenaQueryError).stopFailure).toBe('athena:StopQueryExecution (account 111122223333, eu-west-1): Rate exceeded');
      expect((error as Error).message).toMatch(/^Athena query q-1 still RUNNING after 40 ms; stopping it failed/);
      expect((error as Error).message).toContain('athena:StopQueryExecution (account 111122223333, eu-west-1): Rate exceeded');
      expect(classifyFailure(error)).toMatchObject({ code: 'ATHENA.TIMEOUT', permanent: false });
      expect(ledger.byId.get('q-1')).toMatchObject({ state: 'RUNNING', dataScannedBytes: 11 * GIB, timedOut: true });
    });

    it('the retry re-attaching to it stops it at once and starts the next generation, without waiting another timeout', async () => {
      const ids = new Map<string, string>();
      athenaMock.on(StartQueryExecutionCommand).callsFake((input: { ClientRequestToken: string }) => {
        if (!ids.has(input.ClientRequestToken)) ids.set(input.ClientRequestToken, `q-${ids.size}`);
        return { QueryExecutionId: ids.get(input.ClientRequestToken) };
      });
      let stopped = false;
      athenaMock.on(StopQueryExecutionCommand).callsFake(() => {
        stopped = true;
        return {};
      });
      athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
        if (input.QueryExecutionId !== 'q-0') return succeeded(input.QueryExecutionId);
        return stopped ? scanned('q-0', 'CANCELLED', 30 * GIB) : scanned('q-0', 'RUNNING', 29 * GIB);
      });
      athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
      ledger.timedOut = new Set(['q-0']);

      const started = performance.now();
      const result = await sourceWith({ timeoutMs: 60_000 }).run({ ...request, ledger }, () => undefined);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(result.queryExecutionId).toBe('q-1');
      expect(athenaMock.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-0' }]);
      expect(ledger.byId.get('q-0')).toMatchObject({ state: 'CANCELLED', dataScannedBytes: 30 * GIB, timedOut: true });
      expect(ledger.byId.get('q-1')).toMatchObject({ state: 'SUCCEEDED', timedOut: false });
    });

    it('when it cannot be stopped on the retry either, the retry fails on the timeout at once and starts no other query', async () => {
      athenaMock.on(StopQueryExecutionCommand).rejects(throttled());
      athenaMock.on(GetQueryExecutionCommand).resolves(scanned('q-1', 'RUNNING', 31 * GIB));
      ledger.timedOut = new Set(['q-1']);
      const error = await sourceWith({ timeoutMs: 60_000 })
        .run({ ...request, ledger }, () => undefined)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ failure: 'timeout', retryable: true, queryExecutionId: 'q-1', dataScannedBytes: 31 * GIB });
      expect((error as Error).message).toMatch(/timed out in an earlier attempt and is still RUNNING; stopping it failed again/);
      expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
      expect(ledger.byId.get('q-1')).toMatchObject({ state: 'RUNNING', dataScannedBytes: 31 * GIB, timedOut: true });
    });

    it('a query given up on that has SUCCEEDED meanwhile is read, not replaced', async () => {
      athenaMock.on(StopQueryExecutionCommand).resolves({});
      athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
      athenaMock.on(GetQueryResultsCommand).resolves(resultPages(2)[0]);
      ledger.timedOut = new Set(['q-1']);
      const result = await sourceWith({ timeoutMs: 5_000 }).run({ ...request, ledger }, () => undefined);
      expect(result).toMatchObject({ queryExecutionId: 'q-1', aggregates: 2 });
      expect(athenaMock.commandCalls(StopQueryExecutionCommand)).toHaveLength(0);
    });
  });

  it.each([
    ['StartQueryExecution', StartQueryExecutionCommand],
    ['GetQueryExecution', GetQueryExecutionCommand],
    ['GetQueryResults', GetQueryResultsCommand],
  ] as const)('an Athena API error of %s names the call, the account and the Region', async (operation, command) => {
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-1'));
    athenaMock.on(GetQueryResultsCommand).resolves(resultPages(1)[0]);
    athenaMock
      .on(command as typeof GetQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'QueryExecution q-1 was not found', $metadata: { httpStatusCode: 400 } }));
    const error = await sourceWith({ timeoutMs: 5_000 })
      .run({ ...request, ledger }, () => undefined)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InvalidRequestException',
      message: `athena:${operation} (account 111122223333, eu-west-1): QueryExecution q-1 was not found`,
    });
  });
});

describe('athenaBilledCostUsd: what Athena bills a query by how it ended', () => {
  it.each([
    ['SUCCEEDED', 0, estimateAthenaCostUsd(10 * MIB, 5)],
    ['SUCCEEDED', 3 * GIB, estimateAthenaCostUsd(3 * GIB, 5)],
    ['CANCELLED', 3 * GIB, estimateAthenaCostUsd(3 * GIB, 5)],
    ['CANCELLED', 1, estimateAthenaCostUsd(10 * MIB, 5)],
    ['CANCELLED', 0, 0],
    ['RUNNING', 2 * GIB, estimateAthenaCostUsd(2 * GIB, 5)],
    ['FAILED', 3 * GIB, 0],
  ] as const)('%s after %d bytes', (state, bytes, cost) => {
    expect(athenaBilledCostUsd(state, bytes, 5)).toBe(cost);
  });
});
