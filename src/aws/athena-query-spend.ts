import type { QueryExecution, QueryExecutionState } from '@aws-sdk/client-athena';

const MEBIBYTE = 1024 * 1024;
const MINIMUM_BILLED_BYTES = 10 * MEBIBYTE;
const TEBIBYTE = 1024 * 1024 * MEBIBYTE;

/** Athena's bill for one query: bytes rounded up to the megabyte, 10 MB minimum. */
export function estimateAthenaCostUsd(dataScannedBytes: number, pricePerTbUsd: number): number {
  const billed = Math.max(Math.ceil(dataScannedBytes / MEBIBYTE) * MEBIBYTE, MINIMUM_BILLED_BYTES);
  return (billed / TEBIBYTE) * pricePerTbUsd;
}

/**
 * What Athena bills for a query in the state it was last seen in, by its pricing: a query that
 * succeeded, and one cancelled (stopped by sgdoctor, by anyone else, or by a workgroup's data
 * limit) after it scanned something, pay for the bytes scanned (rounded up to the megabyte, 10 MB
 * minimum); a FAILED query is not charged, nor a query cancelled before it scanned anything. A
 * query still QUEUED or RUNNING (its stop not confirmed yet) is priced by what it has scanned so
 * far, as if it were cancelled now.
 */
export function athenaBilledCostUsd(state: QueryExecutionState | undefined, dataScannedBytes: number, pricePerTbUsd: number): number {
  if (state === 'FAILED') return 0;
  if (state !== 'SUCCEEDED' && dataScannedBytes <= 0) return 0;
  return estimateAthenaCostUsd(dataScannedBytes, pricePerTbUsd);
}

/** One query sgdoctor started, as Athena last described it: what it scanned and what that is billed. */
export interface AthenaQuerySpend {
  queryExecutionId: string;
  /** The query's state when it was described: SUCCEEDED, FAILED or CANCELLED once it ended; QUEUED or RUNNING when its stop was not confirmed. */
  state: QueryExecutionState;
  /** `Statistics.DataScannedInBytes` as Athena reported it (0 when it reported none). */
  dataScannedBytes: number;
  /** athenaBilledCostUsd of that state and those bytes. */
  billedCostUsd: number;
  /** sgdoctor gave up waiting for this query (its timeout): a later attempt stops it instead of waiting for it again. */
  timedOut: boolean;
}

/**
 * Where the queries of one analysis are accounted for. `started` is called as soon as Athena gives
 * a query's id, before anything else is asked of it, so a query whose job ends without seeing it
 * end (a killed worker, a failed call) is still on record; `record` for every query the flow
 * source saw end (and for one it gave up on), possibly more than once for the same query (a
 * redelivered job, a retry that finds it again): it keeps one entry per QueryExecutionId.
 */
export interface AthenaSpendLedger {
  /** The query exists (QUEUED, nothing scanned yet): an entry if it has none, else nothing changes. */
  started(queryExecutionId: string): Promise<void>;
  record(spend: AthenaQuerySpend): Promise<void>;
  /** Work left running in the background that ends by recording (the stop of an abandoned query): a shutting-down worker waits for it. */
  hold(work: Promise<unknown>): void;
  /** Queries an earlier attempt of the analysis gave up on (timed out), by QueryExecutionId. */
  readonly timedOut: ReadonlySet<string>;
}

/** The spend of `execution` in its current state. */
export function spendOf(
  queryExecutionId: string,
  execution: QueryExecution | undefined,
  pricePerTbUsd: number,
  timedOut = false,
): AthenaQuerySpend {
  const state = execution?.Status?.State ?? 'QUEUED';
  const dataScannedBytes = execution?.Statistics?.DataScannedInBytes ?? 0;
  return {
    queryExecutionId,
    state,
    dataScannedBytes,
    billedCostUsd: athenaBilledCostUsd(state, dataScannedBytes, pricePerTbUsd),
    timedOut,
  };
}

/** SUCCEEDED, FAILED or CANCELLED: the query will not scan more. */
export function isFinished(state: QueryExecutionState | undefined): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}
