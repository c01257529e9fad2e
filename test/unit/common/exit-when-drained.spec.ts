import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const HELPER = resolve(__dirname, '..', '..', '..', 'src', 'common', 'lifecycle', 'exit-when-drained.ts');

/** Runs `body` in a fresh node process (the helper loaded as `exitWhenDrained`): its exit code and how long it took. */
function run(body: string): { status: number | null; ms: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['-e', `const { exitWhenDrained } = require(${JSON.stringify(HELPER)});\n${body}`], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: child.status, ms: performance.now() - started };
}

describe('exitWhenDrained', () => {
  it('ends with the code as soon as nothing is left to run, without waiting for the fallback', () => {
    const { status, ms } = run('exitWhenDrained(3, 20000);');
    expect(status).toBe(3);
    expect(ms).toBeLessThan(15_000);
  });

  it('ends with the code once work still in hand is done', () => {
    expect(run('setTimeout(() => {}, 200); exitWhenDrained(5, 20000);').status).toBe(5);
  });

  it('makes a process that something still holds exit with the code after the fallback', () => {
    const { status, ms } = run('setInterval(() => {}, 1000); exitWhenDrained(4, 300);');
    expect(status).toBe(4);
    expect(ms).toBeGreaterThanOrEqual(300);
  });
});
