import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import {
  DEFAULT_PERSIST_BATCH,
  DEFAULT_PERSIST_BATCH_CHARS,
  DEFAULT_PERSIST_PARALLEL,
  inRunningTransaction,
  persistObserved,
} from '../src/analyses/pipeline/persist-observed';
import { SystemClock } from '../src/common/clock/clock';
import { SnakeNamingStrategy } from '../src/database/snake-naming.strategy';
import { EventEntity } from '../src/events/event.entity';
import { eventsWithoutQueue } from '../test/support/factories/events-without-queue';
import { FindingEventEntity } from '../src/findings/finding-event.entity';
import { findingRank, PRIORITY_RANK_SCALE, SEVERITY_RANK } from '../src/findings/finding-status';
import { FindingEntity } from '../src/findings/finding.entity';
import { FindingsPersister, indexedColumns, searchTextOf } from '../src/findings/findings-persister.service';
import type { ObservedFinding } from '../src/findings/observed-finding';
import { TargetEntity } from '../src/targets/target.entity';
import { analysedFindingsOf } from './analysed-findings';
import type { BenchResult } from './bench-result';
import { cpuSecondsBetween, cpuSecondsByPid } from './process-cpu';

const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** Compiled with the bench (tsconfig.bench.json): the schema as the migrations make it. */
const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');
/** Rows per statement of the baseline's multi-row INSERT (31 bound parameters a row, under PostgreSQL's 65,535). */
const BASELINE_ROWS_PER_INSERT = 2000;

/** CPU seconds of this database's PostgreSQL backends so far, by process id (see cpuSecondsByPid). */
async function backendCpuSeconds(dataSource: DataSource, database: string): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await dataSource.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return cpuSecondsByPid(rows.map((row) => row.pid));
}

/** Per-statement wall time, when BENCH_PERSIST_STATEMENTS is set: every query of the bench's DataSource, keyed by its start. */
const statements = new Map<string, { calls: number; ms: number }>();
/** Statements explained once each (BENCH_PERSIST_EXPLAIN: the start of the statements to explain). */
const explained = new Set<string>();
function timeStatements(): void {
  const original = PostgresQueryRunner.prototype.query;
  PostgresQueryRunner.prototype.query = async function (this: PostgresQueryRunner, ...args: Parameters<typeof original>) {
    const key = String(args[0]).replace(/\s+/g, ' ').trim().slice(0, 70);
    if (process.env.BENCH_PERSIST_EXPLAIN && key.startsWith(process.env.BENCH_PERSIST_EXPLAIN) && !explained.has(key)) {
      // The statement's plan with its actual timings, rolled back, then the statement itself.
      explained.add(key);
      await original.call(this, 'SAVEPOINT explained');
      const plan: Array<Record<string, string>> = await original.call(this, `EXPLAIN (ANALYZE, BUFFERS, WAL) ${args[0]}`, args[1]);
      await original.call(this, 'ROLLBACK TO SAVEPOINT explained');
      process.stderr.write(`  EXPLAIN ANALYZE ${key}\n${plan.map((row) => `    ${Object.values(row)[0]}`).join('\n')}\n`);
    }
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const entry = statements.get(key) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - started;
      statements.set(key, entry);
    }
  } as typeof original;
}

function printStatements(label: string): void {
  if (process.env.BENCH_PERSIST_STATEMENTS && statements.size) {
    process.stderr.write(`  statements, ${label}:\n`);
    for (const [key, { calls, ms }] of [...statements].sort((a, b) => b[1].ms - a[1].ms)) {
      process.stderr.write(`    ${ms.toFixed(0).padStart(7)} ms  ${String(calls).padStart(6)}x  ${key}\n`);
    }
  }
  statements.clear();
  explained.clear();
}

interface Timed {
  seconds: number;
  nodeCpu: number;
  pgCpu: number;
}

async function timed(dataSource: DataSource, database: string, work: () => Promise<void>): Promise<Timed> {
  const pgBefore = await backendCpuSeconds(dataSource, database);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const pgCpu = cpuSecondsBetween(pgBefore, await backendCpuSeconds(dataSource, database));
  return { seconds, nodeCpu: (cpu.user + cpu.system) / 1e6, pgCpu };
}

/**
 * The baseline: the same rows' columns, as the persister derives them, written by a plain
 * multi-row INSERT … VALUES (every value a bound parameter) into a scratch copy of the findings
 * table (same columns, defaults and indexes), one transaction per persist batch: what storing
 * the rows costs, without upsert, lifecycle, audit or events.
 */
async function baselineInsert(
  dataSource: DataSource,
  table: string,
  targetId: string,
  analysisId: string,
  observed: readonly ObservedFinding[],
  batchSize: number,
): Promise<void> {
  const now = new Date();
  for (let i = 0; i < observed.length; i += batchSize) {
    await dataSource.transaction(async (manager) => {
      const batch = observed.slice(i, i + batchSize);
      for (let j = 0; j < batch.length; j += BASELINE_ROWS_PER_INSERT) {
        const values: unknown[] = [];
        const tuples: string[] = [];
        for (const item of batch.slice(j, j + BASELINE_ROWS_PER_INSERT)) {
          const f = item.finding;
          const columns = indexedColumns(f);
          const records = Object.values(item.counts).reduce((sum, n) => sum + n, 0);
          const row = [
            targetId,
            f.fingerprint,
            'open',
            f.classification,
            f.severity,
            SEVERITY_RANK[f.severity] ?? 0,
            f.blockedBy.control,
            f.traffic.direction,
            f.traffic.protocol,
            f.traffic.port,
            f.traffic.returnTraffic,
            columns.securityGroupIds,
            columns.networkAclId,
            item.vpcIds,
            columns.interfaceIds,
            records,
            f.traffic.packets,
            f.traffic.bytes,
            new Date(f.traffic.firstSeen),
            new Date(f.traffic.lastSeen),
            JSON.stringify(f),
            JSON.stringify(item.flows),
            JSON.stringify(item.counts),
            searchTextOf(f, item.vpcIds),
            analysisId,
            analysisId,
            f.kind,
            findingRank(f.classification, f.severity) * PRIORITY_RANK_SCALE + Math.floor(Date.parse(f.traffic.lastSeen) / 1000),
            now,
            now,
            item.accountIds,
          ];
          tuples.push(`(${row.map((_, k) => `$${values.length + k + 1}`).join(', ')})`);
          values.push(...row);
        }
        await manager.query(
          `INSERT INTO "${table}" ("target_id", "fingerprint", "status", "classification", "severity", "severity_rank", "control",
             "direction", "protocol", "port", "return_traffic", "security_group_ids", "network_acl_id", "vpc_ids", "interface_ids",
             "records", "packets", "bytes", "first_seen", "last_seen", "finding", "flows", "counts", "search_text",
             "first_analysis_id", "last_analysis_id", "kind", "priority", "created_at", "updated_at", "account_ids")
           VALUES ${tuples.join(', ')}`,
          values,
        );
      }
    });
  }
}

/**
 * The persist stage on its own: `count` findings made by the analysis's correlate stage on the
 * generated estate, written into a fresh database (the migrations' schema) through the runner's
 * persist loop (`persistObserved`: batches of ANALYSIS_PERSIST_BATCH, each in a transaction that
 * locks the running analysis, its events published after the commit), first by one analysis (all
 * new), then by a second analysis of the same target (all re-seen); each against a plain multi-row
 * INSERT of the same rows measured in the same run.
 */
export async function runPersistBench(count = 20_000): Promise<BenchResult[]> {
  const batchSize = Number(process.env.ANALYSIS_PERSIST_BATCH ?? DEFAULT_PERSIST_BATCH);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`ANALYSIS_PERSIST_BATCH must be a positive integer`);
  const batchChars = Number(process.env.ANALYSIS_PERSIST_BATCH_CHARS ?? DEFAULT_PERSIST_BATCH_CHARS);
  if (!(Number.isInteger(batchChars) && batchChars > 0)) throw new Error(`ANALYSIS_PERSIST_BATCH_CHARS must be a positive integer`);
  const parallel = Number(process.env.ANALYSIS_PERSIST_PARALLEL ?? DEFAULT_PERSIST_PARALLEL);
  if (!(Number.isInteger(parallel) && parallel > 0)) throw new Error(`ANALYSIS_PERSIST_PARALLEL must be a positive integer`);
  process.stderr.write(`  analysing the generated estate\n`);
  const observed = analysedFindingsOf(count);
  const database = `sgdoctor_bench_persist_${process.pid}`;
  const admin = new Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
  await admin.query(`CREATE DATABASE "${database}"`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: `${PG_URL}/${database}`,
    namingStrategy: new SnakeNamingStrategy(),
    // TargetEntity: the table FindingEntity's foreign key names.
    entities: [FindingEntity, FindingEventEntity, EventEntity, TargetEntity],
    migrations: [join(MIGRATIONS_DIR, '*.js')],
    migrationsTransactionMode: 'each',
  });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    if (process.env.BENCH_PERSIST_STATEMENTS || process.env.BENCH_PERSIST_EXPLAIN) timeStatements();
    const [target] = await dataSource.query(
      `INSERT INTO "targets" ("name", "account_id", "region", "access", "scope", "flow_source", "config_source")
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "id"`,
      [
        'bench',
        '111122223333',
        'eu-west-1',
        JSON.stringify({ type: 'default' }),
        JSON.stringify({ vpcIds: [], subnetIds: [] }),
        JSON.stringify({ type: 'files', paths: ['flows'] }),
        JSON.stringify({ type: 'snapshot-file', paths: ['snapshot.json'] }),
      ],
    );
    const targetId: string = target.id;
    await dataSource.query(`CREATE TABLE "persist_baseline" (LIKE "findings" INCLUDING ALL)`);
    const clock = new SystemClock();
    // No webhook subscription: publishing marks the events fanned out without a job, so no queue is needed.
    const events = eventsWithoutQueue(dataSource, clock);
    const persister = new FindingsPersister(events);

    const analysis = async (): Promise<string> => {
      const [row] = await dataSource.query(
        `INSERT INTO "analyses" ("id", "target_id", "status", "window_from", "window_to", "attempt", "started_at")
         VALUES ($1, $2, 'running', $3, $4, 1, $5) RETURNING "id"`,
        [randomUUID(), targetId, new Date('2023-11-14T00:00:00Z'), new Date('2023-11-15T00:00:00Z'), clock.now()],
      );
      return row.id as string;
    };
    const persist = async (analysisId: string): Promise<Timed> => {
      const running = { analysisId, attempt: 1 };
      const result = await timed(dataSource, database, () =>
        persistObserved(
          {
            persister,
            ctx: { targetId, analysisId, now: clock.now() },
            batchSize,
            batchChars,
            parallel,
            transaction: (work) => inRunningTransaction(dataSource, running, work, 'share'),
            storedFingerprints: () => persister.storedFingerprints(dataSource.manager, targetId),
            publish: (ids) => events.publish(ids),
          },
          observed,
        ),
      );
      await dataSource.query(`UPDATE "analyses" SET "status" = 'succeeded', "finished_at" = $2 WHERE "id" = $1`, [analysisId, clock.now()]);
      return result;
    };
    const baseline = async (): Promise<Timed> => {
      await dataSource.query(`TRUNCATE "persist_baseline"`);
      return timed(dataSource, database, () => baselineInsert(dataSource, 'persist_baseline', targetId, randomUUID(), observed, batchSize));
    };

    // Interleaved: baseline, all new, baseline, all re-seen, baseline.
    process.stderr.write(
      `  persisting ${observed.length.toLocaleString('en-US')} findings in batches of ${batchSize}, ${parallel} at once\n`,
    );
    const baselines: Timed[] = [await baseline()];
    printStatements('baseline');
    const fresh = await persist(await analysis());
    printStatements('all new');
    baselines.push(await baseline());
    statements.clear();
    const again = await persist(await analysis());
    printStatements('all re-seen');
    baselines.push(await baseline());
    statements.clear();

    const [stored] = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM "findings") AS findings, (SELECT count(*)::int FROM "finding_events") AS audits,
              (SELECT count(*)::int FROM "events") AS events, (SELECT count(*)::int FROM "events" WHERE "fanned_out_at" IS NULL) AS unfanned`,
    );
    if (stored.findings !== observed.length || stored.audits !== observed.length || stored.events !== observed.length || stored.unfanned)
      throw new Error(`unexpected rows after persisting: ${JSON.stringify(stored)}`);
    const base = baselines.reduce((sum, b) => sum + b.seconds, 0) / baselines.length;
    const baseRate = observed.length / base;
    const result = (name: string, run: Timed): BenchResult => ({
      name: `persist, ${name}, ${observed.length.toLocaleString('en-US')} findings (batches of ${batchSize}, ${parallel} at once)`,
      metrics: {
        'findings/s': Math.round(observed.length / run.seconds),
        'wall s': Number(run.seconds.toFixed(2)),
        'node CPU s': Number(run.nodeCpu.toFixed(2)),
        'PostgreSQL CPU s': Number(run.pgCpu.toFixed(2)),
        'baseline findings/s (plain multi-row INSERT, mean of 3)': Math.round(baseRate),
        'baseline wall s': baselines.map((b) => b.seconds.toFixed(2)).join(' / '),
        'baseline node CPU s': baselines.map((b) => b.nodeCpu.toFixed(2)).join(' / '),
        'baseline PostgreSQL CPU s': baselines.map((b) => b.pgCpu.toFixed(2)).join(' / '),
      },
      ratio: observed.length / run.seconds / baseRate,
      target: '>= 5,000 findings/s',
    });
    return [result('first analysis (all new)', fresh), result('second analysis (all re-seen)', again)];
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
    await admin.end();
  }
}
