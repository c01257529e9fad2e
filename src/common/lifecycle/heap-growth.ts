import { setFlagsFromString } from 'node:v8';

/** The growth a worker and the CLI use unless told otherwise: the heap peaks near 1.2× its live data. */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

/**
 * Sets how far V8 lets the heap grow past what survived the last full collection (0: V8's own
 * factor). An analysis allocates fast and V8 then grows the heap up to 4× its live data; a
 * worker that keeps it near 1.2× peaks at a fraction of the memory for a little more time in the
 * collector. V8 reads the factor each time it sets the next limit, so it applies from here on.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
}
