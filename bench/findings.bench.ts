import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
// autocannon ships no types; the bench reads the fields below of its result.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<CannonResult>;
import { SystemClock } from '../src/common/clock/clock';
import { SnakeNamingStrategy } from '../src/database/snake-naming.strategy';
import { EventEntity } from '../src/events/event.entity';
import { eventsWithoutQueue } from '../test/support/factories/events-without-queue';
import { FindingEventEntity } from '../src/findings/finding-event.entity';
import { FindingEntity } from '../src/findings/finding.entity';
import { FindingsPersister } from '../src/findings/findings-persister.service';
import { TargetEntity } from '../src/targets/target.entity';
import { analysedFindings } from './analysed-findings';
import type { BenchResult } from './bench-result';
import { cpuSecondsBetween, cpuSecondsByPid, cpuSecondsOf } from './process-cpu';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

const ROOT = join(__dirname, '..', '..');
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Seconds each route is loaded for, at each concurrency. */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
/** Times each route is measured at every concurrency in turn (BENCH_FINDINGS_ROUNDS); its median round is reported. */
const ROUNDS = Number(process.env.BENCH_FINDINGS_ROUNDS ?? 3);
const CONCURRENCIES = [10, 50];
/** What one analysis of the generated day writes: findings are persisted per target, as each target's analysis would. */
const PERSIST_BATCH = 500;

/** The middle item of `items` by `value` (the upper one of an even count). */
function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no rounds measured');
  return middle;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForLive(base: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${base}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the API did not answer /health/live within 120 s:\n${log()}`);
}

async function call<T>(base: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Loads `count` findings: targets created through the API, each given the generated analysis's
 * findings through the persister an analysis uses (upsert, audit entry, domain event), until
 * `count` are stored.
 */
async function load(
  base: string,
  adminKey: string,
  databaseUrl: string,
  count: number,
): Promise<{ targets: number; seconds: number; perAnalysis: number }> {
  const started = performance.now();
  process.stderr.write('  analysing the generated estate\n');
  const observed = analysedFindings();
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    namingStrategy: new SnakeNamingStrategy(),
    // TargetEntity: the table FindingEntity's foreign key names.
    entities: [FindingEntity, FindingEventEntity, EventEntity, TargetEntity],
  });
  await dataSource.initialize();
  const clock = new SystemClock();
  // Persisting only records events (the outbox); publishing them would need the queue, unused here.
  const persister = new FindingsPersister(eventsWithoutQueue(dataSource, clock));
  const targets: string[] = [];
  try {
    for (let stored = 0; stored < count;) {
      const target = await call<{ id: string }>(base, adminKey, 'POST', '/v1/targets', {
        name: `bench-${targets.length}`,
        accountId: String(100000000000 + targets.length),
        region: 'eu-west-1',
        flowSource: { type: 'files', paths: ['flows'] },
        configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
      });
      targets.push(target.id);
      const ctx = { targetId: target.id, analysisId: randomUUID(), now: clock.now() };
      const mine = observed.slice(0, count - stored);
      for (let i = 0; i < mine.length; i += PERSIST_BATCH) {
        await dataSource.transaction((manager) => persister.upsertBatch(manager, ctx, mine.slice(i, i + PERSIST_BATCH)));
      }
      stored += mine.length;
      process.stderr.write(`\r  findings stored: ${stored.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}`);
    }
    process.stderr.write('\n');
    await dataSource.query('ANALYZE');
  } finally {
    await dataSource.destroy();
  }
  return { targets: targets.length, seconds: (performance.now() - started) / 1000, perAnalysis: observed.length };
}

/** The status and the body's length in bytes as sent (not decoded) of a GET with `headers`. */
function sentBytes(url: string, headers: Record<string, string>): Promise<{ statusCode: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** A cursor about halfway down the default list, walked to page by page as a client would. */
async function deepCursor(base: string, key: string, count: number): Promise<string> {
  let cursor: string | null = null;
  for (let seen = 0; seen < count / 2; seen += 200) {
    const page: { nextCursor: string | null } = await call(
      base,
      key,
      'GET',
      `/v1/findings?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (!cursor) throw new Error('no deep cursor: too few findings');
  return cursor;
}

/** CPU seconds of the PostgreSQL backends serving `database` so far (the API's pool), by process id (see cpuSecondsByPid). */
async function backendCpuSeconds(admin: Client, database: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return cpuSecondsByPid(rows.map((row) => row.pid));
}

/** This process's CPU seconds so far: the load generator's (autocannon runs in it). */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * What the load generator's requests accept (BENCH_FINDINGS_ACCEPT_ENCODING): `gzip, deflate, br` by
 * default, as browsers, curl --compressed and the usual HTTP libraries send; `identity` for clients
 * that take every body as it is. The same for /health/live, whose body is too short to be compressed.
 */
const ACCEPT_ENCODING = process.env.BENCH_FINDINGS_ACCEPT_ENCODING ?? 'gzip, deflate, br';

async function cannon(url: string, key: string | undefined, connections: number, duration: number): Promise<CannonResult> {
  const headers: Record<string, string> = { 'accept-encoding': ACCEPT_ENCODING, ...(key ? { authorization: `Bearer ${key}` } : {}) };
  return autocannon({ url, connections, duration, headers });
}

/**
 * The findings API over `count` findings made by the product's analysis, against the same
 * server's `/health/live`: the built API (dist/main.js) as a child process on a fresh database
 * and its own Redis prefix; autocannon at concurrency 10 and 50, each route between two runs of
 * /health/live, so every ratio compares figures taken moments apart.
 */
export async function runFindingsBench(count = 100_000): Promise<BenchResult[]> {
  // BENCH_API_MAIN: another build of the API to measure (e.g. the one before a change), in a directory that resolves node_modules.
  const main = process.env.BENCH_API_MAIN ?? join(ROOT, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  // BENCH_FINDINGS_DATABASE: a database to load once and keep, so later runs (another build, a profile) skip the load.
  const kept = process.env.BENCH_FINDINGS_DATABASE;
  const database = kept ?? `sgdoctor_bench_findings_${process.pid}`;
  const databaseUrl = `${PG_URL}/${database}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const adminKey = randomBytes(32).toString('base64url');
  let output = '';
  // BENCH_FINDINGS_CACHE=off: the API without its cache of rendered pages and details (FINDINGS_CACHE_BYTES=0), every read from PostgreSQL.
  const cacheOff = process.env.BENCH_FINDINGS_CACHE === 'off';
  // BENCH_API_NODE_ARGS: node options for the API process alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: `bench-findings-${process.pid}`,
      SGDOCTOR_ADMIN_API_KEY: adminKey,
      // Every request is still counted; the limit is only set out of the benchmark's reach.
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
      ...(cacheOff ? { FINDINGS_CACHE_BYTES: '0' } : {}),
    },
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  try {
    await waitForLive(base, child, () => output);
    const loaded = (await storedIn(databaseUrl, count)) ?? (await load(base, adminKey, databaseUrl, count));
    // A key of its own (a row in api_keys), as clients use: the bootstrap key never reaches the database.
    const { key } = await call<{ key: string }>(base, adminKey, 'POST', '/v1/api-keys', { name: 'bench', scopes: ['read'] });
    const misconfigured = await call<{ items: Array<{ id: string }> }>(
      base,
      key,
      'GET',
      '/v1/findings?limit=1&classification=likely-misconfiguration',
    );
    const detailId = misconfigured.items[0]?.id;
    if (!detailId) throw new Error('no likely-misconfiguration finding to fetch');
    const cursor = await deepCursor(base, key, count);
    const allRoutes: Array<{ name: string; path: string }> = [
      { name: 'first page', path: '/v1/findings?limit=50' },
      {
        name: 'filtered + sorted',
        path: '/v1/findings?limit=50&classification=likely-misconfiguration,uncertain&severity=medium,high,critical&sort=lastSeen&order=desc',
      },
      { name: 'deep cursor', path: `/v1/findings?limit=50&cursor=${encodeURIComponent(cursor)}` },
      { name: 'detail', path: `/v1/findings/${detailId}` },
    ];
    // BENCH_FINDINGS_ROUTES (e.g. `first,detail`) and BENCH_FINDINGS_CONCURRENCY (e.g. `10`): a quicker run over some of them.
    const only = process.env.BENCH_FINDINGS_ROUTES?.split(',').filter(Boolean);
    const routes = only ? allRoutes.filter((route) => only.some((name) => route.name.includes(name))) : allRoutes;
    const concurrencies = process.env.BENCH_FINDINGS_CONCURRENCY?.split(',').map(Number) ?? CONCURRENCIES;
    for (const route of routes) {
      // The bytes a response sends, as the load generator asks for it (fetch would decode a gzip body).
      const { statusCode, bytes } = await sentBytes(`${base}${route.path}`, {
        authorization: `Bearer ${key}`,
        'accept-encoding': ACCEPT_ENCODING,
      });
      if (statusCode !== 200) throw new Error(`${route.name}: ${statusCode}`);
      (route as { bytes?: number }).bytes = bytes;
    }
    // Warm-up: JIT, pools, caches.
    await cannon(`${base}/health/live`, undefined, 10, 2);
    for (const route of routes) await cannon(`${base}${route.path}`, key, 10, 2);

    const results: BenchResult[] = [
      {
        name: `findings API: ${count.toLocaleString('en-US')} findings loaded`,
        metrics: {
          findings: count,
          targets: loaded.targets,
          'findings per analysis': loaded.perAnalysis,
          'load seconds': Number(loaded.seconds.toFixed(1)),
          'seconds per route': DURATION_S,
        },
      },
    ];
    const measureRoute = async (
      route: { name: string; path: string },
      connections: number,
    ): Promise<{ result: BenchResult; reqPerSecond: number }> => {
      const cpuBefore = cpuSecondsOf(child.pid);
      const health = await cannon(`${base}/health/live`, undefined, connections, DURATION_S);
      const cpuBetween = cpuSecondsOf(child.pid);
      const pgBetween = await backendCpuSeconds(admin, database);
      const ownBetween = ownCpuSeconds();
      const measured = await cannon(`${base}${route.path}`, key, connections, DURATION_S);
      const cpuAfter = cpuSecondsOf(child.pid);
      const pgAfter = await backendCpuSeconds(admin, database);
      const ownAfter = ownCpuSeconds();
      // /health/live again: the route is compared with the mean of the health checks just before and just after it.
      const healthAfter = await cannon(`${base}/health/live`, undefined, connections, DURATION_S);
      const healthReqPerSecond = (health.requests.average + healthAfter.requests.average) / 2;
      const failed =
        measured.non2xx + measured.errors + measured.timeouts + health.non2xx + health.errors + healthAfter.non2xx + healthAfter.errors;
      const perRequest = (seconds: number) => Number(((seconds * 1000) / Math.max(1, measured.requests.total)).toFixed(3));
      const result: BenchResult = {
        name: `findings API${cacheOff ? ' (cache off)' : ''}: ${route.name} at concurrency ${connections} vs /health/live (Accept-Encoding: ${ACCEPT_ENCODING})`,
        metrics: {
          'req/s': Math.round(measured.requests.average),
          'p50 ms': measured.latency.p50,
          'p99 ms': measured.latency.p99,
          'response bytes': (route as { bytes?: number }).bytes ?? 0,
          'health req/s (before / after)': `${Math.round(health.requests.average)} / ${Math.round(healthAfter.requests.average)}`,
          'health p99 ms': Math.max(health.latency.p99, healthAfter.latency.p99),
          'failed requests': failed,
          // The API process's own CPU per request (clock ticks of 10 ms, over thousands of requests).
          'API CPU ms/req': perRequest(cpuAfter - cpuBetween),
          'health API CPU ms/req': Number((((cpuBetween - cpuBefore) * 1000) / Math.max(1, health.requests.total)).toFixed(3)),
          // Where the rest of the two cores went: the API's PostgreSQL backends, and the load generator (this process).
          'PostgreSQL CPU ms/req': perRequest(cpuSecondsBetween(pgBetween, pgAfter)),
          'load generator CPU ms/req': perRequest(ownAfter - ownBetween),
        },
        ratio: measured.requests.average / healthReqPerSecond,
        target: '>= 0.5x /health/live, p99 <= 25 ms at 10; at 50 not below 10',
      };
      return { result, reqPerSecond: measured.requests.average };
    };
    // Each route at every concurrency in turn, so the figures of one route are taken minutes, not
    // a whole run, apart: the machine's speed drifts by more than the differences measured. The
    // turn is repeated ROUNDS times and the lowest concurrency runs once more at the end, so every
    // run at a higher one lies between two runs at the lowest and is compared with their mean; a
    // route's figures at each concurrency are those of its median round (by req/s against
    // /health/live), the higher concurrencies' "req/s / at N" the median of the rounds' ratios.
    const lowest = Math.min(...concurrencies);
    for (const route of routes) {
      const runs = new Map<number, Array<{ result: BenchResult; reqPerSecond: number }>>();
      const atLowest: number[] = [];
      const higherAfter: Array<{ connections: number; reqPerSecond: number; lowestBefore: number }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const connections of concurrencies) {
          const run = await measureRoute(route, connections);
          runs.set(connections, [...(runs.get(connections) ?? []), run]);
          if (connections === lowest) atLowest.push(run.reqPerSecond);
          else higherAfter.push({ connections, reqPerSecond: run.reqPerSecond, lowestBefore: atLowest.length - 1 });
        }
      }
      if (higherAfter.length > 0) {
        const again = await cannon(`${base}${route.path}`, key, lowest, DURATION_S);
        atLowest.push(again.requests.average);
      }
      let ratioAtLowest: number | undefined;
      for (const connections of concurrencies) {
        const all = runs.get(connections) ?? [];
        const median = medianBy(all, (run) => run.result.ratio ?? 0);
        if (connections === lowest) ratioAtLowest = median.result.ratio;
        median.result.metrics['rounds'] = all.length;
        median.result.metrics['ratio by round'] = all.map((run) => `${(run.result.ratio ?? 0).toFixed(2)}x`).join(' / ');
        median.result.metrics['p99 ms, worst round'] = Math.max(...all.map((run) => Number(run.result.metrics['p99 ms'])));
        if (connections !== lowest) {
          const mine = higherAfter.filter((run) => run.connections === connections);
          const around = mine.map((run) => (atLowest[run.lowestBefore]! + atLowest[run.lowestBefore + 1]!) / 2);
          const vsLowest = mine.map((run, i) => run.reqPerSecond / around[i]!);
          median.result.metrics[`req/s at ${lowest} around it, by round`] = around.map((value) => Math.round(value)).join(' / ');
          median.result.metrics[`req/s / at ${lowest} by round`] = vsLowest.map((ratio) => ratio.toFixed(2)).join(' / ');
          median.result.metrics[`req/s / at ${lowest}`] = Number(medianBy(vsLowest, (ratio) => ratio).toFixed(2));
          // The same against /health/live at each concurrency: what the machine's drift between the runs moved, the health check moved too.
          if (ratioAtLowest)
            median.result.metrics[`x health / x health at ${lowest}`] = Number(((median.result.ratio ?? 0) / ratioAtLowest).toFixed(2));
        }
        results.push(median.result);
      }
    }
    return results;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    if (!kept) await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * What a kept database (BENCH_FINDINGS_DATABASE) already holds, when it holds the `count` findings
 * asked for; undefined when it holds none (it is loaded then).
 */
async function storedIn(
  databaseUrl: string,
  count: number,
): Promise<{ targets: number; perAnalysis: number; seconds: number } | undefined> {
  if (!process.env.BENCH_FINDINGS_DATABASE) return undefined;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ findings: number; targets: number }>(
      'SELECT count(*)::int AS findings, count(DISTINCT target_id)::int AS targets FROM findings',
    );
    const stored = rows[0]!;
    if (stored.findings === 0) return undefined;
    if (stored.findings !== count) throw new Error(`the kept database holds ${stored.findings} findings, not ${count}`);
    return { targets: stored.targets, perAnalysis: Math.ceil(count / stored.targets), seconds: 0 };
  } finally {
    await client.end();
  }
}
