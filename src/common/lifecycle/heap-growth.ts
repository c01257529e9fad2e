import { setFlagsFromString } from 'node:v8';

/** The growth a worker and the CLI use unless told otherwise: the heap peaks near 1.2× its live data. */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

/**
 * Sets how far V8 lets the heap grow past what survived the last full collection (0: V8's own
 * factor), and holds the young generation at its first size (see holdYoungGeneration). An
 * analysis allocates fast: V8 then grows the heap up to 4× its live data and the young generation
 * to 64 MB, and keeps the pages it once used. A process that keeps the old generation near 1.2×
 * its live data and the young one small peaks at a fraction of the memory for a little more time
 * in the collector (a quarter more correlate time at a million aggregates, for 120 MB less at the peak). V8 reads both factors each time it
 * resizes, so they apply from here on.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent <= 0) {
    // V8's own factors, the young generation's included: the fastest analysis, at the most memory.
    releaseYoungGeneration();
    return;
  }
  setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
  holdYoungGeneration();
}

/** V8's factor for growing the young generation (its default). */
const YOUNG_GENERATION_GROWTH_FACTOR = 2;

/**
 * Keeps the young generation at its first size until
 * `releaseYoungGeneration`. V8 doubles it, up to two 32 MB semi-spaces, each time as much as it
 * holds has survived, and never gives it back: loading the modules and starting the application
 * keep enough alive to grow it to the full 64 MB, which an idle process then holds for nothing.
 *
 * The first size is V8's (two 1 MB semi-spaces) unless the command line sets it: the worker is
 * started with `--min-semi-space-size=8` (`npm run start:worker`, the compose file), which V8
 * reads only there. An analysis's findings live for milliseconds, longer than 1 MB of allocation
 * takes: with 8 MB fewer of them are promoted, and a 1M-aggregate analysis spends half as long in
 * young-generation collections and peaks lower (see the README's Performance section).
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Lets the young generation grow again, as the work that follows start-up needs. */
export function releaseYoungGeneration(): void {
  setFlagsFromString(`--semi-space-growth-factor=${YOUNG_GENERATION_GROWTH_FACTOR}`);
}
