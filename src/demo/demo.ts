import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AppModule } from '../app.module';
import { describeControl } from '../engine/findings/finding-text';
import { createFastifyAdapter } from '../common/http/fastify-adapter.factory';
import { configureHttpApp } from '../common/http/configure-http-app';
import { exitWhenDrained } from '../common/lifecycle/exit-when-drained';
import { loadAppConfig, type AppConfig } from '../config/app-config';
import { ConfigValidationError } from '../config/config-validation.error';
import { readEnvironment } from '../config/read-environment';
import { probePostgres } from '../database/probe-postgres';
import type { Finding } from '../engine/findings/finding';
import { describeTraffic } from '../engine/network/protocol';
import { DemoTable } from './demo-table';

/** The package root: dist/demo/demo.js and src/demo/demo.ts are both two levels below it. */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const SAMPLE_WINDOW = { from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' };
const DEMO_TARGET_NAME = 'demo-samples';
const DEMO_KEY_NAME = 'demo';
const REACHABILITY_TIMEOUT_MS = 3000;

interface DemoOptions {
  exit: boolean;
  port: number;
}

function parseArgs(argv: string[]): DemoOptions {
  const portArg = argv.find((arg) => arg.startsWith('--port='));
  return { exit: argv.includes('--exit'), port: portArg ? Number(portArg.slice('--port='.length)) : 0 };
}

/** The demo's config: the user's environment, with the bundled samples as data root and the worker in-process. */
function demoConfig(): AppConfig {
  const env = readEnvironment();
  return loadAppConfig({
    ...env,
    SGDOCTOR_DATA_ROOT: env.SGDOCTOR_DATA_ROOT || join(PACKAGE_ROOT, 'samples'),
    SGDOCTOR_WITH_WORKER: 'true',
    LOG_LEVEL: env.LOG_LEVEL || 'warn',
  });
}

async function checkRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: REACHABILITY_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    redis.disconnect();
  }
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Says which service is missing and how to start it; true when both answer. */
async function servicesReachable(config: AppConfig): Promise<boolean> {
  const [postgres, redis] = await Promise.all([probePostgres(config.database.url, REACHABILITY_TIMEOUT_MS), checkRedis(config.redis.url)]);
  if (postgres) {
    console.error(`PostgreSQL is not reachable at ${redacted(config.database.url)}: ${postgres}`);
    console.error(
      '  start it with `docker compose up -d postgres` (published on 127.0.0.1:5432 with the password the default DATABASE_URL uses),',
    );
    console.error('  or your system service (e.g. `sudo service postgresql start`), or point DATABASE_URL at a running server.');
  }
  if (redis) {
    console.error(`Redis is not reachable at ${redacted(config.redis.url)}: ${redis}`);
    console.error('  start it with `docker compose up -d redis` (published on 127.0.0.1:6379) or `redis-server --daemonize yes`,');
    console.error('  or point REDIS_URL at a running server.');
  }
  return !postgres && !redis;
}

class DemoClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async expect<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
    const response = await this.call<T>(method, path, body);
    if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }
}

interface TargetBody {
  id: string;
  name: string;
}

interface AnalysisBody {
  id: string;
  status: string;
  stage: string | null;
  progress: number;
  statistics: {
    records?: number;
    aggregates?: number;
    findings?: { total: number; new: number; updated: number; resolved: number };
    coverageGaps?: unknown[];
  };
  failure: { reason: string } | null;
}

async function demoTarget(client: DemoClient): Promise<TargetBody> {
  const targets = await client.expect<TargetBody[]>('GET', '/v1/targets', 200);
  const existing = targets.find((target) => target.name === DEMO_TARGET_NAME);
  if (existing) return existing;
  return client.expect<TargetBody>('POST', '/v1/targets', 201, {
    name: DEMO_TARGET_NAME,
    accountId: '111122223333',
    region: 'eu-west-1',
    flowSource: { type: 'files', paths: ['flows'] },
    configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
  });
}

/** Starts an analysis of the sample day (or joins the one already running) and waits for it. */
async function runAnalysis(client: DemoClient, targetId: string): Promise<AnalysisBody> {
  const created = await client.call<AnalysisBody & { runningAnalysisId?: string }>('POST', '/v1/analyses', { targetId, ...SAMPLE_WINDOW });
  let id: string;
  if (created.status === 202) id = created.body.id;
  else if (created.status === 409 && created.body.runningAnalysisId) id = created.body.runningAnalysisId;
  else throw new Error(`POST /v1/analyses answered ${created.status}: ${JSON.stringify(created.body)}`);
  console.log(`analysis ${id} queued; waiting for the worker …`);
  let lastStage: string | null = null;
  for (;;) {
    const analysis = await client.expect<AnalysisBody>('GET', `/v1/analyses/${id}`, 200);
    if (analysis.stage && analysis.stage !== lastStage) {
      lastStage = analysis.stage;
      console.log(`  ${analysis.progress.toString().padStart(3)}%  ${analysis.stage}`);
    }
    if (analysis.status === 'succeeded') return analysis;
    if (analysis.status === 'failed' || analysis.status === 'cancelled') {
      throw new Error(`analysis ${id} ${analysis.status}: ${analysis.failure?.reason ?? 'no reason recorded'}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
}

function peersOf(finding: Finding): string {
  const peers = finding.traffic.peers.slice(0, 2).map((peer) => peer.owner ?? peer.address);
  const total = finding.traffic.peerCount ?? finding.traffic.peers.length;
  return total > peers.length ? `${peers.join(', ')} +${total - peers.length}` : peers.join(', ');
}

function fixOf(finding: Finding): string {
  const fix = finding.suggestedFix;
  if (!fix) return finding.classification === 'likely-noise' ? '— (noise)' : '—';
  return `${fix.changes.map((change) => change.action).join(' + ')}${fix.verified ? ' ✓' : ' (unverified)'}`;
}

interface CampaignItem {
  records: number;
  peerCount: number;
  firstSeen: string;
  lastSeen: string;
  campaign: { scope: string; key: string; sourceCount: number; portCount: number; hostCount: number } | null;
  traffic: string;
}

/** `2026-11-24 03:12–03:16` (UTC). */
function seen(firstSeen: string, lastSeen: string): string {
  const day = (iso: string) => iso.slice(0, 10);
  const time = (iso: string) => iso.slice(11, 16);
  return day(firstSeen) === day(lastSeen)
    ? `${day(firstSeen)} ${time(firstSeen)}–${time(lastSeen)}`
    : `${day(firstSeen)} – ${day(lastSeen)}`;
}

/** The findings that may need a change first, then scanner activity summed up per campaign (noise needs no fix). */
async function printFindings(client: DemoClient, targetId: string, total: number): Promise<number> {
  const page = await client.expect<{ items: Array<{ id: string; classification: string }> }>(
    'GET',
    `/v1/findings?targetId=${targetId}&classification=likely-misconfiguration,uncertain&limit=200`,
    200,
  );
  const actionable = page.items.filter((item) => item.classification !== 'likely-noise');
  const table = new DemoTable(['severity', 'classification', 'control', 'direction', 'proto/port', 'peers', 'fix']);
  for (const item of actionable) {
    const detail = await client.expect<{ finding: Finding }>('GET', `/v1/findings/${item.id}`, 200);
    const f = detail.finding;
    table.add([
      f.severity,
      f.classification,
      describeControl(f.blockedBy),
      f.traffic.direction,
      describeTraffic(f.traffic.protocol, f.traffic.port),
      peersOf(f),
      fixOf(f),
    ]);
  }
  console.log(`
findings that may need a change (${actionable.length} of ${total}):`);
  console.log(table.render());
  const noise = await client.expect<{ items: CampaignItem[] }>(
    'GET',
    `/v1/findings?targetId=${targetId}&classification=likely-noise&sort=records&limit=20`,
    200,
  );
  if (noise.items.length > 0) {
    const records = noise.items.reduce((sum, item) => sum + item.records, 0);
    const campaigns = new DemoTable(['campaign', 'sources', 'hosts', 'ports probed', 'records', 'seen (UTC)']);
    for (const item of noise.items) {
      const c = item.campaign;
      campaigns.add([
        c ? (c.scope === 'service' ? `botnet on ${c.key}` : c.key) : item.traffic,
        String(c?.sourceCount ?? item.peerCount),
        String(c?.hostCount ?? ''),
        String(c?.portCount ?? 1),
        String(item.records),
        seen(item.firstSeen, item.lastSeen),
      ]);
    }
    console.log(`
scanner activity: ${noise.items.length} campaign${noise.items.length === 1 ? '' : 's'}, ${records} records, no fix proposed (?kind=campaign):`);
    console.log(campaigns.render());
  }
  return page.items.length;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  let config: AppConfig;
  try {
    config = demoConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  if (!(await servicesReachable(config))) return 2;

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, withWorker: true }),
    createFastifyAdapter(config),
    {
      bufferLogs: true,
    },
  );
  configureHttpApp(app);
  await app.listen({ port: options.port, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', 'localhost');
  const apiKeys = app.get(ApiKeysService);
  // The demo's own admin key lives as long as the demo: revoked when it stops, so runs do not pile up keys.
  const demoKey = await apiKeys.create(DEMO_KEY_NAME, ['admin']);
  const close = async () => {
    await apiKeys
      .revoke(demoKey.id)
      .catch((error: unknown) => console.error(`could not revoke the demo's API key ${demoKey.id}: ${(error as Error).message}`));
    await app.close();
  };
  try {
    const key = demoKey.key;
    const client = new DemoClient(baseUrl, key);
    console.log(`sgdoctor demo: API and worker on ${baseUrl}, data root ${config.dataRoot}`);
    const target = await demoTarget(client);
    console.log(`target ${target.id} (${target.name}): flow logs from samples/flows, configuration from samples/snapshot.json`);
    const analysis = await runAnalysis(client, target.id);
    const stats = analysis.statistics;
    console.log(
      `analysis ${analysis.id} succeeded: ${stats.records ?? 0} records, ${stats.aggregates ?? 0} aggregated flows, ` +
        `findings ${stats.findings?.total ?? 0} (new ${stats.findings?.new ?? 0}, updated ${stats.findings?.updated ?? 0}, resolved ${stats.findings?.resolved ?? 0}), ` +
        `coverage gaps ${stats.coverageGaps?.length ?? 0}`,
    );
    await printFindings(client, target.id, stats.findings?.total ?? 0);
    console.log('\nbrowse:');
    console.log(`  API docs        ${baseUrl}/docs  (the browser asks for the key: paste it as the password)`);
    console.log(`  findings        curl -H 'authorization: Bearer ${key}' '${baseUrl}/v1/findings?targetId=${target.id}'`);
    console.log(`  the analysis    curl -H 'authorization: Bearer ${key}' ${baseUrl}/v1/analyses/${analysis.id}`);
    console.log(`  API key (admin) ${key}  (revoked when the demo stops)`);
  } catch (error) {
    console.error(`demo failed: ${(error as Error).message}`);
    await close();
    return 1;
  }
  if (options.exit) {
    await close();
    return 0;
  }
  console.log('\nrunning; press Ctrl-C to stop.');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await close();
  return 0;
}

main().then(
  (code) => exitWhenDrained(code),
  (error: unknown) => {
    console.error('demo failed:', error);
    exitWhenDrained(1);
  },
);
