import type { DataSource, EntityManager } from 'typeorm';
import {
  preparedItem,
  preparedSize,
  type FindingsPersister,
  type PreparedItem,
  type PersistContext,
  type PreparedBatch,
  type PreparedRow,
} from '../../findings/findings-persister.service';
import type { ObservedFinding } from '../../findings/observed-finding';
import { analysisWritersLockKey } from '../analysis-writers-lock';
import { AnalysisCancelledSignal } from './analysis-cancelled.signal';

/** Findings upserted per transaction by default (ANALYSIS_PERSIST_BATCH). */
export const DEFAULT_PERSIST_BATCH = 1000;

/** The characters of JSON at which a batch ends by default (ANALYSIS_PERSIST_BATCH_CHARS), however few its findings. */
export const DEFAULT_PERSIST_BATCH_CHARS = 4 * 1024 * 1024;

/**
 * Settings of a batch's transaction (SET LOCAL: they end with it).
 *
 * - `synchronous_commit = off`: the commit returns without waiting for its WAL to be flushed. A
 *   batch is derived data that the analysis writes again when it runs again, and the analysis
 *   becomes `succeeded` only in a later, synchronous commit, which flushes the WAL up to it, every
 *   batch's included. A crash of PostgreSQL can lose the last batches' commits (up to about three
 *   times wal_writer_delay) only while the analysis is still `running`, and the pool then opens
 *   fresh connections for the next ones: the runner reads the server's start time before the
 *   stage and again in the transaction that records the outcome, and a restart in between fails
 *   the attempt (retryable), so the analysis runs again. Visibility and locks are unchanged: the
 *   guard's locks are held until the commit as before.
 * - `work_mem`: the batch's lines of JSON (a few megabytes) are read into memory rather than
 *   spilled to a temporary file.
 * - `plan_cache_mode = force_generic_plan`: each statement is planned without its bound values. A
 *   plan made for the values (PostgreSQL's choice for a statement run once) folds the batch's
 *   megabytes of JSON into the plan as a constant and copies them several times while planning:
 *   an eighth of PostgreSQL's time in the upsert of new findings. The plans are the same either
 *   way (the batch is read by functions, the stored rows by their unique index).
 */
const PERSIST_BATCH_SETTINGS = `SELECT set_config('synchronous_commit', 'off', true), set_config('work_mem', '64MB', true),
  set_config('plan_cache_mode', 'force_generic_plan', true)`;

/** The analysis attempt a write belongs to. */
export interface RunningAttempt {
  analysisId: string;
  attempt: number;
}

/**
 * How a write's transaction holds the analysis row: `update` (FOR UPDATE) serialises every such
 * transaction of the analysis; `share` (FOR SHARE) lets the persist stage's batches of one attempt
 * run at once, and they also take the analysis's writers lock shared, so that a cancel (which takes
 * it exclusive) is not kept waiting by batch after batch. Either conflicts with what ends an attempt
 * (a cancel, a failure, a retry: an UPDATE of the row), which so waits for the transactions holding
 * the row to commit, and every transaction that locks the row after it sees the new status.
 */
export type RunningLock = 'update' | 'share';

/**
 * Runs `work` in a transaction that first locks the analysis row and checks it is still running
 * in this attempt, so a cancelled or superseded analysis is never written to.
 */
export function inRunningTransaction<T>(
  dataSource: DataSource,
  running: RunningAttempt,
  work: (manager: EntityManager) => Promise<T>,
  lock: RunningLock = 'update',
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    // Shared holders queue behind a cancel that asked first (see analysisWritersLockKey).
    if (lock === 'share')
      await manager.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [analysisWritersLockKey(running.analysisId)]);
    const rows: Array<{ status: string }> = await manager.query(
      `SELECT "status" FROM "analyses" WHERE "id" = $1 AND "attempt" = $2 ${lock === 'share' ? 'FOR SHARE' : 'FOR UPDATE'}`,
      [running.analysisId, running.attempt],
    );
    if (rows[0]?.status !== 'running') throw new AnalysisCancelledSignal(running.analysisId);
    return work(manager);
  });
}

export interface PersistLoop {
  persister: FindingsPersister;
  ctx: PersistContext;
  /** Findings per transaction: each batch commits on its own, so a killed worker loses at most one round's work. */
  batchSize: number;
  /**
   * A batch also ends once its rows' text reaches this many characters (DEFAULT_PERSIST_BATCH_CHARS
   * when not given): what the worker holds while two rounds are in hand stays bounded when
   * findings carry many flows.
   */
  batchChars?: number;
  /**
   * Batches written at once, each in its own transaction (on its own connection): a round. The
   * next round starts once every batch of the round committed. 1 by default.
   */
  parallel?: number;
  /**
   * One batch's transaction (the runner's locks the analysis row and checks it is running). With
   * `parallel` above 1 the batches of a round run at the same time: a transaction that locks the
   * row FOR UPDATE makes them wait for each other, one FOR SHARE does not.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /**
   * The fingerprints of the target's stored findings when the stage starts
   * (FindingsPersister.storedFingerprints): each finding is serialised for the statement expected
   * to write it. Without it every finding is expected new, and a stored one is serialised again
   * for its UPDATE once its batch holds its locks.
   */
  storedFingerprints?(): Promise<ReadonlySet<string>>;
  /** Publishes the events a committed round recorded. */
  publish(eventIds: string[]): Promise<void>;
  /** Before each round (the runner's cancellation check). */
  before?(): void;
  /** After each committed round (the runner's testing pause). */
  after?(): Promise<void>;
}

/** Batches written at once by the persist stage by default. */
export const DEFAULT_PERSIST_PARALLEL = 2;

/**
 * The persist stage's writes of what correlate observed: upserted round by round, a round being
 * `parallel` batches written at once, each in its own transaction, and the round's events
 * published once all of them committed. Safe to run again for the same analysis: every batch's
 * writes are idempotent. `observed` is drawn a round at a time (correlate finishes each finding
 * as it is drawn), and the next round is drawn and serialised in slices while one is being
 * written, so the database and the worker work at the same time and only two rounds are held.
 *
 * A cancel during a round (it takes the analysis's writers lock exclusive: see
 * analysisWritersLockKey) waits for the round's transactions to commit; the batches that ask for
 * the lock after it wait for it, then see the analysis cancelled and write nothing.
 */
export async function persistObserved(loop: PersistLoop, observed: Iterable<ObservedFinding>): Promise<void> {
  const size = Math.max(1, Math.floor(loop.batchSize));
  const parallel = Math.max(1, Math.floor(loop.parallel ?? 1));
  const limits = { size, chars: Math.max(1, Math.floor(loop.batchChars ?? DEFAULT_PERSIST_BATCH_CHARS)) };
  const findings = observed[Symbol.iterator]();
  const stored = (await loop.storedFingerprints?.()) ?? new Set<string>();
  const prepare = (item: ObservedFinding): PreparedRow => loop.persister.prepareRow(loop.ctx, item, stored.has(item.finding.fingerprint));
  let next = await drawRound(findings, limits, parallel, prepare);
  while (next) {
    loop.before?.();
    const round = next;
    next = null;
    const writing = Promise.allSettled(
      round.map((current) =>
        loop.persister.writeBatch(
          (work) =>
            loop.transaction(async (manager) => {
              await manager.query(PERSIST_BATCH_SETTINGS);
              return work(manager);
            }),
          loop.ctx,
          current,
        ),
      ),
    );
    let following: PreparedBatch[] | null;
    let written: Array<PromiseSettledResult<string[]>>;
    try {
      following = await drawRound(findings, limits, parallel, prepare);
    } finally {
      // Every batch of the round settles before the loop goes on or fails (a finding that could
      // not be finished included): none is left writing.
      written = await writing;
    }
    const eventIds = written.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    const failed = written.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      // The round's committed batches still publish their events (or the sweep of unpublished events does).
      await loop.publish(eventIds).catch(() => undefined);
      throw failed.reason;
    }
    await loop.publish(eventIds);
    await loop.after?.();
    next = following;
  }
}

/**
 * The time spent drawing and serialising findings between two turns of the event loop. A batch's
 * transaction is about ten statements, each sent once the worker has read the reply to the one
 * before: the round's writes proceed a statement per turn, so turns come every few milliseconds
 * however long the findings take to finish (a campaign's can take tens of milliseconds each).
 */
const DRAW_SLICE_MS = 5;

/**
 * Up to `parallel` batches drawn from `findings` and serialised as they are drawn, each ending at
 * `limits.size` findings or once its rows' JSON reaches `limits.chars` characters, giving the
 * event loop a turn every DRAW_SLICE_MS; null when none is left.
 */
async function drawRound(
  findings: Iterator<ObservedFinding>,
  limits: { size: number; chars: number },
  parallel: number,
  prepare: (item: ObservedFinding) => PreparedRow,
): Promise<PreparedBatch[] | null> {
  const round: PreparedBatch[] = [];
  let exhausted = false;
  let sliceStart = performance.now();
  for (let b = 0; b < parallel && !exhausted; b++) {
    const items: PreparedItem[] = [];
    const rows: PreparedRow[] = [];
    let chars = 0;
    for (;;) {
      const step = findings.next();
      if (step.done) {
        exhausted = true;
        break;
      }
      const row = prepare(step.value);
      // The finding itself (its flows, fix and peers) goes once serialised.
      items.push(preparedItem(step.value));
      rows.push(row);
      chars += preparedSize(row);
      if (performance.now() - sliceStart >= DRAW_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      if (items.length >= limits.size || chars >= limits.chars) break;
    }
    if (items.length > 0) round.push({ items, rows });
  }
  return round.length ? round : null;
}
