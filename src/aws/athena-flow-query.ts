import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { countUnreadRecords, type UnreadRecords } from '../engine/flow-log/unread-records';
import { abortableSleep } from './abortable-sleep.util';
import { athenaSdk } from './aws-sdk';
import { AthenaQueryError } from './athena-query.error';
import { AthenaRowParser } from './athena-row.parser';
import { guardedPages } from './paginated.util';

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
  /** On-demand price per terabyte scanned (USD). */
  pricePerTbUsd: number;
  /** GetQueryResults MaxResults (Athena allows at most 1000). */
  pageSize: number;
}

const MEBIBYTE = 1024 * 1024;
const MINIMUM_BILLED_BYTES = 10 * MEBIBYTE;
const TEBIBYTE = 1024 * 1024 * MEBIBYTE;

/** Athena's bill for one query: bytes rounded up to the megabyte, 10 MB minimum. */
export function estimateAthenaCostUsd(dataScannedBytes: number, pricePerTbUsd: number): number {
  const billed = Math.max(Math.ceil(dataScannedBytes / MEBIBYTE) * MEBIBYTE, MINIMUM_BILLED_BYTES);
  return (billed / TEBIBYTE) * pricePerTbUsd;
}

/**
 * One started Athena query: wait for it (polling with backoff), read its aggregates page by page,
 * or stop it. Completion is awaited once and shared, so several callers see the same outcome.
 */
export class AthenaFlowQuery {
  private completion: Promise<AthenaQueryStatistics> | null = null;
  private stopped = false;

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
  ) {}

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
    for await (const page of guardedPages(pages, { operation: 'athena:GetQueryResults', next: (p) => p.NextToken })) {
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
    await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: this.queryExecutionId }));
  }

  private async poll(): Promise<AthenaQueryStatistics> {
    const deadline = performance.now() + this.options.timeoutMs;
    let delay = this.options.pollInitialMs;
    for (;;) {
      this.throwIfAborted();
      const execution = this.observed ?? (await this.describe());
      this.observed = null;
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return this.statistics(execution);
      if (state === 'FAILED' || state === 'CANCELLED') throw this.failure(state, execution);

      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        await this.cancel();
        throw new AthenaQueryError(
          'timeout',
          this.queryExecutionId,
          `Athena query ${this.queryExecutionId} still ${state ?? 'pending'} after ${this.options.timeoutMs} ms; stopped`,
        );
      }
      try {
        await abortableSleep(Math.min(delay, remaining), this.signal);
      } catch {
        this.throwIfAborted();
      }
      delay = Math.min(this.options.pollMaxMs, delay * this.options.pollMultiplier);
    }
  }

  private async describe(): Promise<QueryExecution | undefined> {
    const { GetQueryExecutionCommand } = athenaSdk();
    const { QueryExecution: execution } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: this.queryExecutionId }));
    return execution;
  }

  private throwIfAborted(): void {
    if (!this.signal?.aborted) return;
    // Stop the query in the background: the caller asked to abandon it and should not wait on AWS.
    this.cancel().catch(() => undefined);
    throw new AthenaQueryError('aborted', this.queryExecutionId, `Athena query ${this.queryExecutionId} was cancelled by the caller`);
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
    );
  }
}

/** The `AthenaError` of a query execution, in the fields `AthenaQueryError` keeps. */
export function athenaErrorOf(execution: QueryExecution | undefined): AthenaQueryError['athenaError'] {
  const error = execution?.Status?.AthenaError;
  if (!error) return null;
  return { errorCategory: error.ErrorCategory, errorType: error.ErrorType, retryable: error.Retryable, errorMessage: error.ErrorMessage };
}
