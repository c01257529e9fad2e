import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../src/common/lifecycle/heap-growth';
import { loadAppConfig } from '../src/config/app-config';
import { FlowAggregateStore } from '../src/engine/flow-log/flow-aggregate-store';
import { drainFlowFiles } from '../src/flow-files/flow-file-reader';
import { FilesFlowSource } from '../src/flow-sources/files-flow-source';
import { DataPathResolver } from '../src/targets/data-path.resolver';

/**
 * Child-process entry of the read benchmark: reads one flow-log file one way and prints one JSON
 * line with what it found and its own peak resident set size (VmHWM of this process's memory,
 * read at its end — the parent's rusage would carry the parent's high-water mark over fork+exec).
 *
 *   node read-child.entry.js service  <file>   the service's files source, as an analysis reads a window
 *   node read-child.entry.js diagnose <file>   what `sgdoctor diagnose` reads (REJECT and ACCEPT)
 *   node read-child.entry.js duckdb   <file>   DuckDB grouping the same tuples
 */

/** Peak resident set size of this process, in bytes. */
export function ownPeakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The first and last `start` of the generated file: the window an analysis of the whole file reads. */
const WINDOW = { from: new Date(1_600_000_000_000), to: new Date(1_900_000_000_000) };

async function service(file: string): Promise<{ groups: number; records: number; lines?: number }> {
  // As the worker runs it: with the worker's heap growth.
  limitHeapGrowth(loadAppConfig(process.env).analysis.heapGrowingPercent);
  const source = new FilesFlowSource(new DataPathResolver(dirname(file)));
  // Kept as the analysis runner keeps them.
  const aggregates = new FlowAggregateStore();
  const statistics = await source.read(
    {
      analysisId: 'bench',
      attempt: 1,
      target: {
        id: 'bench',
        accountId: '123456789012',
        region: 'us-east-1',
        access: { type: 'default-chain' },
        scope: { vpcIds: [], subnetIds: [] },
      },
      settings: { type: 'files', paths: [relative(dirname(file), file)], logFormat: null },
      window: WINDOW,
      snapshot: {},
      signal: new AbortController().signal,
    },
    (aggregate) => aggregates.add(aggregate),
  );
  return { groups: aggregates.length, records: (statistics.rejectedRecords ?? 0) + (statistics.acceptedRecords ?? 0) };
}

async function diagnose(file: string): Promise<{ groups: number; records: number; lines: number }> {
  // As `sgdoctor diagnose` runs it (src/cli/main.ts).
  limitHeapGrowth(DEFAULT_HEAP_GROWING_PERCENT);
  const aggregates = new FlowAggregateStore();
  const { stats } = await drainFlowFiles([file], { actions: ['ACCEPT', 'REJECT'] }, (aggregate) => aggregates.add(aggregate));
  return { groups: aggregates.length, records: stats.rejectRecords + stats.acceptRecords, lines: stats.lines };
}

/**
 * The tuples the aggregator keys by (interface, addresses, protocol, ports after the collapse rule,
 * action), with records, packets, bytes, first and last seen summed per tuple, as SQL.
 */
async function duckdb(file: string): Promise<{ groups: number; records: number; threads: number }> {
  // Loaded only here: its library is some 30 MB of resident memory the other readers must not carry.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const path = file.replace(/'/g, "''");
  const sql = `
    WITH flows AS (
      SELECT * FROM read_csv('${path}', delim = ' ', header = true, nullstr = '-', auto_detect = false, columns = {
        'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR',
        'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT',
        'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'})
      WHERE action IN ('ACCEPT', 'REJECT') AND log_status = 'OK'
    ), keyed AS (
      SELECT *, CASE
        WHEN protocol NOT IN (6, 17, 132) THEN 0
        WHEN srcport IS NULL OR dstport IS NULL THEN 1
        WHEN (CASE WHEN srcport < dstport THEN dstport ELSE srcport END) < 1024 THEN 1
        WHEN srcport < dstport THEN 2 ELSE 3 END AS collapse
      FROM flows
    )
    SELECT count(*) AS groups, sum(records) AS records FROM (
      SELECT interface_id, srcaddr, dstaddr, protocol, action,
        CASE WHEN collapse IN (1, 2) THEN srcport END AS sport, CASE WHEN collapse IN (1, 3) THEN dstport END AS dport,
        count(*) AS records, sum(packets), sum(bytes), min(start), max("end")
      FROM keyed GROUP BY ALL
    )`;
  const reader = await connection.runAndReadAll(sql);
  const [groups, records] = reader.getRows()[0];
  const threads = (await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
  connection.closeSync();
  instance.closeSync();
  return { groups: Number(groups), records: Number(records), threads: Number(threads) };
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const read =
    mode === 'service' ? await service(file) : mode === 'diagnose' ? await diagnose(file) : mode === 'duckdb' ? await duckdb(file) : null;
  if (!read) throw new Error(`unknown mode ${mode}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({ ...read, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: ownPeakRssBytes() }) + '\n',
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(String(err) + '\n');
    process.exitCode = 1;
  });
}
