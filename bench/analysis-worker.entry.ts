import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

/**
 * Child-process entry for the analysis benchmark: the built worker (dist/worker.js), which on
 * exit writes to the file named by BENCH_HWM_FILE, as JSON, its own peak resident set size
 * (VmHWM of /proc/self/status, this process alone, not a parent's high-water mark), what its
 * memory was made of at the largest resident set sampled, its CPU time, and the time its garbage
 * collector paused it, by kind of collection, and the longest it held its event loop.
 */
function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const gcMs = { minor: 0, major: 0, other: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = ((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
    const bucket =
      kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : 'other';
    gcMs[bucket] += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/**
 * What the process's memory was made of when its resident set was largest, sampled every 100 ms
 * (between two turns of the event loop: a long synchronous step is seen at its end): V8's heap in
 * use and committed, and the memory of ArrayBuffers (typed-array columns, Buffers), in bytes.
 */
const atPeak = { rss: 0, heapUsed: 0, heapTotal: 0, arrayBuffers: 0 };
/** BENCH_MEMORY_TRACE: a file to append every sample to (ms since start, RSS, heap used, heap committed, array buffers, in MB). */
const trace = process.env.BENCH_MEMORY_TRACE;
const startedAt = performance.now();
setInterval(() => {
  const usage = process.memoryUsage();
  if (trace) {
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    const row = [Math.round(performance.now() - startedAt), mb(usage.rss), mb(usage.heapUsed), mb(usage.heapTotal), mb(usage.arrayBuffers)];
    appendFileSync(trace, `${row.join(' ')}\n`);
  }
  if (usage.rss > atPeak.rss)
    Object.assign(atPeak, { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, arrayBuffers: usage.arrayBuffers });
}, 100).unref();

/** The longest the event loop was held: a timer's lateness, sampled every 20 ms. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

const out = process.env.BENCH_HWM_FILE;
if (out)
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    writeFileSync(
      out,
      JSON.stringify({
        peakRssBytes: peakRssBytes(),
        cpuMs: (cpu.user + cpu.system) / 1000,
        gcMs,
        atPeak,
        longestStallMs: loopDelay.max / 1e6,
      }),
    );
  });
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, '..', '..', 'dist', 'worker.js'));
