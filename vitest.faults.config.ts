import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault suite (throwaway PostgreSQL and Redis on spare ports, killed
 * and restarted workers). Kept out of `npm test` by its file suffix; one file at a time, so the
 * servers and processes of two cases never compete for the machine.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    environment: 'node',
    include: ['test/faults/**/*.fault-spec.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
