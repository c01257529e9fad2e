import { holdYoungGeneration } from './heap-growth';

/**
 * Imported first by the process entry points, so the young generation is held while the modules
 * load, not only from the first statement after the imports (see holdYoungGeneration).
 */
holdYoungGeneration();
