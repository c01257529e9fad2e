import { createHash } from 'node:crypto';
import type { AthenaClient, QueryExecution } from '@aws-sdk/client-athena';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DEFAULT_FORMAT } from '../engine/flow-log/flow-log-fields';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { emptyUnreadRecords, type UnreadRecords } from '../engine/flow-log/unread-records';
import type { FlowLog } from '../engine/network/snapshot';
import { AthenaQueryError } from './athena-query.error';
import { AwsAdapterError } from './aws-adapter.error';
import { athenaSdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { describeFlowLogsDeliveringTo } from './flow-log-lookup';
import { validateAthenaIdentifier } from './athena-identifier';
import { type AthenaPollingOptions, AthenaFlowQuery, type AthenaQueryStatistics } from './athena-flow-query';
import { type AthenaQuerySpend, type AthenaSpendLedger, isFinished, spendOf } from './athena-query-spend';
import { withFailedCall } from './failed-call.util';
import { type AthenaPartitionLayout, AthenaQueryBuilder, type AthenaTableRef, type FlowQueryKind } from './athena-query-builder';

export interface AthenaClientProvider {
  athena(target: AwsTarget): AthenaClient;
  ec2(target: AwsTarget): EC2Client;
}

/** A target's Athena settings (what `flows: athena` holds). */
export interface AthenaFlowSourceConfig extends AthenaTableRef {
  workgroup?: string | null;
  /** `s3://…` result location; absent = the workgroup's own. */
  outputLocation?: string | null;
  layout: AthenaPartitionLayout;
  /** The flow log's LogFormat; read from DescribeFlowLogs when absent. */
  logFormat?: string | null;
  /** Which flow log feeds the table: its LogDestination, as `arn:aws:s3:::bucket/prefix` or `s3://bucket/prefix`. */
  logDestination?: string | null;
  /** A table over delimited text: its string columns, to count the lines too short for the format (from its metadata). */
  delimitedText?: { stringColumns: readonly string[] } | null;
}

export interface AthenaFlowRequest {
  /** Makes StartQueryExecution idempotent: the same analysis never starts (and pays for) two queries. */
  analysisId: string;
  /** Bump for an explicit retry of a failed analysis, so Athena starts a fresh query. */
  attempt?: number;
  kind: FlowQueryKind;
  target: AwsTarget;
  config: AthenaFlowSourceConfig;
  from: Date;
  to: Date;
  scope?: { vpcIds?: string[] | null; subnetIds?: string[] | null; interfaceIds?: string[] | null } | null;
  /**
   * An organisation target: the member accounts and regions whose records the one scan reads
   * (through the layout's account and region partitions) instead of the target's own.
   */
  members?: { accountIds: string[]; regions: string[] } | null;
  /** Flow logs already read (e.g. the snapshot's), to find the LogFormat without another call. */
  flowLogs?: FlowLog[] | null;
  signal?: AbortSignal | null;
  /**
   * Where every query started for the request is accounted for, however it ends (Athena bills a
   * cancelled query for what it scanned), and which of them an earlier attempt gave up on.
   */
  ledger?: AthenaSpendLedger | null;
}

export interface AthenaFlowResult extends AthenaQueryStatistics {
  aggregates: number;
  /** The records of the window the query counted as left out of the aggregates, by reason. */
  unread: UnreadRecords;
  /** Fields of the format newer than sgdoctor's catalogue: their values were not read. */
  unknownFields: readonly string[];
}

export interface AthenaFlowSourceSettings extends AthenaPollingOptions {
  /**
   * How many queries one analysis attempt may run for one window: each dead query (stopped on a
   * timeout or by anyone else, or FAILED retryably) found at start is replaced by the next
   * generation's query. Small, because a query cancelled before it ever ran is usually cancelled
   * again (a workgroup limit, an operator): three queries, then the analysis fails saying so.
   */
  maxQueryGenerations: number;
}

export type AthenaFlowSourceOptions = Partial<AthenaFlowSourceSettings>;

/** Athena's on-demand price per terabyte scanned (USD, most regions). */
export const ATHENA_PRICE_PER_TB_USD = 5;

const DEFAULT_OPTIONS: AthenaFlowSourceSettings = {
  maxQueryGenerations: 3,
  pollInitialMs: 500,
  pollMaxMs: 5_000,
  pollMultiplier: 1.5,
  timeoutMs: 15 * 60_000,
  settleTimeoutMs: 20_000,
  pricePerTbUsd: ATHENA_PRICE_PER_TB_USD,
  pageSize: 1000,
};

/**
 * Pulls one analysis window of flow aggregates out of Athena: builds the parameterized query,
 * starts it idempotently, polls it, and streams its rows as FlowAggregates. Throttling of the
 * Athena API is retried by the client's retry strategy; the poll backoff keeps Get* calls low.
 */
export class AthenaFlowSource {
  private readonly options: AthenaFlowSourceSettings;
  private readonly builder = new AthenaQueryBuilder();

  constructor(
    private readonly clients: AthenaClientProvider,
    options: AthenaFlowSourceOptions = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    if (this.options.pageSize < 1 || this.options.pageSize > 1000) {
      throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', 'GetQueryResults page size must be 1–1000');
    }
    if (!Number.isInteger(this.options.maxQueryGenerations) || this.options.maxQueryGenerations < 1) {
      throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', 'maxQueryGenerations must be a positive integer');
    }
  }

  /**
   * Starts (or, for a repeated request, re-attaches to) the query of one window. A retried job
   * re-sends the token of generation 0 and gets the query it started before. When that query is
   * dead — stopped on a timeout, or FAILED with a reason Athena calls retryable — re-attaching
   * would only repeat its failure, so the next generation's token starts a fresh query. Tokens
   * depend on the request and the generation alone, so duplicated deliveries of one job walk the
   * same chain and meet on one query per generation. A query that failed for good is kept: its
   * reason is the outcome. A caller that cancelled gets no fresh query.
   */
  async start(request: AthenaFlowRequest): Promise<AthenaFlowQuery> {
    const workgroup = request.config.workgroup ? validateAthenaIdentifier('workgroup', request.config.workgroup) : undefined;
    const logFormat = request.config.logFormat ?? (await this.resolveLogFormat(request));
    const built = this.builder.build({
      table: request.config,
      layout: request.config.layout,
      logFormat,
      kind: request.kind,
      from: request.from,
      to: request.to,
      accountId: request.members?.accountIds ?? request.target.accountId,
      region: request.members?.regions ?? request.target.region,
      scope: request.scope,
      delimitedText: request.config.delimitedText ?? null,
    });
    const client = this.clients.athena(request.target);
    for (let generation = 0; ; generation += 1) {
      // A cancelled caller starts nothing. Once sent, the start and the first description are not
      // cut short by the signal: Athena may have started the query, and only its id lets the
      // query's first poll stop it and record what it scanned (AthenaFlowQuery.abandon).
      request.signal?.throwIfAborted();
      const queryExecutionId = await this.startGeneration(client, request, workgroup, built, generation);
      // On record before anything else is asked of it: a job that ends without seeing it end (a
      // killed worker, a call failing past the SDK's retries) leaves a row the sweep finishes.
      await request.ledger?.started(queryExecutionId);
      let execution = await this.describe(client, queryExecutionId, request);
      const query = (observed: QueryExecution | null) =>
        new AthenaFlowQuery(
          client,
          queryExecutionId,
          built.sql,
          built.parameters,
          this.options,
          request.signal,
          observed,
          built.unknownFields,
          {
            target: request.target,
            ledger: request.ledger,
          },
        );
      // A query an earlier attempt timed out on and could not stop: it has had its time. Stopped
      // now (or this attempt fails on the timeout again) and replaced, not waited for once more.
      const givenUp = Boolean(request.ledger?.timedOut.has(queryExecutionId)) && !isFinished(execution?.Status?.State);
      if (givenUp && !request.signal?.aborted) execution = (await query(execution ?? null).stopGivenUp()) ?? execution;
      if (!isDeadOnArrival(execution) && !(givenUp && execution?.Status?.State !== 'SUCCEEDED')) return query(execution ?? null);
      // A dead query scanned (and, cancelled, is billed for) what it read: accounted for before it is replaced.
      await request.ledger?.record(spendOf(queryExecutionId, execution, this.options.pricePerTbUsd)).catch(() => undefined);
      const state = execution?.Status?.State ?? 'CANCELLED';
      if (request.signal?.aborted) {
        throw new AthenaQueryError(
          'aborted',
          queryExecutionId,
          `Athena query ${queryExecutionId} is ${state} and the analysis was cancelled; no new query started`,
        );
      }
      if (generation + 1 >= this.options.maxQueryGenerations) {
        throw new AthenaQueryError(
          state === 'FAILED' ? 'failed' : 'cancelled',
          queryExecutionId,
          `Athena query ${queryExecutionId} ${state}: ${generation + 1} queries of this analysis ended without a result; not starting another`,
          execution?.Status?.StateChangeReason ?? null,
          null,
          { dataScannedBytes: execution?.Statistics?.DataScannedInBytes ?? null },
        );
      }
    }
  }

  /**
   * Runs the query to the end, handing every aggregate to `onAggregate` as its page arrives; the
   * records the query counted as left out come back in the result.
   */
  async run(request: AthenaFlowRequest, onAggregate: (aggregate: FlowAggregate) => void | Promise<void>): Promise<AthenaFlowResult> {
    const query = await this.start(request);
    const statistics = await query.waitForCompletion();
    let aggregates = 0;
    const unread = emptyUnreadRecords();
    for await (const aggregate of query.aggregates(unread)) {
      await onAggregate(aggregate);
      aggregates += 1;
    }
    return { ...statistics, aggregates, unread, unknownFields: query.unknownFields };
  }

  /** What a query started earlier has scanned and is billed, as GetQueryExecution reports it now (with the target's credentials). */
  async describeSpend(target: AwsTarget, queryExecutionId: string): Promise<AthenaQuerySpend> {
    const execution = await this.describe(this.clients.athena(target), queryExecutionId, { target });
    return spendOf(queryExecutionId, execution, this.options.pricePerTbUsd);
  }

  /** Stops a query started earlier (stopping one that has ended is harmless). */
  async stopQuery(target: AwsTarget, queryExecutionId: string): Promise<void> {
    const { StopQueryExecutionCommand } = athenaSdk();
    try {
      await this.clients.athena(target).send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    } catch (error) {
      throw withFailedCall(error, 'athena:StopQueryExecution', target);
    }
  }

  /**
   * The token is a hash of the analysis, the query kind, the attempt, the exact query and the
   * generation: a redelivered job gets the same token (Athena returns the running query instead
   * of starting another), while a changed query, an explicit retry or the replacement of a dead
   * query gets a new one. Generation 0 hashes as tokens always have. 80 characters.
   */
  static clientRequestToken(
    request: Pick<AthenaFlowRequest, 'analysisId' | 'kind' | 'attempt'>,
    sql: string,
    parameters: readonly string[],
    generation = 0,
  ): string {
    const parts = [request.analysisId, request.kind, String(request.attempt ?? 0), sql, ...parameters];
    if (generation > 0) parts.push(`generation=${generation}`);
    const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex');
    return `sgdoctor-${request.kind}-${digest}`.slice(0, 128);
  }

  /**
   * The table's columns follow the flow log's format, which cannot change after creation: take it
   * from the flow logs delivering to S3 (the one named by `logDestination` when set). With none,
   * the default version-2 format; with several different ones, the target must say which.
   */
  async resolveLogFormat(request: AthenaFlowRequest): Promise<string> {
    const flowLogs = request.flowLogs ?? (await describeFlowLogsDeliveringTo(this.clients.ec2(request.target), request.target, 's3'));
    const destination = request.config.logDestination ? s3Location(request.config.logDestination) : null;
    const candidates = flowLogs.filter(
      (log) => (log.LogDestinationType ?? 's3') === 's3' && (!destination || s3Location(log.LogDestination ?? '') === destination),
    );
    if (destination && candidates.length === 0) {
      throw new AwsAdapterError(
        'AWS.INVALID_CONFIGURATION',
        `no flow log delivers to ${request.config.logDestination}: check the table’s logDestination or set its logFormat`,
        { logDestination: request.config.logDestination },
      );
    }
    const formats = [...new Set(candidates.map((log) => log.LogFormat).filter((f): f is string => Boolean(f)))];
    if (formats.length === 0) return DEFAULT_FORMAT.logFormat;
    if (formats.length === 1) return formats[0];
    throw new AwsAdapterError(
      'AWS.INVALID_CONFIGURATION',
      'flow logs delivering to S3 use different formats: set the table’s logFormat or logDestination',
      { formats },
    );
  }

  private async startGeneration(
    client: AthenaClient,
    request: AthenaFlowRequest,
    workgroup: string | undefined,
    built: { sql: string; parameters: string[] },
    generation: number,
  ): Promise<string> {
    const { StartQueryExecutionCommand } = athenaSdk();
    const command = new StartQueryExecutionCommand({
      QueryString: built.sql,
      ExecutionParameters: built.parameters.length > 0 ? built.parameters : undefined,
      ClientRequestToken: AthenaFlowSource.clientRequestToken(request, built.sql, built.parameters, generation),
      ...(workgroup ? { WorkGroup: workgroup } : {}),
      ...(request.config.outputLocation ? { ResultConfiguration: { OutputLocation: request.config.outputLocation } } : {}),
    });
    let started;
    try {
      started = await client.send(command);
    } catch (error) {
      throw withFailedCall(error, 'athena:StartQueryExecution', request.target);
    }
    if (!started.QueryExecutionId) {
      throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'StartQueryExecution returned no QueryExecutionId');
    }
    return started.QueryExecutionId;
  }

  private async describe(
    client: AthenaClient,
    queryExecutionId: string,
    request: Pick<AthenaFlowRequest, 'target'>,
  ): Promise<QueryExecution | undefined> {
    const { GetQueryExecutionCommand } = athenaSdk();
    try {
      const described = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      return described?.QueryExecution;
    } catch (error) {
      throw withFailedCall(error, 'athena:GetQueryExecution', request.target);
    }
  }
}

/**
 * A query that can only repeat its failure: stopped (by a timeout here, or by anyone else), or
 * FAILED with a reason Athena marks retryable. A FAILED query that is not retryable is not dead
 * on arrival in this sense: its reason stays the analysis's outcome.
 */
function isDeadOnArrival(execution: QueryExecution | undefined): boolean {
  const state = execution?.Status?.State;
  return state === 'CANCELLED' || (state === 'FAILED' && execution?.Status?.AthenaError?.Retryable === true);
}

/** `bucket/prefix` of an S3 location given as an ARN (any partition) or an s3:// URL. */
function s3Location(destination: string): string {
  return destination
    .trim()
    .replace(/^arn:aws[a-z-]*:s3:::/, '')
    .replace(/^s3:\/\//, '')
    .replace(/\/+$/, '');
}
