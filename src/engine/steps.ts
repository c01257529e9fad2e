/**
 * Work done in slices: a generator that yields between them and returns its result. Run to its
 * end at once (`runSteps`), it is the plain function; run on an event loop, the caller may give
 * other callbacks a turn between slices (src/common/lifecycle/run-steps-in-turns.ts).
 */
export type Steps<T> = Generator<void, T, void>;

/** The result of `steps`, every slice run at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
