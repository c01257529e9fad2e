import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { deterministicGzip, generateSamples } from '../../../samples/generate';
import { EXPECTED_FINDINGS, FLOW_LOG, NOISE_SCENARIOS } from '../../../samples/scenario';

const committed = join(process.cwd(), 'samples');
const generatedFiles = ['snapshot.json', 'expected-findings.json', 'flows'];

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(root, path) : [relative(root, path)];
    })
    .sort();
}

const generatedList = (root: string) => listFiles(root).filter((f) => generatedFiles.some((g) => f === g || f.startsWith(g + '/')));

const flowLines = (root: string) =>
  listFiles(root)
    .filter((f) => f.endsWith('.log.gz'))
    .flatMap((f) =>
      gunzipSync(readFileSync(join(root, f)))
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .slice(1),
    );

describe('sample generator', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'samples-a-')), mkdtempSync(join(tmpdir(), 'samples-b-'))];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const [first, second] = dirs as [string, string];
  generateSamples(first);
  generateSamples(second);

  it('produces byte-identical output on every run', () => {
    const files = generatedList(first);
    expect(files).toEqual(generatedList(second));
    for (const file of files) {
      expect(readFileSync(join(second, file)).equals(readFileSync(join(first, file))), file).toBe(true);
    }
  });

  it('matches the committed samples (regenerate with npm run samples:generate)', () => {
    const files = generatedList(first);
    expect(generatedList(committed)).toEqual(files);
    for (const file of files) {
      const fresh = readFileSync(join(first, file));
      const kept = readFileSync(join(committed, file));
      // Compare gzip members by content: another zlib build may compress the same text differently.
      if (file.endsWith('.gz')) expect(gunzipSync(kept).equals(gunzipSync(fresh)), file).toBe(true);
      else expect(kept.equals(fresh), file).toBe(true);
    }
  });

  it('writes gzip headers with no timestamp and a fixed OS byte', () => {
    const gz = deterministicGzip('x\n');
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    expect(gunzipSync(gz).toString()).toBe('x\n');
  });

  it('lays flow logs out as S3 delivers them, each file opening with its log format as header', () => {
    const files = listFiles(first).filter((f) => f.endsWith('.log.gz'));
    expect(files).toHaveLength(48);
    for (const file of files) {
      expect(file).toMatch(
        /^flows\/AWSLogs\/111122223333\/vpcflowlogs\/eu-west-1\/2026\/11\/24\/111122223333_vpcflowlogs_eu-west-1_fl-[0-9a-f]{17}_20261124T[0-2]\d00Z_[0-9a-f]{8}\.log\.gz$/,
      );
      const log = Object.values(FLOW_LOG).find((l) => file.includes(l.id));
      const header = gunzipSync(readFileSync(join(first, file)))
        .toString('utf8')
        .split('\n')[0];
      expect(header).toBe(log?.fields.join(' '));
    }
  });

  it('keeps every record on 2026-11-24 UTC within 60-second windows, with no DNS traffic', () => {
    const dayStart = Date.UTC(2026, 10, 24) / 1000;
    const lines = flowLines(first);
    expect(lines.length).toBeGreaterThan(5000);
    expect(lines.length).toBeLessThan(20000);
    for (const line of lines) {
      const f = line.split(' ');
      const [start, end] = [Number(f[10]), Number(f[11])];
      expect(start).toBeGreaterThanOrEqual(dayStart);
      expect(end).toBeLessThan(dayStart + 86400);
      expect(end - start).toBeGreaterThan(0);
      expect(end - start).toBeLessThanOrEqual(60);
      if (f[13] === 'OK') expect([f[5], f[6]]).not.toContain('53');
    }
  });

  it('records in expected-findings.json exactly the peers and interfaces scenario.ts declares', () => {
    const expected = JSON.parse(readFileSync(join(first, 'expected-findings.json'), 'utf8')) as {
      findings: { key: string; interfaceIds: string[]; observed: { records: number; interfaces: string[]; peerCount: number } }[];
      noise: { key: string; observed: { records: number } }[];
    };
    expect(expected.findings.map((f) => f.key)).toEqual(EXPECTED_FINDINGS.map((f) => f.key));
    expect(expected.noise.map((n) => n.key)).toEqual(NOISE_SCENARIOS.map((n) => n.key));
    for (const finding of expected.findings) {
      const declared = EXPECTED_FINDINGS.find((f) => f.key === finding.key);
      expect(finding.observed.records, finding.key).toBeGreaterThan(20);
      expect(finding.observed.interfaces, finding.key).toEqual([...(declared?.interfaceIds ?? [])].sort());
      expect(finding.observed.peerCount, finding.key).toBe(declared?.peerAddresses.length);
    }
    for (const noise of expected.noise) expect(noise.observed.records, noise.key).toBeGreaterThan(0);
  });
});
