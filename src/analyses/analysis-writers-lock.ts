/**
 * The key (for `pg_advisory_xact_lock(hashtext(key))`) that queues an analysis's concurrent writers
 * fairly. The persist stage's batches take it shared, a cancel exclusive before it updates the
 * analysis row. PostgreSQL's row locks would let a new batch's FOR SHARE pass a cancel that waits
 * for the row, so batch after batch could keep a cancel waiting until the stage ends; a
 * transaction-scoped advisory lock is granted in turn: a batch that asks after the cancel waits for
 * it, then sees the analysis cancelled. Only fairness: the row lock alone keeps writes out once the
 * cancel committed. A colliding hash only queues two analyses' writers together.
 */
export function analysisWritersLockKey(analysisId: string): string {
  return `analysis-writers:${analysisId}`;
}
