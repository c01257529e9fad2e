import { setTimeout as sleep } from 'node:timers/promises';
import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { countUnreadRecords, type UnreadRecords } from '../engine/flow-log/unread-records';
import { abortableSleep } from './abortable-sleep.util';
import { athenaSdk } from './aws-sdk';
import { AthenaQueryError } from './athena-query.error';
import { type AthenaQuerySpend, type AthenaSpendLedger, estimateAthenaCostUsd, isFinished, spendOf } from './athena-query-spend';
import { AthenaRowParser } from './athena-row.parser';
import { withFailedCall } from './failed-call.util';
import { guardedPages } from './paginated.util';

export { estimateAthenaCostUsd };

export interface AthenaQueryStatistics {
  queryExecutionId: string;
  dataScannedBytes: number;
  engineExecutionTimeMillis: number;
  totalExecutionTimeMillis: number;
  /** What Athena bills for the bytes scanned (rounded up to a megabyte, 10 MB minimum). */
  estimatedCostUsd: number;
}

export interface AthenaPollingOptions {
  /** First wait between GetQueryExecution calls. */
  pollInitialMs: number;
  /** Longest wait between polls. */
  pollMaxMs: number;
  /** Growth of the wait after every poll. */
  pollMultiplier: number;
  /** Give up (and stop the query) after this long. */
  timeoutMs: number;
  /**
   * After stopping a query, how long to keep describing it until Athena reports it CANCELLED
   * (with the bytes it scanned, which are billed): past this (or past `timeoutMs`, if shorter),
   * the last figures seen are recorded.
   */
  settleTimeoutMs: number;
  /** On-demand price per terabyte scanned (USD). */
  pricePerTbUsd: number;
  /** GetQueryResults MaxResults (Athena allows at most 1000). */
  pageSize: number;
}

/** Where a query runs (named in the errors of its calls) and where what it scans is accounted for. */
export interface AthenaQueryContext {
  target?: { accountId: string; region: string } | null;
  ledger?: AthenaSpendLedger | null;
}

/**
 * One started Athena query: wait for it (polling with backoff), read its aggregates page by page,
 * or stop it. Completion is awaited once and shared, so several callers see the same outcome.
 * Every way it ends — succeeded, failed, cancelled, stopped on the timeout or by the caller — puts
 * what Athena reports it scanned in the ledger.
 */
export class AthenaFlowQuery {
  private completion: Promise<AthenaQueryStatistics> | null = null;
  private stopped = false;
  /** The last GetQueryExecution answer. */
  private lastSeen: QueryExecution | null = null;
  /** The ledger has the query's final figures. */
  private accounted = false;

  constructor(
    private readonly client: AthenaClient,
    readonly queryExecutionId: string,
    readonly sql: string,
    readonly parameters: readonly string[],
    private readonly options: AthenaPollingOptions,
    private readonly signal?: AbortSignal | null,
    /** A GetQueryExecution answer the caller already has; it stands for the first poll. */
    private observed: QueryExecution | null = null,
    /** Fields of the table's format newer than sgdoctor's catalogue, which the query does not read. */
    readonly unknownFields: readonly string[] = [],
    private readonly context: AthenaQueryContext = {},
  ) {
    this.lastSeen = observed;
  }

  /** Resolves with the statistics once SUCCEEDED; rejects with AthenaQueryError otherwise. */
  waitForCompletion(): Promise<AthenaQueryStatistics> {
    this.completion ??= this.poll();
    return this.completion;
  }

  /**
   * The aggregates, streamed page by page from GetQueryResults (the first row of the first page
   * is the header); the rows counting records of the window left out are added to `unread`, and
   * never yielded. Waits for completion first.
   */
  async *aggregates(unread: UnreadRecords): AsyncGenerator<FlowAggregate> {
    await this.waitForCompletion();
    const parser = new AthenaRowParser();
    let header = true;
    let rowNumber = 0;
    const { paginateGetQueryResults } = athenaSdk();
    const pages = paginateGetQueryResults(
      { client: this.client, pageSize: this.options.pageSize },
      { QueryExecutionId: this.queryExecutionId },
    );
    const operation = 'athena:GetQueryResults';
    for await (const page of this.named(guardedPages(pages, { operation, next: (p) => p.NextToken }), operation)) {
      this.throwIfAborted();
      for (const row of page.ResultSet?.Rows ?? []) {
        if (header) {
          parser.acceptHeader(row);
          header = false;
          continue;
        }
        rowNumber += 1;
        const parsed = parser.parse(row, rowNumber);
        if (parsed.kind === 'aggregate') yield parsed.aggregate;
        else countUnreadRecords(unread, parsed.reason, parsed.records);
      }
    }
  }

  /** Stops the query (idempotent; stopping a finished query is harmless). */
  async cancel(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { StopQueryExecutionCommand } = athenaSdk();
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: this.queryExecutionId }));
    } catch (error) {
      throw this.failedCall(error, 'athena:StopQueryExecution');
    }
  }

  /**
   * A query an earlier attempt gave up on at its timeout without stopping it (its stop failed),
   * found still running: stops it now and records what it scanned; resolves with its last
   * description. Rejects with the timeout, naming this stop's failure, when it cannot be stopped
   * this time either: no other query should start while it runs.
   */
  async stopGivenUp(): Promise<QueryExecution | null> {
    try {
      await this.cancel();
    } catch (error) {
      const stopFailure = error instanceof Error ? error.message : String(error);
      const spend = this.spend(this.lastSeen, true);
      await this.accountQuietly(spend);
      const state = this.lastSeen?.Status?.State ?? 'pending';
      return Promise.reject(
        new AthenaQueryError(
          'timeout',
          this.queryExecutionId,
          `Athena query ${this.queryExecutionId} timed out in an earlier attempt and is still ${state}; stopping it failed again, so no other query is started: ${stopFailure}`,
          null,
          null,
          { dataScannedBytes: spend.dataScannedBytes, stopFailure },
        ),
      );
    }
    const final = await this.settle();
    await this.accountQuietly(this.spend(final, true));
    return final;
  }

  private async poll(): Promise<AthenaQueryStatistics> {
    const deadline = performance.now() + this.options.timeoutMs;
    let delay = this.options.pollInitialMs;
    for (;;) {
      this.throwIfAborted();
      const execution = this.observed ?? (await this.describe());
      this.observed = null;
      this.lastSeen = execution ?? this.lastSeen;
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') {
        // Paid for before its rows are read: a failure to record it fails the read, and the retry records it.
        await this.account(this.spend(execution));
        return this.statistics(execution);
      }
      if (state === 'FAILED' || state === 'CANCELLED') {
        await this.accountQuietly(this.spend(execution));
        throw this.failure(state, execution);
      }

      const remaining = deadline - performance.now();
      if (remaining <= 0) throw await this.giveUp(state);
      try {
        await abortableSleep(Math.min(delay, remaining), this.signal);
      } catch {
        this.throwIfAborted();
      }
      delay = Math.min(this.options.pollMaxMs, delay * this.options.pollMultiplier);
    }
  }

  /**
   * The timeout: stops the query and, once Athena reports it CANCELLED, records what it scanned
   * (Athena bills a cancelled query for its scan). The timeout stays the reason even when the stop
   * fails (throttled past the SDK's retries, say): the error names that failure, the query is
   * recorded as given up on, and a retry of the analysis stops it then rather than waiting for it
   * again (AthenaFlowSource.start).
   */
  private async giveUp(state: string | undefined): Promise<AthenaQueryError> {
    let stopFailure: string | null = null;
    try {
      await this.cancel();
    } catch (error) {
      stopFailure = error instanceof Error ? error.message : String(error);
    }
    const final = stopFailure === null ? await this.settle() : this.lastSeen;
    const spend = this.spend(final, true);
    await this.accountQuietly(spend);
    const what = `Athena query ${this.queryExecutionId} still ${state ?? 'pending'} after ${this.options.timeoutMs} ms`;
    const message =
      stopFailure === null
        ? `${what}; stopped`
        : `${what}; stopping it failed, so it may still be running (a retry stops it before starting another): ${stopFailure}`;
    return new AthenaQueryError('timeout', this.queryExecutionId, message, null, null, {
      dataScannedBytes: spend.dataScannedBytes,
      stopFailure,
    });
  }

  /**
   * After a stop: describes the query until it has ended (Athena then reports the bytes it scanned
   * in all), for at most `settleTimeoutMs`; the last answer when it has not ended by then or a
   * call fails. Never longer than the query's own timeout. Not tied to the caller's signal: a cancelled analysis still owes what it scanned.
   */
  private async settle(): Promise<QueryExecution | null> {
    const deadline = performance.now() + Math.min(this.options.settleTimeoutMs, this.options.timeoutMs);
    let delay = this.options.pollInitialMs;
    for (;;) {
      try {
        this.lastSeen = (await this.describe()) ?? this.lastSeen;
      } catch {
        return this.lastSeen;
      }
      const remaining = deadline - performance.now();
      if (isFinished(this.lastSeen?.Status?.State) || remaining <= 0) return this.lastSeen;
      await sleep(Math.min(delay, remaining));
      delay = Math.min(this.options.pollMaxMs, delay * this.options.pollMultiplier);
    }
  }

  /**
   * The caller abandoned the query: stop it and record what it scanned, without the caller waiting
   * on AWS. When the stop fails, the query runs on: what it had scanned when last described is
   * recorded, unfinished, and the sweep (AthenaSpendSweep) stops it and records its final scan.
   */
  private async abandon(): Promise<void> {
    if (this.accounted) return;
    try {
      await this.cancel();
    } catch {
      await this.accountQuietly(this.spend(this.lastSeen));
      return;
    }
    await this.accountQuietly(this.spend(await this.settle()));
  }

  private spend(execution: QueryExecution | null | undefined, timedOut = false): AthenaQuerySpend {
    return spendOf(this.queryExecutionId, execution ?? undefined, this.options.pricePerTbUsd, timedOut);
  }

  private async account(spend: AthenaQuerySpend): Promise<void> {
    if (!this.context.ledger) return;
    await this.context.ledger.record(spend);
    if (isFinished(spend.state)) this.accounted = true;
  }

  /**
   * On the way to an error of its own: the query's error is the outcome, not the ledger's (the
   * ledger reports its own failures; a retry that finds the query again records it again).
   */
  private async accountQuietly(spend: AthenaQuerySpend): Promise<void> {
    await this.account(spend).catch(() => undefined);
  }

  private async describe(): Promise<QueryExecution | undefined> {
    const { GetQueryExecutionCommand } = athenaSdk();
    try {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: this.queryExecutionId }),
      );
      return execution;
    } catch (error) {
      throw this.failedCall(error, 'athena:GetQueryExecution');
    }
  }

  private throwIfAborted(): void {
    if (!this.signal?.aborted) return;
    // Stop the query in the background: the caller asked to abandon it and should not wait on AWS.
    // The ledger holds the work, so a worker shutting down waits for its record (bounded).
    const abandoned = this.abandon();
    if (this.context.ledger) this.context.ledger.hold(abandoned);
    else void abandoned;
    throw new AthenaQueryError('aborted', this.queryExecutionId, `Athena query ${this.queryExecutionId} was cancelled by the caller`);
  }

  private failedCall(error: unknown, operation: string): unknown {
    return this.context.target ? withFailedCall(error, operation, this.context.target) : error;
  }

  /** `pages`, an error of its calls named with `operation`, the account and the region. */
  private async *named<P>(pages: AsyncIterable<P>, operation: string): AsyncGenerator<P> {
    try {
      yield* pages;
    } catch (error) {
      throw this.failedCall(error, operation);
    }
  }

  private statistics(execution: QueryExecution | undefined): AthenaQueryStatistics {
    const stats = execution?.Statistics ?? {};
    const scanned = stats.DataScannedInBytes ?? 0;
    return {
      queryExecutionId: this.queryExecutionId,
      dataScannedBytes: scanned,
      engineExecutionTimeMillis: stats.EngineExecutionTimeInMillis ?? 0,
      totalExecutionTimeMillis: stats.TotalExecutionTimeInMillis ?? 0,
      estimatedCostUsd: estimateAthenaCostUsd(scanned, this.options.pricePerTbUsd),
    };
  }

  private failure(state: 'FAILED' | 'CANCELLED', execution: QueryExecution | undefined): AthenaQueryError {
    const reason = execution?.Status?.StateChangeReason ?? null;
    return new AthenaQueryError(
      state === 'FAILED' ? 'failed' : 'cancelled',
      this.queryExecutionId,
      `Athena query ${this.queryExecutionId} ${state}${reason ? `: ${reason}` : ''}`,
      reason,
      athenaErrorOf(execution),
      { dataScannedBytes: execution?.Statistics?.DataScannedInBytes ?? null },
    );
  }
}

/** The `AthenaError` of a query execution, in the fields `AthenaQueryError` keeps. */
export function athenaErrorOf(execution: QueryExecution | undefined): AthenaQueryError['athenaError'] {
  const error = execution?.Status?.AthenaError;
  if (!error) return null;
  return { errorCategory: error.ErrorCategory, errorType: error.ErrorType, retryable: error.Retryable, errorMessage: error.ErrorMessage };
}
