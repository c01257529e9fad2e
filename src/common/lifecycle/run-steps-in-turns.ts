import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Steps } from '../../engine/steps';

/** The longest a long computation holds the event loop by default before letting other callbacks run. */
export const DEFAULT_TURN_MS = 50;

/**
 * The result of `steps`, run without holding the event loop: whenever slices have run for
 * `turnMs` or more since the last turn, timers and I/O get one (a job lock's renewal, a health
 * probe, a cancellation) before the next slice. Elapsed time is measured, not told: it decides
 * only when to pause, never what is computed.
 */
export async function runStepsInTurns<T>(steps: Steps<T>, turnMs = DEFAULT_TURN_MS): Promise<T> {
  let since = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - since >= turnMs) {
      await nextTurn();
      since = performance.now();
    }
  }
}
