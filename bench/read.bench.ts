import { spawn } from 'node:child_process';
import { join } from 'node:path';

import type { BenchResult } from './bench-result';
import { type ClientPorts, ensureFlowLog } from './generate-flow-log';

const MIB = 1024 * 1024;
/** Linux's USER_HZ: /proc/self/stat counts CPU time in hundredths of a second. */
const CLOCK_TICKS = 100;

/**
 * The tuples sgdoctor's aggregator keys by — interface, source, destination, protocol, ports after
 * the collapse rule (the lower port is the service; the other, when >= 1024, is collapsed to `*`),
 * action — with records, packets, bytes, first and last seen per tuple, in awk. `perHour` also
 * counts REJECT records per tuple and hour of start and keeps the window, as the service does.
 * The END block prints the groups, the records, awk's own peak RSS (VmHWM, kB) and CPU time (ticks).
 */
function awkProgram(perHour: boolean): string {
  return `
NR > 1 && ($13 == "ACCEPT" || $13 == "REJECT") && $14 == "OK"${perHour ? ' && $11 < 1900000000 && $12 >= 1600000000' : ''} {
  p = $8; s = $6; d = $7
  if (p != 6 && p != 17 && p != 132) { s = "-"; d = "-" }
  else if (s != "-" && d != "-") { if (s + 0 < d + 0) { if (d + 0 >= 1024) d = "*" } else if (s + 0 >= 1024) s = "*" }
  k = $3 " " $4 " " $5 " " p " " s " " d " " $13
  n[k]++; pk[k] += $9; by[k] += $10
  if (!(k in f) || $11 < f[k]) f[k] = $11
  if ($12 > l[k]) l[k] = $12${perHour ? '\n  if ($13 == "REJECT") h[k " " int($11 / 3600)]++' : ''}
}
END {
  g = 0; r = 0
  for (k in n) { g++; r += n[k] }
  while ((getline line < "/proc/self/status") > 0) if (line ~ /^VmHWM/) { split(line, a, " "); hwm = a[2] }
  getline st < "/proc/self/stat"; split(st, t, " ")
  print g, r, hwm, t[14] + t[15]
}`;
}

interface Measured {
  seconds: number;
  /** CPU time (user + system, every thread) the child reported for itself. */
  cpuSeconds: number;
  groups: number;
  records: number;
  peakRssBytes: number;
}

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

/** One reading of `file`, timed from spawn to exit (startup included, for every contender alike); RSS as the child measured it. */
type Contender = (file: string) => Promise<Measured>;

const nodeChild =
  (mode: 'service' | 'diagnose' | 'duckdb'): Contender =>
  async (file) => {
    const { stdout, seconds } = await run(process.execPath, [join(__dirname, 'read-child.entry.js'), mode, file]);
    const report = JSON.parse(stdout.trim()) as { groups: number; records: number; peakRssBytes: number; cpuSeconds: number };
    return { seconds, cpuSeconds: report.cpuSeconds, groups: report.groups, records: report.records, peakRssBytes: report.peakRssBytes };
  };

const mawk =
  (perHour: boolean): Contender =>
  async (file) => {
    const { stdout, seconds } = await run('mawk', [awkProgram(perHour), file]);
    const [groups, records, hwmKb, ticks] = stdout.trim().split(/\s+/).map(Number);
    return { seconds, cpuSeconds: ticks / CLOCK_TICKS, groups, records, peakRssBytes: hwmKb * 1024 };
  };

/**
 * Every contender on every file, runs interleaved (contender by contender within a round, so a
 * busy moment of the shared machine hits them alike), best time of `rounds` and highest RSS kept.
 */
async function measure(
  files: Record<string, string>,
  contenders: Record<string, Contender>,
  rounds: number,
): Promise<Map<string, Measured>> {
  const results = new Map<string, Measured>();
  for (const [size, file] of Object.entries(files)) {
    for (let round = 0; round < rounds; round++) {
      for (const [name, contender] of Object.entries(contenders)) {
        const m = await contender(file);
        const key = `${name}@${size}`;
        const seen = results.get(key);
        results.set(
          key,
          seen
            ? {
                ...m,
                seconds: Math.min(seen.seconds, m.seconds),
                cpuSeconds: Math.min(seen.cpuSeconds, m.cpuSeconds),
                peakRssBytes: Math.max(seen.peakRssBytes, m.peakRssBytes),
              }
            : m,
        );
      }
    }
  }
  return results;
}

function compare(name: string, sizes: string[], results: Map<string, Measured>, ours: string, anchors: string[]): BenchResult {
  const metrics: Record<string, number | string> = {};
  let worstRatio = Infinity;
  for (const size of sizes) {
    const mine = results.get(`${ours}@${size}`) as Measured;
    metrics[`${size} ${ours} s`] = Number(mine.seconds.toFixed(2));
    metrics[`${size} ${ours} cpu s`] = Number(mine.cpuSeconds.toFixed(2));
    metrics[`${size} ${ours} peak RSS MiB`] = Math.round(mine.peakRssBytes / MIB);
    metrics[`${size} ${ours} groups`] = mine.groups;
    for (const anchor of anchors) {
      const other = results.get(`${anchor}@${size}`) as Measured;
      metrics[`${size} ${anchor} s`] = Number(other.seconds.toFixed(2));
      metrics[`${size} ${anchor} cpu s`] = Number(other.cpuSeconds.toFixed(2));
      metrics[`${size} ${anchor} peak RSS MiB`] = Math.round(other.peakRssBytes / MIB);
      metrics[`${size} ${anchor} groups`] = other.groups;
      const ratio = other.seconds / mine.seconds;
      metrics[`${size} speed vs ${anchor}`] = `${ratio.toFixed(2)}x`;
      metrics[`${size} cpu speed vs ${anchor}`] = `${(other.cpuSeconds / mine.cpuSeconds).toFixed(2)}x`;
      if (anchor.startsWith('mawk')) worstRatio = Math.min(worstRatio, ratio);
    }
  }
  const peaks = sizes.map((size) => (results.get(`${ours}@${size}`) as Measured).peakRssBytes);
  metrics[`${ours} RSS growth ${sizes[0]}→${sizes[sizes.length - 1]}`] = `${(peaks[peaks.length - 1] / peaks[0]).toFixed(2)}x`;
  return { name, metrics, ratio: Number(worstRatio.toFixed(2)), target: '>= 1.0x mawk, <= 300 MiB, flat from 3M to 30M lines' };
}

/** Line counts of the inputs: SGDOCTOR_BENCH_READ_LINES (comma-separated, e.g. `300000,3000000`) or 3 M and 30 M. */
function sizes(): number[] {
  const given = process.env.SGDOCTOR_BENCH_READ_LINES;
  const parsed = given ? given.split(',').map((n) => Number(n.trim())) : [3_000_000, 30_000_000];
  if (parsed.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`SGDOCTOR_BENCH_READ_LINES: "${given}" is not a list of line counts`);
  return parsed;
}

/**
 * The estate's client ports (SGDOCTOR_BENCH_READ_CLIENT_PORTS): `wide` by default (1024–65535:
 * distinct tuples grow with the lines), `linux` (32768–60999: the same connections' tuples at
 * every size, so what grows is the lines alone). See ClientPorts.
 */
function clientPorts(): ClientPorts {
  const given = process.env.SGDOCTOR_BENCH_READ_CLIENT_PORTS ?? 'wide';
  if (given !== 'wide' && given !== 'linux') throw new Error(`SGDOCTOR_BENCH_READ_CLIENT_PORTS: "${given}" is neither wide nor linux`);
  return given;
}

const label = (lines: number): string =>
  lines % 1_000_000 === 0 ? `${lines / 1_000_000}M` : lines % 1000 === 0 ? `${lines / 1000}k` : String(lines);

/**
 * The service's files source (one analysis window: REJECT and ACCEPT, REJECT counted per hour) and
 * what `diagnose` reads (REJECT and ACCEPT), each against mawk and DuckDB grouping the same tuples
 * of the same file, every one in a child process of its own reporting its own peak RSS. Generates
 * its inputs in bench/.data on first run. Rounds: SGDOCTOR_BENCH_READ_ROUNDS (default 3); the
 * estate's client ports: SGDOCTOR_BENCH_READ_CLIENT_PORTS (see clientPorts).
 */
export async function runReadBench(): Promise<BenchResult[]> {
  const files: Record<string, string> = {};
  const ports = clientPorts();
  for (const lines of sizes()) files[label(lines)] = await ensureFlowLog(lines, 42, ports);
  const estate = ports === 'wide' ? '' : `, clients on ${ports}'s ephemeral ports`;
  const rounds = Number(process.env.SGDOCTOR_BENCH_READ_ROUNDS ?? 3);
  const results = await measure(
    files,
    {
      service: nodeChild('service'),
      'mawk+hours': mawk(true),
      diagnose: nodeChild('diagnose'),
      mawk: mawk(false),
      duckdb: nodeChild('duckdb'),
    },
    rounds,
  );
  const sizeLabels = Object.keys(files);
  return [
    compare(
      `flow-log read: the service's files source (window, REJECT per hour) vs mawk and DuckDB grouping the same tuples${estate}`,
      sizeLabels,
      results,
      'service',
      ['mawk+hours', 'duckdb'],
    ),
    compare(
      `flow-log read: what diagnose reads (REJECT + ACCEPT) vs mawk and DuckDB grouping the same tuples${estate}`,
      sizeLabels,
      results,
      'diagnose',
      ['mawk', 'duckdb'],
    ),
  ];
}
