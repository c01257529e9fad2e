import type { DataSource, EntityManager } from 'typeorm';
import type { FindingsPersister, PersistContext, PreparedBatch } from '../../findings/findings-persister.service';
import type { ObservedFinding } from '../../findings/observed-finding';
import { AnalysisCancelledSignal } from './analysis-cancelled.signal';

/** Findings upserted per transaction by default (ANALYSIS_PERSIST_BATCH). */
export const DEFAULT_PERSIST_BATCH = 1000;

/** The analysis attempt a write belongs to. */
export interface RunningAttempt {
  analysisId: string;
  attempt: number;
}

/**
 * Runs `work` in a transaction that first locks the analysis row and checks it is still running
 * in this attempt, so a cancelled or superseded analysis is never written to.
 */
export function inRunningTransaction<T>(
  dataSource: DataSource,
  running: RunningAttempt,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    const rows: Array<{ status: string }> = await manager.query(
      'SELECT "status" FROM "analyses" WHERE "id" = $1 AND "attempt" = $2 FOR UPDATE',
      [running.analysisId, running.attempt],
    );
    if (rows[0]?.status !== 'running') throw new AnalysisCancelledSignal(running.analysisId);
    return work(manager);
  });
}

export interface PersistLoop {
  persister: FindingsPersister;
  ctx: PersistContext;
  /** Findings per transaction: each batch commits on its own, so a killed worker loses at most one batch's work. */
  batchSize: number;
  /** One batch's transaction (the runner's locks the analysis row and checks it is running). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Publishes the events a committed batch recorded. */
  publish(eventIds: string[]): Promise<void>;
  /** Before each batch (the runner's cancellation check). */
  before?(): void;
  /** After each committed batch (the runner's testing pause). */
  after?(): Promise<void>;
}

/**
 * The persist stage's writes of what correlate observed: upserted batch by batch, each batch in
 * its own transaction and its events published once it committed. Safe to run again for the same
 * analysis: every batch's writes are idempotent. `observed` is drawn a batch at a time (correlate
 * finishes each finding as it is drawn), and the next batch is drawn and serialised while one is
 * being written, so the database and the worker work at the same time and only two batches are
 * held at once.
 */
export async function persistObserved(loop: PersistLoop, observed: Iterable<ObservedFinding>): Promise<void> {
  const batches = batchesOf(observed, Math.max(1, Math.floor(loop.batchSize)));
  const first = batches.next();
  let next: PreparedBatch | null = first.done ? null : loop.persister.prepare(first.value);
  while (next) {
    loop.before?.();
    const current: PreparedBatch = next;
    const writing = loop.transaction((manager) => loop.persister.upsertBatch(manager, loop.ctx, current));
    const following = batches.next();
    const preparing = following.done ? null : loop.persister.prepareSoon(following.value);
    let eventIds: string[];
    try {
      eventIds = await writing;
    } finally {
      // Serialising cannot fail; a failed write still waits for it, so nothing runs on after the loop.
      next = preparing ? await preparing : null;
    }
    await loop.publish(eventIds);
    await loop.after?.();
  }
}

function* batchesOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
