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
 * analysis: every batch's writes are idempotent. The next batch is serialised while one is being
 * written, so the database and the worker work at the same time.
 */
export async function persistObserved(loop: PersistLoop, observed: readonly ObservedFinding[]): Promise<void> {
  const size = Math.max(1, Math.floor(loop.batchSize));
  let next: PreparedBatch | null = observed.length ? loop.persister.prepare(observed.slice(0, size)) : null;
  for (let i = 0; next; i += size) {
    loop.before?.();
    const current: PreparedBatch = next;
    const writing = loop.transaction((manager) => loop.persister.upsertBatch(manager, loop.ctx, current));
    const following = i + size < observed.length ? loop.persister.prepareSoon(observed.slice(i + size, i + 2 * size)) : null;
    let eventIds: string[];
    try {
      eventIds = await writing;
    } finally {
      // Serialising cannot fail; a failed write still waits for it, so nothing runs on after the loop.
      next = following ? await following : null;
    }
    await loop.publish(eventIds);
    await loop.after?.();
  }
}
