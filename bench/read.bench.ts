import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { aggregateFlowFiles } from '../src/flow-files/flow-file-reader';
import type { BenchResult } from './bench-result';
import { ensureFlowLog } from './generate-flow-log';

const MIB = 1024 * 1024;

function run(command: string, args: string[]): Promise<{ stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve({ stdout, seconds });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

/** Best of `runs` wall-clock timings: the least disturbed by other work on the machine. */
async function best<T>(runs: number, task: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  let result: { value: T; seconds: number } | undefined;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const value = await task();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!result || seconds < result.seconds) result = { value, seconds };
  }
  return result as { value: T; seconds: number };
}

type Action = 'REJECT' | 'ACCEPT';

/**
 * The diagnose input path (read, parse, filter by action, aggregate) against awk selecting and
 * counting the same lines of the same file, both timed best of 3. With REJECT only it is the
 * path the ratio target is set for; with ACCEPT too it is what `diagnose` reads.
 */
async function throughput(file: string, actions: Action[], target: string): Promise<BenchResult> {
  const ours = await best(3, () => aggregateFlowFiles([file], { actions }));
  const selection = actions.map((action) => `$13=="${action}"`).join(' || ');
  const awk = await best(3, () => run('sh', ['-c', `awk '${selection}' '${file}' | wc -l`]));
  const { stats } = ours.value;
  const lines = stats.lines;
  const oursRate = lines / ours.seconds;
  const awkRate = lines / awk.seconds;
  return {
    name: `flow-log read: aggregateFlowFiles (${actions.join(' + ')}) vs awk '${selection}' | wc -l`,
    metrics: {
      lines,
      records: stats.rejectRecords + (actions.includes('ACCEPT') ? stats.acceptRecords : 0),
      awkLines: Number(awk.value.stdout.trim()),
      aggregates: ours.value.aggregates.length,
      seconds: Number(ours.seconds.toFixed(3)),
      awkSeconds: Number(awk.seconds.toFixed(3)),
      linesPerSecond: Math.round(oursRate),
      awkLinesPerSecond: Math.round(awkRate),
    },
    ratio: Number((oursRate / awkRate).toFixed(2)),
    target,
  };
}

async function peakMemory(files: Record<string, string>): Promise<BenchResult> {
  const entry = join(__dirname, 'read-memory.entry.js');
  const metrics: Record<string, number | string> = {};
  const peaks: number[] = [];
  for (const [label, file] of Object.entries(files)) {
    const { stdout } = await run(process.execPath, [entry, file]);
    const report = JSON.parse(stdout.trim()) as { maxRssBytes: number; seconds: number; lines: number; aggregates: number };
    const mib = Math.round(report.maxRssBytes / MIB);
    peaks.push(mib);
    metrics[`peakRssMiB_${label}`] = mib;
    metrics[`seconds_${label}`] = Number(report.seconds.toFixed(2));
    metrics[`aggregates_${label}`] = report.aggregates;
  }
  return {
    name: 'flow-log read: peak RSS of the aggregate path (child process)',
    metrics,
    ratio: Number((Math.max(...peaks) / Math.min(...peaks)).toFixed(2)),
    target: '<= 300 MiB and flat (ratio ~1.0) from 3M to 30M lines',
  };
}

/** The flow-log reading benchmarks; generates its inputs in bench/.data on first run. Prints nothing. */
export async function runReadBench(): Promise<BenchResult[]> {
  const small = await ensureFlowLog(3_000_000);
  const large = await ensureFlowLog(30_000_000);
  return [
    await throughput(small, ['REJECT'], '>= 1.0x awk'),
    await throughput(small, ['REJECT', 'ACCEPT'], 'none (what diagnose reads)'),
    await peakMemory({ '3M': small, '30M': large }),
  ];
}
