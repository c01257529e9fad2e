import type { AthenaSpendLedger } from '../aws/athena-query-spend';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import type { IncompleteRecordReason } from '../engine/flow-log/unread-records';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import type { FlowSourceSettings, TargetAccess, TargetScope } from '../targets/target-sources';

/** What a flow source needs to know of a target: where the account is, how to reach it, what is in scope. */
export interface FlowSourceTarget {
  id: string;
  accountId: string;
  region: string;
  access: TargetAccess;
  scope: TargetScope;
}

/** One analysis window to read from one target's flow source. */
export interface FlowWindowRequest<S extends FlowSourceSettings = FlowSourceSettings> {
  analysisId: string;
  /** The analysis attempt: a source that starts paid work (an Athena query) keys it by analysis and attempt, so a redelivered job never pays twice. */
  attempt: number;
  target: FlowSourceTarget;
  /** The target's flow-source settings of this source's type. */
  settings: S;
  /** Records whose capture interval overlaps [from, to). */
  window: { from: Date; to: Date };
  /** The configuration the analysis evaluates against (its FlowLogs tell a source the LogFormat). */
  snapshot: NetworkSnapshot;
  /**
   * An organisation target: its member accounts and regions, whose records one scan reads (through
   * the table's account and region partitions) instead of the target's own account and region.
   */
  members?: { accountIds: string[]; regions: string[] } | null;
  /** Aborted when the analysis is cancelled: a source stops reading (and cancels paid work) promptly. */
  signal: AbortSignal;
  /**
   * Athena source: where each query it starts is accounted for with what Athena reports it
   * scanned, however it ends (a stopped or cancelled query is billed too), and which queries an
   * earlier attempt of the analysis gave up on.
   */
  athenaLedger?: AthenaSpendLedger | null;
}

/** Something read only in part or not at all, named where the user looks (the analysis's statistics). */
export interface FlowSourceWarning {
  /**
   * What was not read: a file relative to the data root, a log group, an object key, an Athena table
   * (`database.table`), or a VPC or subnet id of the target's scope that EC2 does not describe.
   */
  file: string;
  message: string;
}

/** What a source read for one window, and what reading it cost. Every field is optional: a source reports what it knows. */
export interface FlowSourceStatistics {
  /** Flow-log records read (files) or summed over the aggregates returned (Athena). */
  records?: number;
  rejectedRecords?: number;
  /** Files: every ACCEPT record read; Athena: the ACCEPT records of the evidence returned (reverse flows, accepted peers of rejected services). */
  acceptedRecords?: number;
  /**
   * Files and S3: lines that were not valid records, the first 20 named in `warnings` with their
   * file, line and why (the rest counted in one more). Athena and CloudWatch Logs: records of the
   * window whose values the query could not read (a log-status other than OK, a protocol that is
   * not a number, an end past 9999-12-31T23:59:59Z; for CloudWatch Logs also a message that does
   * not match the log format), each reason named in `warnings`.
   */
  malformedLines?: number;
  /**
   * OK records of the window that are no flow, because a field every flow needs holds `-`: left
   * out of the aggregates, by what was missing (`no interface-id`, `no address`, `no protocol`,
   * and for the files and S3 sources `no action`).
   */
  incompleteRecords?: number;
  incompleteByReason?: Partial<Record<IncompleteRecordReason, number>>;
  /**
   * SKIPDATA records of the window: capture windows in which AWS skipped records. Their traffic is
   * missing from the analysis; the coverage's `skipped-data` signal says so.
   */
  skipdataRecords?: number;
  /** Files and S3: valid records left out because they lie outside the window. */
  recordsOutsideWindow?: number;
  /** Files source: directory entries and files not read (hidden, not a regular file, leading outside the data root), each named in `warnings`. */
  filesSkipped?: number;
  /**
   * What was read only in part or not at all: a file that could not be read to its end
   * (permission, truncated gzip, I/O error), a directory entry skipped, a flow-log field
   * sgdoctor does not know, a malformed line; the records of an Athena table or a log group that
   * could not be read, with why.
   */
  warnings?: FlowSourceWarning[];
  /**
   * Bytes the query engine scanned (Athena, CloudWatch Logs Insights). Athena: every query of the
   * analysis once it has ended, those of earlier attempts and those stopped, cancelled or failed
   * included (`athenaQueries` lists them).
   */
  bytesScanned?: number;
  /** What reading the window cost: Athena or Insights scanning, S3 requests. Athena: every query of the analysis, as Athena bills it. */
  estimatedCostUsd?: number;
  /** Athena source: the query whose rows were read. */
  queryExecutionIds?: string[];
  /**
   * Athena source: every query the analysis started, in every attempt, with its state, the bytes
   * Athena reported it scanned and what that is billed (nothing for a FAILED one); `timedOut` when
   * sgdoctor stopped it on the query timeout.
   */
  athenaQueries?: Array<{
    queryExecutionId: string;
    attempt: number;
    state: string;
    bytesScanned: number;
    costUsd: number;
    timedOut: boolean;
  }>;
  /** CloudWatch Logs source: the log groups, the Insights queries run (split ones included) and what they matched and scanned. */
  insights?: {
    logGroupNames: string[];
    queryIds: string[];
    queries: number;
    splits: number;
    recordsMatched: number;
    recordsScanned: number;
    rows: number;
  };
  /** S3 source: the delivery prefixes listed, the requests sent, the objects and bytes read (as stored, compressed). */
  s3?: {
    prefixes: number;
    listRequests: number;
    getRequests: number;
    objectsListed: number;
    objectsRead: number;
    objectsSkipped: number;
    bytesRead: number;
  };
}

/**
 * Where an analysis reads its flows from. One implementation per `FlowSourceSettings['type']`,
 * registered in FlowSourceRegistry.
 */
export interface FlowSource<S extends FlowSourceSettings = FlowSourceSettings> {
  readonly type: S['type'];
  /**
   * Streams the window's REJECT and ACCEPT aggregates (REJECT ones with `hourly`, their records
   * per hour of start, when the records have a start) into `sink`; returns what was read.
   */
  read(request: FlowWindowRequest<S>, sink: (aggregate: FlowAggregate) => void): Promise<FlowSourceStatistics>;
}
