/**
 * Epoch milliseconds in BullMQ's own timebase. BullMQ orders delayed jobs and stamps
 * `finishedOn` with the worker machine's epoch time, whatever the application's Clock says, so
 * a delay handed to BullMQ or a comparison with its timestamps must use the same base. This is
 * queue bookkeeping, never a date that reaches findings, reports or schedules.
 */
export function queueTimeMs(): number {
  return Math.round(performance.timeOrigin + performance.now());
}
