import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Child-process entry for the analysis benchmark: the built worker (dist/worker.js), which on
 * exit writes its own peak resident set size (VmHWM of /proc/self/status, this process alone,
 * not a parent's high-water mark) as JSON to the file named by BENCH_HWM_FILE.
 */
function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const out = process.env.BENCH_HWM_FILE;
if (out) process.on('exit', () => writeFileSync(out, JSON.stringify({ peakRssBytes: peakRssBytes() })));
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, '..', '..', 'dist', 'worker.js'));
