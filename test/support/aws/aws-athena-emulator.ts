import { randomUUID } from 'node:crypto';
import type {
  Column,
  GetQueryExecutionCommandOutput,
  GetTableMetadataCommandInput,
  GetTableMetadataCommandOutput,
  GetQueryResultsCommandInput,
  GetQueryResultsCommandOutput,
  QueryExecutionState,
  StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type { UnreadRecordReason } from '../../../src/engine/flow-log/unread-records';
import { FLOW_LOG_FIELDS } from '../../../src/engine/flow-log/flow-log-fields';
import { acceptEvidence } from './aws-athena-evidence';
import { awsMetadata, queryResultPages } from './aws-sample-responses';

/** The flow-log table the emulator serves: every documented field as a column, partitioned by a projected day string. */
export interface EmulatedTable {
  columns: Column[];
  partitionKeys: Column[];
  parameters: Record<string, string>;
}

export const DEFAULT_TABLE: EmulatedTable = {
  columns: FLOW_LOG_FIELDS.map((field) => ({ Name: field.name.replace(/-/g, '_'), Type: 'string' })),
  partitionKeys: [{ Name: 'day', Type: 'string' }],
  parameters: {
    'projection.enabled': 'true',
    'projection.day.type': 'date',
    'projection.day.format': 'yyyy/MM/dd',
    'projection.day.range': '2026/01/01,NOW',
  },
};

export type QueryKind = 'reject' | 'accept' | 'window';

/** Records of the window a query left out of its aggregates for one reason: one row of `unread_reason`. */
export interface UnreadCount {
  reason: UnreadRecordReason;
  records: number;
}

export interface EmulatedAggregates {
  reject: readonly FlowAggregate[];
  accept: readonly FlowAggregate[];
  /** The counts every query returns after its aggregates (none when absent). */
  unread?: readonly UnreadCount[];
}

/** The aggregates of the records of one window [from, to), as a query's bound parameters delimit it. */
export type WindowedAggregates = (window: { from: Date; to: Date }) => Promise<EmulatedAggregates>;

/** How one started query behaves when polled. */
export interface QueryScript {
  /** States returned by successive GetQueryExecution calls; the last one repeats. */
  states: QueryExecutionState[];
  /** For FAILED: Athena's StateChangeReason and AthenaError. */
  stateChangeReason?: string;
  athenaError?: { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage: string };
  /** What the query scanned in all once it ended: SUCCEEDED, FAILED, or CANCELLED (stopped, by sgdoctor or anyone) alike. */
  dataScannedBytes?: number;
  /** What GetQueryExecution reports scanned so far while it is QUEUED or RUNNING (no Statistics when absent). */
  runningScannedBytes?: number;
}

export interface EmulatedQuery {
  id: string;
  kind: QueryKind;
  token: string;
  input: StartQueryExecutionCommandInput;
  script: QueryScript;
  polls: number;
  stopped: boolean;
}

const DEFAULT_SCRIPT: QueryScript = { states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], dataScannedBytes: 0 };

/** An Athena service error as the SDK raises it (a client fault with Athena's error name). */
export function athenaClientError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/**
 * The Athena API for flow-aggregate queries: StartQueryExecution is idempotent per
 * ClientRequestToken (the same token returns the same QueryExecutionId), each query follows its
 * script when polled, StopQueryExecution cancels it, and GetQueryResults pages the aggregates of
 * the query's kind: REJECT or ACCEPT (its first execution parameter), or the one query of a
 * window (`"action" IN (?, ?)`): the REJECT aggregates and the ACCEPT evidence (acceptEvidence).
 */
export class AthenaEmulator {
  readonly queries: EmulatedQuery[] = [];
  readonly starts: StartQueryExecutionCommandInput[] = [];
  readonly stops: string[] = [];
  readonly resultRequests: GetQueryResultsCommandInput[] = [];
  /** How the next started query of a kind behaves (`started`: how many of that kind came before). */
  scriptFor: (kind: QueryKind, started: number) => QueryScript = () => DEFAULT_SCRIPT;
  /** The table GetTableMetadata describes (any database and table name). */
  table: EmulatedTable = DEFAULT_TABLE;
  readonly tableRequests: GetTableMetadataCommandInput[] = [];
  /** Called on every GetQueryExecution before it answers; throwing makes the call fail. */
  onPoll: (query: EmulatedQuery, state: QueryExecutionState) => void | Promise<void> = () => undefined;
  /** Called on every StopQueryExecution before the query is stopped; throwing makes the call fail and the query run on. */
  onStop: (query: EmulatedQuery) => void = () => undefined;

  /** Fixed aggregates answer every query alike; a function answers each query for the window its parameters bind. */
  constructor(private readonly aggregates: EmulatedAggregates | WindowedAggregates) {}

  reset(): void {
    for (const list of [this.queries, this.starts, this.stops, this.resultRequests] as unknown[][]) list.length = 0;
    this.scriptFor = () => DEFAULT_SCRIPT;
    this.onPoll = () => undefined;
    this.onStop = () => undefined;
    this.table = DEFAULT_TABLE;
    this.tableRequests.length = 0;
  }

  getTableMetadata(input: GetTableMetadataCommandInput): GetTableMetadataCommandOutput {
    this.tableRequests.push({ ...input });
    return {
      ...awsMetadata('get-table-metadata'),
      TableMetadata: {
        Name: input.TableName,
        CreateTime: new Date('2026-11-01T09:12:44Z'),
        LastAccessTime: new Date('1970-01-01T00:00:00Z'),
        TableType: 'EXTERNAL_TABLE',
        Columns: this.table.columns,
        PartitionKeys: this.table.partitionKeys,
        Parameters: { EXTERNAL: 'TRUE', 'skip.header.line.count': '1', ...this.table.parameters },
      },
    };
  }

  startQueryExecution(input: StartQueryExecutionCommandInput) {
    this.starts.push({ ...input });
    const token = input.ClientRequestToken ?? randomUUID();
    const existing = this.queries.find((q) => q.token === token);
    if (existing) return { ...awsMetadata('start'), QueryExecutionId: existing.id };
    const kind: QueryKind = (input.QueryString ?? '').includes('"action" IN (?, ?)')
      ? 'window'
      : boundValue(input, '"action" = ?') === "'REJECT'"
        ? 'reject'
        : 'accept';
    const started = this.queries.filter((q) => q.kind === kind).length;
    const query: EmulatedQuery = { id: randomUUID(), kind, token, input, script: this.scriptFor(kind, started), polls: 0, stopped: false };
    this.queries.push(query);
    return { ...awsMetadata('start'), QueryExecutionId: query.id };
  }

  async getQueryExecution(input: { QueryExecutionId?: string }): Promise<GetQueryExecutionCommandOutput> {
    const query = this.query(input.QueryExecutionId);
    const states = query.script.states;
    const state: QueryExecutionState = query.stopped ? 'CANCELLED' : states[Math.min(query.polls, states.length - 1)];
    query.polls += 1;
    await this.onPoll(query, state);
    return this.execution(query, state);
  }

  stopQueryExecution(input: { QueryExecutionId?: string }) {
    const query = this.query(input.QueryExecutionId);
    this.onStop(query);
    query.stopped = true;
    this.stops.push(input.QueryExecutionId ?? '');
    return awsMetadata('stop');
  }

  async getQueryResults(input: GetQueryResultsCommandInput): Promise<GetQueryResultsCommandOutput> {
    this.resultRequests.push({ ...input }); // the paginator reuses one input object
    const query = this.query(input.QueryExecutionId);
    const pageSize = input.MaxResults ?? 1000;
    if (pageSize > 1000) throw athenaClientError('InvalidRequestException', 'MaxResults must be at most 1000');
    const aggregates = typeof this.aggregates === 'function' ? await this.aggregates(boundWindow(query.input)) : this.aggregates;
    const rows =
      query.kind === 'window' ? [...aggregates.reject, ...acceptEvidence(aggregates.reject, aggregates.accept)] : aggregates[query.kind];
    const pages = queryResultPages(rows, pageSize, aggregates.unread ?? []);
    const index = input.NextToken ? Number(input.NextToken.replace(/^.*-/, '')) : 0;
    if (!pages[index]) throw athenaClientError('InvalidRequestException', `unknown NextToken ${input.NextToken}`);
    return pages[index];
  }

  private query(id: string | undefined): EmulatedQuery {
    const query = this.queries.find((q) => q.id === id);
    if (!query) throw athenaClientError('InvalidRequestException', `QueryExecution ${id} was not found`);
    return query;
  }

  /** A GetQueryExecution answer in Athena's shape for one state. */
  private execution(query: EmulatedQuery, state: QueryExecutionState): GetQueryExecutionCommandOutput {
    const finished = state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
    return {
      ...awsMetadata('get-query-execution'),
      QueryExecution: {
        QueryExecutionId: query.id,
        Query: query.input.QueryString,
        StatementType: 'DML',
        WorkGroup: query.input.WorkGroup ?? 'primary',
        ExecutionParameters: query.input.ExecutionParameters,
        ResultConfiguration: {
          OutputLocation: `${query.input.ResultConfiguration?.OutputLocation ?? 's3://aws-athena-query-results-111122223333-eu-west-1/'}${query.id}.csv`,
        },
        QueryExecutionContext: { Catalog: 'AwsDataCatalog' },
        Status: {
          State: state,
          SubmissionDateTime: new Date('2026-11-25T00:05:00Z'),
          ...(finished ? { CompletionDateTime: new Date('2026-11-25T00:05:09Z') } : {}),
          ...(state === 'FAILED' && query.script.stateChangeReason ? { StateChangeReason: query.script.stateChangeReason } : {}),
          ...(state === 'FAILED' && query.script.athenaError ? { AthenaError: query.script.athenaError } : {}),
        },
        ...(finished
          ? {
              Statistics: {
                EngineExecutionTimeInMillis: 8421,
                DataScannedInBytes: query.script.dataScannedBytes ?? 0,
                TotalExecutionTimeInMillis: 9120,
                QueryQueueTimeInMillis: 310,
                ServicePreProcessingTimeInMillis: 96,
                QueryPlanningTimeInMillis: 512,
                ServiceProcessingTimeInMillis: 42,
              },
            }
          : query.script.runningScannedBytes !== undefined
            ? { Statistics: { EngineExecutionTimeInMillis: 4100, DataScannedInBytes: query.script.runningScannedBytes } }
            : {}),
      },
    };
  }
}

/**
 * The window a flow query reads, from its bound parameters: the values of the `?` in
 * `"start" AS bigint) < ?` (the end, epoch seconds) and `"end" AS bigint) >= ?` (the start).
 */
function boundWindow(input: StartQueryExecutionCommandInput): { from: Date; to: Date } {
  const valueAfter = (marker: string): number => {
    const value = Number(boundValue(input, marker));
    if (!Number.isInteger(value)) throw athenaClientError('InvalidRequestException', `the parameter of ${marker} is not epoch seconds`);
    return value;
  };
  return { from: new Date(valueAfter('"end" AS bigint) >= ?') * 1000), to: new Date(valueAfter('"start" AS bigint) < ?') * 1000) };
}

/** The ExecutionParameter bound to the `?` that ends `marker` (its first occurrence in the query). */
function boundValue(input: StartQueryExecutionCommandInput, marker: string): string | undefined {
  const sql = input.QueryString ?? '';
  const at = sql.indexOf(marker);
  if (at < 0) throw athenaClientError('InvalidRequestException', `query has no ${marker}`);
  const index = sql.slice(0, at + marker.length - 1).split('?').length - 1; // the ? before this one
  return input.ExecutionParameters?.[index];
}
