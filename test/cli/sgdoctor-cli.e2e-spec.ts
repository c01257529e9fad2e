import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/** These tests run the BUILT binary, as users and check.mjs do. */
const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const contract = '/work/shared/contract';
const samples = join(root, 'samples');

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, COLUMNS: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'sgdoctor-cli-'));

beforeAll(() => {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  // Other parts of the tree may not compile at every moment; the CLI must have been emitted.
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node'), build.stdout).toBe(true);
}, 600_000);

describe('sgdoctor explain', () => {
  it('matches the shared contract example (check.mjs)', () => {
    const check = spawnSync(process.execPath, [join(contract, 'check.mjs')], { cwd: root, encoding: 'utf8' });
    expect(check.stdout).toContain('contract: explain example matches');
    expect(check.status).toBe(0);
  });

  it('reads stdin (buffered) with the same verdicts as the file (two passes)', () => {
    const fromFile = run(['explain', '--config', join(contract, 'snapshot.json'), '--flows', join(contract, 'flows.log')]);
    const fromStdin = run(
      ['explain', '--config', join(contract, 'snapshot.json'), '--flows', '-'],
      readFileSync(join(contract, 'flows.log'), 'utf8'),
    );
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromFile.stdout.trim().split('\n')).toHaveLength(2);
  });

  it("explains the AWS documentation's flow-log examples (version 2, no header)", () => {
    const file = join(tmp, 'aws-doc-examples.log');
    writeFileSync(
      file,
      [
        '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
        '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
        '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
        '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA',
        '',
      ].join('\n'),
    );
    const result = run(['explain', '--config', join(contract, 'snapshot.json'), '--flows', file]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1].record).toMatchObject({ srcaddr: '172.31.9.69', dstport: 3389, action: 'REJECT', 'log-status': 'OK' });
    for (const line of lines) {
      expect(line.verdict).toBe('unknown');
      expect(line.reason).toContain('eni-1235b8ca123456789');
    }
  });

  it('text format: one line per record', () => {
    const result = run([
      'explain',
      '--config',
      join(contract, 'snapshot.json'),
      '--flows',
      join(contract, 'flows.log'),
      '--format',
      'text',
    ]);
    expect(result.stdout).toContain('BLOCKED by security group sg-0web000000000000a (ingress)');
  });
});

describe('sgdoctor diagnose', () => {
  it('json: the contract finding with the example fix', () => {
    const result = run(['diagnose', '--config', join(contract, 'snapshot.json'), '--flows', join(contract, 'flows.log')]);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    const example = JSON.parse(readFileSync(join(contract, 'finding.example.json'), 'utf8'));
    expect(output.findings).toHaveLength(1);
    expect(output.findings[0].suggestedFix).toEqual(example.suggestedFix);
    expect(output.stats.findings.total).toBe(1);
  });

  it('finds every misconfiguration of the samples, with verified fixes, and calls the scans noise', () => {
    const expected = JSON.parse(readFileSync(join(samples, 'expected-findings.json'), 'utf8'));
    const result = run(['diagnose', '--config', join(samples, 'snapshot.json'), '--flows', join(samples, 'flows')]);
    expect(result.code).toBe(0);
    const { findings } = JSON.parse(result.stdout);
    const misconfigurations = findings.filter((f: { classification: string }) => f.classification === 'likely-misconfiguration');
    const wanted = expected.findings.filter((e: { classification: string }) => e.classification === 'likely-misconfiguration');
    expect(misconfigurations).toHaveLength(wanted.length);
    for (const want of wanted) {
      const got = misconfigurations.find(
        (f: { blockedBy: unknown; traffic: { port: number; direction: string; returnTraffic: boolean } }) =>
          JSON.stringify(f.blockedBy) === JSON.stringify(want.blockedBy) &&
          f.traffic.port === want.port &&
          f.traffic.direction === want.direction &&
          f.traffic.returnTraffic === want.returnTraffic,
      );
      expect(got, want.title).toBeDefined();
      expect(got.traffic.records, want.title).toBe(want.observed.records);
      expect(got.suggestedFix.verified, want.title).toBe(true);
      expect(got.suggestedFix.changes[0].action, want.title).toBe(want.fix.action);
    }
    const noise = findings.filter((f: { classification: string }) => f.classification === 'likely-noise');
    expect(noise.map((f: { kind: string }) => f.kind)).toEqual(['campaign', 'campaign', 'campaign', 'campaign', 'campaign']);
    for (const finding of noise) expect(finding.suggestedFix).toBeNull();
    expect(findings.slice(0, wanted.length).every((f: { classification: string }) => f.classification === 'likely-misconfiguration')).toBe(
      true,
    );
  });

  it('markdown and text: a findings table with the fix, then details', () => {
    const args = ['diagnose', '--config', join(samples, 'snapshot.json'), '--flows', join(samples, 'flows')];
    const markdown = run([...args, '--format', 'markdown']);
    expect(markdown.stdout).toContain('| # | severity | classification | traffic | blocked by | interfaces | peers | records | fix |');
    expect(markdown.stdout).toContain('## Findings');
    expect(markdown.stdout).toContain('aws ec2 authorize-security-group-ingress');
    expect(markdown.stdout).toContain('## Scanner activity');
    expect(markdown.stdout).toContain('| 203.0.113.0/24 | 40 | 3 |');
    const wide = run([...args, '--format', 'text', '--wide']);
    expect(wide.stdout).toMatch(/#\s+SEVERITY\s+CLASSIFICATION\s+TRAFFIC\s+BLOCKED BY\s+INTERFACES\s+PEERS/);
    expect(wide.stdout).toContain('5 scanner campaigns: 753 records from 44 sources');
    expect(wide.stdout.indexOf('SCANNER ACTIVITY')).toBeGreaterThan(wide.stdout.indexOf('[6] '));
  });

  it.each([[80], [120]])('text: the tables fit %i columns (COLUMNS, else 120 when not a terminal)', (width) => {
    const args = ['diagnose', '--config', join(samples, 'snapshot.json'), '--flows', join(samples, 'flows'), '--format', 'text'];
    const text = run(args, undefined, width === 120 ? {} : { COLUMNS: String(width) }).stdout;
    const tables = text.split('\n').filter((line) => /^(#|\d+) {2}/.test(line));
    expect(tables.length).toBe(2 + 6 + 5);
    for (const line of tables) expect(line.length, line).toBeLessThanOrEqual(width);
    expect(text).toMatch(/^#\s+SEVERITY\s+CLASS\s+TRAFFIC\s+BLOCKED BY/m);
    expect(text).toMatch(/^1 {2}high {6}misconfiguration/m);
  });

  it('--fail-on exits 1 when a finding has that classification', () => {
    const result = run([
      'diagnose',
      '--config',
      join(contract, 'snapshot.json'),
      '--flows',
      join(contract, 'flows.log'),
      '--fail-on',
      'likely-misconfiguration',
    ]);
    expect(result.code).toBe(1);
  });
});

describe('errors and exit codes', () => {
  const snapshot = join(contract, 'snapshot.json');

  it('usage errors exit 2', () => {
    expect(run(['diagnose', '--flows', 'x']).code).toBe(2);
    expect(run(['explain', '--config', snapshot, '--flows', 'x', '--format', 'yaml']).code).toBe(2);
    expect(run(['nonsense']).code).toBe(2);
  });

  it('help on every command exits 0', () => {
    for (const args of [['--help'], ['explain', '--help'], ['diagnose', '--help']]) {
      const result = run(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: sgdoctor');
    }
    // How to give the account's rule quotas to an exported snapshot.
    const help = run(['diagnose', '--help']).stdout;
    expect(help).toContain('aws service-quotas get-service-quota --service-code vpc --quota-code L-0EA8095F --output json > quota.json');
    expect(help).toContain(
      'aws service-quotas get-service-quota --service-code vpc --quota-code L-2AEEBF1A --output json > nacl-quota.json',
    );
  });

  it('--version prints the package version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = run([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
  });

  it('a file that cannot be opened is named with the reason in words, not only its error code', () => {
    const flows = join(contract, 'flows.log');
    const noSnapshot = run(['explain', '--config', join(tmp, 'no-snapshot.json'), '--flows', flows]);
    expect(noSnapshot.code).toBe(3);
    expect(noSnapshot.stderr).toBe(`sgdoctor: cannot read snapshot ${join(tmp, 'no-snapshot.json')}: no such file or directory (ENOENT)\n`);
    const directory = run(['explain', '--config', tmp, '--flows', flows]);
    expect(directory.code).toBe(3);
    expect(directory.stderr).toBe(`sgdoctor: cannot read snapshot ${tmp}: is a directory, not a file (EISDIR)\n`);
    const noFlows = run(['explain', '--config', snapshot, '--flows', join(tmp, 'no-flows.log')]);
    expect(noFlows.code).toBe(3);
    expect(noFlows.stderr).toBe(`sgdoctor: cannot read flow input "${join(tmp, 'no-flows.log')}": no such file or directory (ENOENT)\n`);
  });

  it('a snapshot the AWS CLI printed as text, table or YAML is refused with how to export JSON', () => {
    const yaml = join(tmp, 'security-groups.yaml');
    writeFileSync(yaml, 'SecurityGroups:\n- GroupId: sg-0web000000000000a\n');
    const result = run(['explain', '--config', yaml, '--flows', join(contract, 'flows.log')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`^sgdoctor: snapshot ${yaml} is not valid JSON: .*\\n$`));
    expect(result.stderr).toContain('run aws ec2 describe-… with --output json');
  });

  it('input errors exit 3 with a clean message and the JSON path', () => {
    const bad = join(tmp, 'bad-snapshot.json');
    writeFileSync(bad, JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 'x' }] }] }));
    const invalid = run(['diagnose', '--config', bad, '--flows', join(contract, 'flows.log')]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('SecurityGroups[0].IpPermissions[0].FromPort');
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
    const missing = run(['diagnose', '--config', snapshot, '--flows', join(tmp, 'nope.log')]);
    expect(missing.code).toBe(3);
    const notJson = join(tmp, 'not-json.json');
    writeFileSync(notJson, '{');
    expect(run(['explain', '--config', notJson, '--flows', join(contract, 'flows.log')]).code).toBe(3);
  });

  it('malformed lines are reported with file:line and skipped; --strict exits 4', () => {
    const file = join(tmp, 'malformed.log');
    writeFileSync(file, `${readFileSync(join(contract, 'flows.log'), 'utf8')}this is not a flow log line\n`);
    const lenient = run(['explain', '--config', snapshot, '--flows', file]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout.trim().split('\n')).toHaveLength(2);
    expect(lenient.stderr).toContain(`${file}:5`);
    const strict = run(['diagnose', '--config', snapshot, '--flows', file, '--strict']);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toContain(`${file}:5`);
  });
});
