import { performance } from 'node:perf_hooks';
import type { CloudWatchLogsClient, GetQueryResultsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DEFAULT_FORMAT, parseLogFormat } from '../engine/flow-log/flow-log-fields';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import type { UnreadRecords } from '../engine/flow-log/unread-records';
import type { FlowLog } from '../engine/network/snapshot';
import { abortableSleep } from './abortable-sleep.util';
import { AwsAdapterError } from './aws-adapter.error';
import { cloudWatchLogsSdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { withFailedCall } from './failed-call.util';
import { describeFlowLogsDeliveringTo } from './flow-log-lookup';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { INSIGHTS_MAX_ROWS, InsightsQueryBuilder } from './insights-query-builder';
import { InsightsQueryError } from './insights-query.error';
import { InsightsRowMerger } from './insights-row-merger';

export interface CloudWatchLogsClientProvider {
  cloudWatchLogs(target: AwsTarget): CloudWatchLogsClient;
  ec2(target: AwsTarget): EC2Client;
}

/** A target's CloudWatch Logs settings: the flow log's log group, or the flow log, or neither (the one flow log publishing to CloudWatch Logs). */
export interface CloudWatchLogsFlowSourceConfig {
  logGroupName?: string | null;
  flowLogId?: string | null;
  /** The flow log's LogFormat; read from DescribeFlowLogs when absent. */
  logFormat?: string | null;
}

export interface CloudWatchLogsFlowRequest {
  target: AwsTarget;
  config: CloudWatchLogsFlowSourceConfig;
  from: Date;
  to: Date;
  scope?: { vpcIds?: string[] | null; subnetIds?: string[] | null; interfaceIds?: string[] | null } | null;
  /** Flow logs already read (the snapshot's), to find the log group and format without another call. */
  flowLogs?: FlowLog[] | null;
  signal?: AbortSignal | null;
}

export interface CloudWatchLogsFlowStatistics {
  logGroupNames: string[];
  queryIds: string[];
  /** Queries run, the capped or timed-out ones (split and run again by halves) included. */
  queries: number;
  /** Slices of the window whose result was capped at 10,000 rows or timed out, and were split. */
  splits: number;
  recordsMatched: number;
  recordsScanned: number;
  /** Log events scanned in each log group: none means the group holds no event of the window. */
  recordsScannedByLogGroup: Record<string, number>;
  bytesScanned: number;
  estimatedCostUsd: number;
  /** Rows returned by the complete queries (tuples per hour). */
  rows: number;
}

export interface CloudWatchLogsFlowResult extends CloudWatchLogsFlowStatistics {
  aggregates: FlowAggregate[];
  /** The records of the window the queries counted as left out of the aggregates, by log group (those with some). */
  unread: Array<{ logGroupName: string; unread: UnreadRecords }>;
  /** Fields of a log group's format newer than sgdoctor's catalogue: parsed past, not read. */
  unknownFields: Array<{ logGroupName: string; field: string }>;
}

export interface CloudWatchLogsFlowSourceSettings {
  pollInitialMs: number;
  pollMaxMs: number;
  pollMultiplier: number;
  /** Queries of one window running at once (Insights allows 30 per account, shared by everyone). */
  maxConcurrentQueries: number;
  /** Backoff after LimitExceededException (too many concurrent queries), doubling up to the max. */
  limitBackoffInitialMs: number;
  limitBackoffMaxMs: number;
  /** How many times one query start may meet LimitExceededException before the analysis fails. */
  maxLimitRetries: number;
  /** A slice of the window this short that is still capped is not split further: the analysis fails. */
  minSliceSeconds: number;
  /**
   * Log events are selected by their timestamp, records by their `start`: the events of a slice
   * are read from this much before its first `start` to this much after its last.
   */
  eventSlackSeconds: number;
  /** Records of the window may start this long before it (a capture interval is at most 10 minutes). */
  recordSlackSeconds: number;
  /** Insights price per GB scanned (US East, 2026). */
  pricePerGbUsd: number;
  /** Rows at which a result counts as capped (Insights' maximum; smaller only in tests). */
  maxRows: number;
  /**
   * How long one query is polled before it is stopped and the analysis fails (retryable): Insights
   * ends a query with `Timeout` after 60 minutes, so one still `Scheduled` or `Running` well past
   * that will not end by itself.
   */
  maxQueryMs: number;
}

export type CloudWatchLogsFlowSourceOptions = Partial<CloudWatchLogsFlowSourceSettings>;

const DEFAULT_OPTIONS: CloudWatchLogsFlowSourceSettings = {
  pollInitialMs: 1000,
  pollMaxMs: 5000,
  pollMultiplier: 1.5,
  maxConcurrentQueries: 4,
  limitBackoffInitialMs: 2000,
  limitBackoffMaxMs: 60_000,
  maxLimitRetries: 10,
  minSliceSeconds: 60,
  eventSlackSeconds: 900,
  recordSlackSeconds: 3600,
  pricePerGbUsd: 0.005,
  maxRows: INSIGHTS_MAX_ROWS,
  maxQueryMs: 75 * 60_000,
};

const GIBIBYTE = 1024 ** 3;

/** Insights cost of a scan: bytes scanned at the price per GB. */
export function estimateInsightsCostUsd(bytesScanned: number, pricePerGbUsd: number): number {
  return Math.round((bytesScanned / GIBIBYTE) * pricePerGbUsd * 1e9) / 1e9;
}

/** A CloudWatch Logs log group name (the service's own rule). */
const LOG_GROUP_NAME = /^[\w./#-]{1,512}$/;

interface Slice {
  from: number;
  to: number;
}

type SliceOutcome = { kind: 'complete'; rows: NonNullable<GetQueryResultsCommandOutput['results']> } | { kind: 'split'; reason: string };

/**
 * Pulls one analysis window of flow aggregates out of a flow log's log group with CloudWatch Logs
 * Insights: the aggregation runs in Insights (InsightsQueryBuilder), one row per tuple and hour,
 * merged here into the aggregates the Athena source returns.
 *
 * Insights' limits: a result holds at most 10,000 rows and a query runs at most 60 minutes; a
 * slice of the window whose result is capped or that times out is split in halves (by the
 * records' `start`, so no record is counted twice; a message that does not match the log
 * format, having no `start`, is counted by the half that holds its timestamp) and each half
 * queried again, down to `minSliceSeconds`. At most `maxConcurrentQueries` run at once;
 * LimitExceededException (the account's concurrent-query limit) backs off and starts again;
 * ThrottlingException is retried by the client's retry strategy. A query cancelled or failed in
 * Insights fails the window. A call CloudWatch Logs refuses fails it too, named with its log group,
 * account and region (`The specified log group does not exist.` says none of them).
 */
export class CloudWatchLogsFlowSource {
  private readonly options: CloudWatchLogsFlowSourceSettings;
  private readonly builder = new InsightsQueryBuilder();

  constructor(
    private readonly clients: CloudWatchLogsClientProvider,
    options: CloudWatchLogsFlowSourceOptions = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  async run(request: CloudWatchLogsFlowRequest): Promise<CloudWatchLogsFlowResult> {
    const groups = await this.resolve(request);
    const client = this.clients.cloudWatchLogs(request.target);
    const statistics: CloudWatchLogsFlowStatistics = {
      logGroupNames: groups.map((g) => g.logGroupName),
      queryIds: [],
      queries: 0,
      splits: 0,
      recordsMatched: 0,
      recordsScanned: 0,
      recordsScannedByLogGroup: Object.fromEntries(groups.map((g) => [g.logGroupName, 0])),
      bytesScanned: 0,
      estimatedCostUsd: 0,
      rows: 0,
    };
    const merger = new InsightsRowMerger();
    const limiter = new ConcurrencyLimiter(this.options.maxConcurrentQueries);
    const fromSec = Math.floor(request.from.getTime() / 1000);
    const toSec = Math.ceil(request.to.getTime() / 1000);

    // The first slice that fails stops the others (their queries are stopped in Insights), and
    // nothing of this window is still running when run() returns.
    const stopAll = new AbortController();
    const forward = () => stopAll.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', forward, { once: true });
    if (request.signal?.aborted) forward();
    const inner = { ...request, signal: stopAll.signal };
    const running = new Set<Promise<void>>();
    const track = (work: Promise<void>) => {
      running.add(work);
      work.then(
        () => running.delete(work),
        (error: unknown) => {
          running.delete(work);
          if (!stopAll.signal.aborted) stopAll.abort(error);
        },
      );
      return work;
    };

    const runSlice = (logGroupName: string, logFormat: string, slice: Slice | null): Promise<void> =>
      track(this.slice(client, inner, merger, limiter, statistics, logGroupName, logFormat, slice, fromSec, toSec, runSlice));
    try {
      await Promise.all(groups.map((group) => runSlice(group.logGroupName, group.logFormat, null)));
    } catch (error) {
      while (running.size > 0) await Promise.allSettled([...running]);
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', forward);
    }
    statistics.estimatedCostUsd = estimateInsightsCostUsd(statistics.bytesScanned, this.options.pricePerGbUsd);
    statistics.rows = merger.rows;
    const unknownFields = groups.flatMap(({ logGroupName, logFormat }) =>
      parseLogFormat(logFormat, { unknownFields: 'keep' }).unknown.map((field) => ({ logGroupName, field })),
    );
    return { ...statistics, aggregates: merger.aggregates(), unread: merger.unread(), unknownFields };
  }

  /** One slice of the window: its rows merged, or — capped or timed out — its halves run. */
  private async slice(
    client: CloudWatchLogsClient,
    request: CloudWatchLogsFlowRequest,
    merger: InsightsRowMerger,
    limiter: ConcurrencyLimiter,
    statistics: CloudWatchLogsFlowStatistics,
    logGroupName: string,
    logFormat: string,
    slice: Slice | null,
    fromSec: number,
    toSec: number,
    runSlice: (logGroupName: string, logFormat: string, slice: Slice | null) => Promise<void>,
  ): Promise<void> {
    const outcome = await limiter.run(() => {
      request.signal?.throwIfAborted();
      return this.query(client, request, logGroupName, logFormat, slice, fromSec, toSec, statistics);
    });
    if (outcome.kind === 'complete') {
      for (const row of outcome.rows) merger.add(row, logGroupName);
      return;
    }
    // The whole window is sliced by `start` from the earliest a record of it may start.
    const whole = slice ?? { from: fromSec - this.options.recordSlackSeconds, to: toSec };
    if (whole.to - whole.from <= this.options.minSliceSeconds) {
      throw new InsightsQueryError(
        'capped',
        statistics.queryIds.at(-1) ?? null,
        `CloudWatch Logs Insights: ${outcome.reason} even for ${whole.to - whole.from} s of records (${iso(whole.from)}–${iso(whole.to)}); narrow the target's scope`,
      );
    }
    statistics.splits += 1;
    const middle = Math.floor((whole.from + whole.to) / 2);
    await Promise.all([
      runSlice(logGroupName, logFormat, { from: whole.from, to: middle }),
      runSlice(logGroupName, logFormat, { from: middle, to: whole.to }),
    ]);
  }

  /** Runs one query to its end: its rows, or the reason it must be split. */
  private async query(
    client: CloudWatchLogsClient,
    request: CloudWatchLogsFlowRequest,
    logGroupName: string,
    logFormat: string,
    slice: Slice | null,
    fromSec: number,
    toSec: number,
    statistics: CloudWatchLogsFlowStatistics,
  ): Promise<SliceOutcome> {
    const built = this.builder.build({ logFormat, from: request.from, to: request.to, startSlice: slice, scope: request.scope });
    const eventsFrom = (slice?.from ?? fromSec - this.options.recordSlackSeconds) - this.options.eventSlackSeconds;
    const eventsTo = (slice?.to ?? toSec) + this.options.eventSlackSeconds;
    const queryId = await this.start(client, request.target, logGroupName, built.queryString, eventsFrom, eventsTo, request.signal);
    statistics.queries += 1;
    statistics.queryIds.push(queryId);
    const signal = request.signal ?? undefined;
    const { GetQueryResultsCommand, StopQueryCommand } = cloudWatchLogsSdk();
    const stop = () => void client.send(new StopQueryCommand({ queryId })).catch(() => undefined);
    // A query started as the analysis was cancelled is stopped at once: its abort event has passed.
    if (signal?.aborted) {
      stop();
      signal.throwIfAborted();
    }
    signal?.addEventListener('abort', stop, { once: true });
    try {
      let delay = this.options.pollInitialMs;
      // A deadline, not a time of day: measured on the monotonic clock.
      const deadline = performance.now() + this.options.maxQueryMs;
      for (;;) {
        let result: GetQueryResultsCommandOutput;
        try {
          result = await client.send(new GetQueryResultsCommand({ queryId }), { abortSignal: signal });
        } catch (error) {
          throw withFailedCall(error, `logs:GetQueryResults on ${logGroupName}`, request.target);
        }
        const status = result.status;
        if (status === 'Complete' || status === 'Failed' || status === 'Cancelled' || status === 'Timeout' || status === 'Unknown') {
          statistics.recordsMatched += result.statistics?.recordsMatched ?? 0;
          statistics.recordsScanned += result.statistics?.recordsScanned ?? 0;
          statistics.recordsScannedByLogGroup[logGroupName] =
            (statistics.recordsScannedByLogGroup[logGroupName] ?? 0) + (result.statistics?.recordsScanned ?? 0);
          statistics.bytesScanned += result.statistics?.bytesScanned ?? 0;
        }
        switch (status) {
          case 'Complete': {
            const rows = result.results ?? [];
            if (rows.length >= this.options.maxRows) return { kind: 'split', reason: `the result reached ${this.options.maxRows} rows` };
            return { kind: 'complete', rows };
          }
          case 'Timeout':
            return { kind: 'split', reason: 'the query timed out' };
          case 'Failed':
          case 'Cancelled':
          case 'Unknown':
            throw new InsightsQueryError(
              status === 'Cancelled' ? 'cancelled' : 'failed',
              queryId,
              `CloudWatch Logs Insights query ${queryId} on ${logGroupName} ended ${status}`,
            );
          case 'Scheduled':
          case 'Running':
          case undefined:
            break;
          default:
            throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `GetQueryResults returned status ${String(status)}`);
        }
        if (performance.now() >= deadline) {
          stop();
          throw new InsightsQueryError(
            'failed',
            queryId,
            `CloudWatch Logs Insights query ${queryId} on ${logGroupName} was still ${status ?? 'without a status'} after ${Math.round(this.options.maxQueryMs / 60_000)} minutes (Insights times a query out after 60): stopped`,
          );
        }
        await abortableSleep(delay, request.signal);
        delay = Math.min(this.options.pollMaxMs, Math.round(delay * this.options.pollMultiplier));
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  /** StartQuery, backing off while the account is at its concurrent-query limit. */
  private async start(
    client: CloudWatchLogsClient,
    target: AwsTarget,
    logGroupName: string,
    queryString: string,
    startTime: number,
    endTime: number,
    signal?: AbortSignal | null,
  ): Promise<string> {
    const { StartQueryCommand } = cloudWatchLogsSdk();
    let delay = this.options.limitBackoffInitialMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const started = await client.send(
          new StartQueryCommand({ logGroupName, startTime, endTime, queryString, limit: this.options.maxRows }),
          { abortSignal: signal ?? undefined },
        );
        if (!started.queryId) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'StartQuery returned no queryId');
        return started.queryId;
      } catch (error) {
        // CloudWatch Logs' refusals name no log group (`The specified log group does not exist.`).
        if ((error as { name?: string }).name !== 'LimitExceededException' || attempt >= this.options.maxLimitRetries)
          throw withFailedCall(error, `logs:StartQuery on ${logGroupName}`, target);
        // Full jitter: queries of several workers that met the limit together do not retry together.
        await abortableSleep(Math.round(delay / 2 + Math.random() * (delay / 2)), signal);
        delay = Math.min(this.options.limitBackoffMaxMs, delay * 2);
      }
    }
  }

  /**
   * The log groups to query and the format their messages follow: as the target states them, else
   * from the flow log named (`flowLogId`) or the flow logs publishing to the log group named, else
   * every log group the account's flow logs publish to in the region. The format of a flow log
   * cannot change, so it is read, not assumed; none stated = the default version-2 format.
   */
  async resolve(request: CloudWatchLogsFlowRequest): Promise<Array<{ logGroupName: string; logFormat: string }>> {
    const { config } = request;
    if (config.logGroupName && config.logFormat)
      return [{ logGroupName: checkedLogGroup(config.logGroupName), logFormat: config.logFormat }];
    const flowLogs = (
      request.flowLogs ?? (await describeFlowLogsDeliveringTo(this.clients.ec2(request.target), request.target, 'cloud-watch-logs'))
    ).filter((log) => log.LogDestinationType === 'cloud-watch-logs' || (!log.LogDestinationType && Boolean(log.LogGroupName)));
    let candidates = flowLogs;
    if (config.flowLogId) candidates = candidates.filter((log) => log.FlowLogId === config.flowLogId);
    if (config.logGroupName) candidates = candidates.filter((log) => log.LogGroupName === config.logGroupName);
    if (config.flowLogId && candidates.length === 0) {
      throw new AwsAdapterError(
        'AWS.INVALID_CONFIGURATION',
        `flow log ${config.flowLogId} does not publish to CloudWatch Logs${config.logGroupName ? ` (log group ${config.logGroupName})` : ''}`,
        { flowLogId: config.flowLogId },
      );
    }
    const groups = config.logGroupName
      ? [config.logGroupName]
      : [...new Set(candidates.map((log) => log.LogGroupName).filter((g): g is string => Boolean(g)))].sort();
    if (groups.length === 0) {
      throw new AwsAdapterError(
        'AWS.INVALID_CONFIGURATION',
        'no flow log of this account and region publishes to CloudWatch Logs: set the target’s logGroupName',
        {},
      );
    }
    return groups.map((logGroupName) => {
      if (config.logFormat) return { logGroupName: checkedLogGroup(logGroupName), logFormat: config.logFormat };
      const formats = [
        ...new Set(candidates.filter((log) => log.LogGroupName === logGroupName).map((log) => log.LogFormat ?? DEFAULT_FORMAT.logFormat)),
      ];
      if (formats.length > 1) {
        throw new AwsAdapterError(
          'AWS.INVALID_CONFIGURATION',
          `flow logs publishing to ${logGroupName} use different formats: set the target’s flowLogId or logFormat`,
          { formats },
        );
      }
      return { logGroupName: checkedLogGroup(logGroupName), logFormat: formats[0] ?? DEFAULT_FORMAT.logFormat };
    });
  }
}

function checkedLogGroup(name: string): string {
  if (!LOG_GROUP_NAME.test(name)) throw new AwsAdapterError('AWS.INVALID_IDENTIFIER', `"${name}" is not a CloudWatch Logs log group name`);
  return name;
}

const iso = (sec: number) => new Date(sec * 1000).toISOString();
