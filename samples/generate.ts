import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SeededRandom } from './seeded-random';
import { buildSnapshot } from './sample-snapshot';
import { LogKey, NoDataRecord, SampleFlowGenerator, SampleRecord } from './sample-flows';
import { ACCOUNT_ID, DAY_START, EXPECTED_FINDINGS, FLOW_LOG, NOISE_SCENARIOS, REGION, SEED } from './scenario';

/**
 * Writes the bundled sample data into `outDir`:
 *   snapshot.json                      the network snapshot (EC2 API shapes)
 *   flows/AWSLogs/…/2026/11/24/*.log.gz one day of flow logs as delivered to S3, hourly objects
 *   expected-findings.json             scenario.ts's expected findings with counts from the data
 * Deterministic: a fixed seed, no clock, gzip with a zero mtime and a fixed OS byte.
 */
export interface GeneratedFile {
  path: string;
  lines: number;
  bytes: number;
}

export function generateSamples(outDir: string): GeneratedFile[] {
  const rnd = new SeededRandom(SEED);
  const flows = new SampleFlowGenerator(rnd);
  flows.generate();

  const written: GeneratedFile[] = [];
  const write = (relative: string, content: Buffer, lines: number) => {
    const path = join(outDir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    written.push({ path: relative, lines, bytes: content.length });
  };

  const snapshotText = JSON.stringify(buildSnapshot(), null, 2) + '\n';
  write('snapshot.json', Buffer.from(snapshotText), snapshotText.split('\n').length - 1);

  const dayDir = join('flows', 'AWSLogs', ACCOUNT_ID, 'vpcflowlogs', REGION, '2026', '11', '24');
  // Object names carry a random suffix: clear the day so a regeneration leaves no stale objects.
  rmSync(join(outDir, dayDir), { recursive: true, force: true });
  const names = new SeededRandom(SEED ^ 0x51);
  for (const log of Object.keys(FLOW_LOG) as LogKey[]) {
    const spec = FLOW_LOG[log];
    const lines = [
      ...flows.records.filter((r) => r.log === log).map((r) => ({ start: r.start, eni: r.eni.id, text: formatRecord(r, spec.fields) })),
      ...flows.noData.filter((r) => r.log === log).map((r) => ({ start: r.start, eni: r.eni.id, text: formatNoData(r, spec.fields) })),
    ];
    for (let hour = 0; hour < 24; hour++) {
      const from = DAY_START + hour * 3600;
      const inHour = lines
        .filter((l) => l.start >= from && l.start < from + 3600)
        .sort((a, b) => a.start - b.start || compare(a.eni, b.eni) || compare(a.text, b.text));
      const stamp = `20261124T${String(hour).padStart(2, '0')}00Z`;
      const file = `${ACCOUNT_ID}_vpcflowlogs_${REGION}_${spec.id}_${stamp}_${names.hex8()}.log.gz`;
      const body = [spec.fields.join(' '), ...inHour.map((l) => l.text)].join('\n') + '\n';
      write(join(dayDir, file), deterministicGzip(body), inHour.length + 1);
    }
  }

  const expectedText = JSON.stringify(expectedFindings(flows.records), null, 2) + '\n';
  write('expected-findings.json', Buffer.from(expectedText), expectedText.split('\n').length - 1);
  return written;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** gzip with mtime 0 (zlib's default) and the OS byte pinned to 3 (Unix) on every platform. */
export function deterministicGzip(text: string): Buffer {
  const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  gz[9] = 3;
  return gz;
}

export function formatRecord(r: SampleRecord, fields: readonly string[]): string {
  const values: Record<string, string | number> = {
    version: fields.length > 14 ? 5 : 2,
    'account-id': ACCOUNT_ID,
    'interface-id': r.eni.id,
    srcaddr: r.srcaddr,
    dstaddr: r.dstaddr,
    srcport: r.srcport,
    dstport: r.dstport,
    protocol: r.protocol,
    packets: r.packets,
    bytes: r.bytes,
    start: r.start,
    end: r.end,
    action: r.action,
    'log-status': 'OK',
    'vpc-id': r.eni.subnet.vpcId,
    'subnet-id': r.eni.subnet.id,
    'tcp-flags': r.tcpFlags,
    'flow-direction': r.direction,
    'traffic-path': r.trafficPath ?? '-',
  };
  return fields.map((f) => String(values[f] ?? '-')).join(' ');
}

function formatNoData(r: NoDataRecord, fields: readonly string[]): string {
  const values: Record<string, string | number> = {
    version: fields.length > 14 ? 5 : 2,
    'account-id': ACCOUNT_ID,
    'interface-id': r.eni.id,
    start: r.start,
    end: r.end,
    'log-status': r.status,
  };
  return fields.map((f) => String(values[f] ?? '-')).join(' ');
}

const iso = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

/** The expected findings and noise scenarios, with the totals of their REJECT records. */
function expectedFindings(records: SampleRecord[]) {
  const totals = (key: string) => {
    const mine = records.filter((r) => r.scenario === key && r.action === 'REJECT');
    const peers = new Map<string, number>();
    for (const r of mine) {
      const peer = r.direction === 'ingress' ? r.srcaddr : r.dstaddr;
      peers.set(peer, (peers.get(peer) ?? 0) + 1);
    }
    return {
      records: mine.length,
      packets: mine.reduce((n, r) => n + r.packets, 0),
      bytes: mine.reduce((n, r) => n + r.bytes, 0),
      firstSeen: mine.length ? iso(Math.min(...mine.map((r) => r.start))) : null,
      lastSeen: mine.length ? iso(Math.max(...mine.map((r) => r.end))) : null,
      interfaces: [...new Set(mine.map((r) => r.eni.id))].sort(),
      peerCount: peers.size,
      ephemeralPorts:
        key === 'C' ? { min: Math.min(...mine.map((r) => r.dstport)), max: Math.max(...mine.map((r) => r.dstport)) } : undefined,
    };
  };
  return {
    findings: EXPECTED_FINDINGS.map((f) => ({ ...f, observed: totals(f.key) })),
    noise: NOISE_SCENARIOS.map((n) => ({ ...n, observed: totals(n.key) })),
    rejectRecords: records.filter((r) => r.action === 'REJECT').length,
    acceptRecords: records.filter((r) => r.action === 'ACCEPT').length,
  };
}

/** `node dist-samples/samples/generate.js [outDir]`: regenerates the committed samples. */
function main(): void {
  const outDir = process.argv[2] ?? resolve(__dirname, '..', '..', 'samples');
  const files = generateSamples(outDir);
  const lines = files.filter((f) => f.path.endsWith('.log.gz')).reduce((n, f) => n + f.lines, 0);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  process.stdout.write(`wrote ${files.length} files (${bytes} bytes, ${lines} flow-log lines) to ${outDir}\n`);
}

if (typeof require !== 'undefined' && require.main === module) main();
