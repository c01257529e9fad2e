import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { BenchResult } from './bench-result';
import { BENCH_DATA_DIR } from './generate-flow-log';
import { DEFAULT_SIZE, generateNetwork } from './generate-network';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** The day the generated records fall in (2023-11-14, UTC). */
const DAY_START = 1_699_920_000;
const WINDOW = { from: '2023-11-14T00:00:00Z', to: '2023-11-15T00:00:00Z' };
const DEFAULT_SIZES = [100_000, 300_000, 1_000_000];
const STAGES = ['snapshot', 'query', 'correlate', 'persist'] as const;

interface Measured {
  size: number;
  aggregates: number;
  findings: number;
  stages: Partial<Record<(typeof STAGES)[number], number>>;
  totalMs: number;
  /** What the worker wrote on exit (analysis-worker.entry.ts). */
  worker: WorkerFigures;
}

interface WorkerFigures {
  peakRssBytes: number;
  cpuMs: number;
  /** Time the garbage collector paused the worker, by kind of collection. */
  gcMs: { minor: number; major: number; other: number };
  /** At the largest resident set sampled (every 100 ms), in bytes. */
  atPeak: { rss: number; heapUsed: number; heapTotal: number; arrayBuffers: number };
  /** The longest the worker held its event loop (timers and its job lock's renewal waited). */
  longestStallMs: number;
}

/** dist/ as `npm run build` makes it, rebuilt when a source is newer (the check `npm run demo` uses). */
function ensureBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Records written for each generated flow (BENCH_ANALYSIS_RECORDS_PER_FLOW, default 1): above 1,
 * every flow is logged that many times over the day, in different hours, so an input of `size`
 * flows holds `size` × this many raw records that aggregate to about as many tuples as `size`.
 */
function recordsPerFlow(): number {
  const given = process.env.BENCH_ANALYSIS_RECORDS_PER_FLOW ?? '1';
  const value = Number(given);
  if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_ANALYSIS_RECORDS_PER_FLOW: "${given}" is not a positive whole number`);
  return value;
}

/**
 * A snapshot and one flow-log file of `size` REJECT flows (each logged `perFlow` times, so about
 * `size` aggregates) plus a tenth as many ACCEPT ones, spread over one day.
 */
async function ensureInput(size: number, perFlow: number): Promise<string> {
  const dir = join(BENCH_DATA_DIR, `analysis-${size}${perFlow > 1 ? `x${perFlow}` : ''}`);
  if (existsSync(join(dir, 'done'))) return dir;
  mkdirSync(join(dir, 'flows'), { recursive: true });
  const network = generateNetwork(42, { ...DEFAULT_SIZE, flows: size, accepted: Math.ceil(size / 10) });
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(network.snapshot));
  const out = createWriteStream(join(dir, 'flows', 'flows.log'));
  let pending = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
  const flush = async (atLeast: number) => {
    if (pending.length < atLeast) return;
    if (!out.write(pending)) await once(out, 'drain');
    pending = '';
  };
  let i = 0;
  for (const flow of [...network.flows, ...network.accepted]) {
    const fields = `${flow.interfaceId} ${flow.srcaddr} ${flow.dstaddr} ${flow.srcport ?? 0} ${flow.dstport ?? 0} ${flow.protocol} ${flow.packets} ${flow.bytes}`;
    for (let copy = 0; copy < perFlow; copy++) {
      const start = DAY_START + ((i++ * 7919) % 86_000);
      pending += `2 111122223333 ${fields} ${start} ${start + 60} ${flow.action} OK\n`;
    }
    await flush(1 << 20);
  }
  await flush(0);
  out.end();
  await once(out, 'finish');
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 3000;
}

function start(script: string, env: Record<string, string>, nodeArgs: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (/error/i.test(chunk)) process.stderr.write(chunk);
  });
  return child;
}

/**
 * What package.json's `start:worker` (`[NAME=value …] node OPTIONS dist/worker.js`) gives the
 * worker: its environment settings and node options, so the worker runs as it is started in production.
 */
function workerStart(): { env: Record<string, string>; nodeOptions: string[] } {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start:worker'] ?? '').split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = (words.shift() as string).split('=');
    env[name] = value.join('=');
  }
  if (words[0] !== 'node' || words.at(-1) !== 'dist/worker.js')
    throw new Error(`start:worker is not \`[NAME=value …] node [options] dist/worker.js\`: ${scripts['start:worker']}`);
  return { env, nodeOptions: words.slice(1, -1) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** One analysis of `size` records, the API in one child process and the worker in another. */
async function measure(size: number, perFlow: number): Promise<Measured> {
  const dataRoot = await ensureInput(size, perFlow);
  const key = `sgd_bench_${randomBytes(16).toString('hex')}`;
  const database = `sgdoctor_bench_${process.pid}_${size}`;
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${database}`;
  const port = await freePort();
  const hwmFile = join(dataRoot, `worker-hwm-${process.pid}.json`);
  const env = {
    DATABASE_URL: base.toString(),
    REDIS_PREFIX: `sgdoctor_bench_${process.pid}_${size}`,
    SGDOCTOR_DATA_ROOT: dataRoot,
    SGDOCTOR_ADMIN_API_KEY: key,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    BENCH_HWM_FILE: hwmFile,
  };
  const api = start(join(DIST, 'main.js'), env);
  let worker: ChildProcess | null = null;
  const url = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the API did not start');
      if (
        await fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The node options `npm run start:worker` gives the worker, then BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`).
    const production = workerStart();
    const workerArgs = [...production.nodeOptions, ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    worker = start(join(__dirname, 'analysis-worker.entry.js'), { ...production.env, ...env, DB_MIGRATIONS_RUN: 'false' }, workerArgs);
    const target = await call<{ id: string }>('POST', '/v1/targets', {
      name: `bench-${size}`,
      accountId: '111122223333',
      region: 'eu-west-1',
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    });
    const started = performance.now();
    const created = await call<{ id: string }>('POST', '/v1/analyses', { targetId: target.id, ...WINDOW });
    type Analysis = {
      status: string;
      failure: { reason: string } | null;
      statistics: { aggregates?: number; findings?: { total: number }; stageDurationsMs?: Measured['stages'] };
    };
    let analysis: Analysis;
    for (;;) {
      analysis = await call<Analysis>('GET', `/v1/analyses/${created.id}`);
      if (analysis.status === 'succeeded') break;
      if (analysis.status === 'failed' || analysis.status === 'cancelled')
        throw new Error(`analysis ${analysis.status}: ${analysis.failure?.reason}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const totalMs = performance.now() - started;
    await stop(worker);
    const figures = JSON.parse(readFileSync(hwmFile, 'utf8')) as WorkerFigures;
    return {
      size,
      aggregates: analysis.statistics.aggregates ?? 0,
      findings: analysis.statistics.findings?.total ?? 0,
      stages: analysis.statistics.stageDurationsMs ?? {},
      totalMs,
      worker: figures,
    };
  } finally {
    if (worker) await stop(worker);
    await stop(api);
    rmSync(hwmFile, { force: true });
    execFileSync(
      'psql',
      [
        process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        '-qc',
        `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`,
      ],
      { stdio: 'ignore' },
    );
    execFileSync('sh', ['-c', `redis-cli --scan --pattern '${env.REDIS_PREFIX}:*' | xargs -r redis-cli unlink`], { stdio: 'ignore' });
  }
}

/**
 * One analysis end to end per size through the built API and a separate worker process on real
 * PostgreSQL and Redis: time per stage, how each grows against the input (ratio of time over
 * ratio of aggregates: 1.0 is linear), persist findings/s and the worker's own peak RSS.
 * `npm run bench -- analysis 20000,60000` picks other sizes; BENCH_ANALYSIS_RECORDS_PER_FLOW=10
 * logs every flow ten times (1M flows: 10M raw records through the files source).
 */
export async function runAnalysisBench(): Promise<BenchResult[]> {
  const sizes = process.argv[3]
    ? process.argv[3]
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
    : DEFAULT_SIZES;
  ensureBuilt();
  const measured: Measured[] = [];
  const perFlow = recordsPerFlow();
  for (const size of sizes) measured.push(await measure(size, perFlow));
  const first = measured[0];
  return measured.map((m) => {
    const metrics: Record<string, number | string> = {
      'records in': m.size * perFlow,
      aggregates: m.aggregates,
      findings: m.findings,
      'total s': m.totalMs / 1000,
      ...Object.fromEntries(STAGES.map((stage) => [`${stage} ms`, m.stages[stage] ?? 0])),
      'persist findings/s': m.stages.persist ? Math.round(m.findings / (m.stages.persist / 1000)) : 0,
      'worker peak RSS MB': Math.round(m.worker.peakRssBytes / 2 ** 20),
      // V8's heap in use / committed, and ArrayBuffers (the aggregate store's columns, Buffers), at the largest RSS sampled.
      'worker at its peak MB (heap used / committed / array buffers)': [
        m.worker.atPeak.heapUsed,
        m.worker.atPeak.heapTotal,
        m.worker.atPeak.arrayBuffers,
      ]
        .map((bytes) => Math.round(bytes / 2 ** 20))
        .join(' / '),
      'worker CPU s': m.worker.cpuMs / 1000,
      'worker longest event-loop stall s': Number((m.worker.longestStallMs / 1000).toFixed(2)),
      // Pauses of the worker's garbage collector over the whole run: young generation / full collections.
      'worker GC pauses s (minor / major)': `${(m.worker.gcMs.minor / 1000).toFixed(1)} / ${(m.worker.gcMs.major / 1000).toFixed(1)}`,
    };
    if (m !== first && first.aggregates > 0) {
      const input = m.aggregates / first.aggregates;
      metrics['input × first size'] = input;
      for (const stage of STAGES) {
        const base = first.stages[stage] ?? 0;
        if (base > 0) metrics[`${stage} growth / input growth`] = (m.stages[stage] ?? 0) / base / input;
      }
    }
    return {
      name: `analysis of ${(m.size * perFlow).toLocaleString('en-US')} records${perFlow > 1 ? ` (${m.size.toLocaleString('en-US')} flows × ${perFlow})` : ''} (worker process)`,
      metrics,
      target: 'worker RSS <= 500 MB, growth / input ≈ 1, persist >= 5,000 findings/s',
    };
  });
}
