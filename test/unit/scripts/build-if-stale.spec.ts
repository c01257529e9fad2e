import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'build-if-stale.mjs');
const OUTPUTS = [
  'dist/main.js',
  'dist/worker.js',
  'dist/demo/demo.js',
  'dist/cli/main.js',
  'dist/database/data-source.js',
  'dist/migrations/1-First.js',
];

/**
 * A project of its own whose `npm run build` writes the outputs and counts its runs, with the
 * real script copied in (it finds the project from its own location).
 */
function makeProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'sgdoctor-build-if-stale-'));
  const build = `const fs=require('fs');for(const f of ${JSON.stringify(OUTPUTS)}){fs.mkdirSync(require('path').dirname(f),{recursive:true});fs.writeFileSync(f,'')}fs.appendFileSync('builds','x')`;
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'p', private: true, scripts: { build: `node -e "${build.replace(/"/g, '\\"')}"` } }),
  );
  for (const file of ['src/main.ts', 'migrations/1-First.ts', 'tsconfig.json']) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  mkdirSync(join(root, 'scripts'));
  copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
  return root;
}

describe('scripts/build-if-stale.mjs (npm run demo)', () => {
  let root: string;
  const env = { ...process.env };
  delete env.npm_execpath;

  function run() {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, env, encoding: 'utf8' });
    let builds = 0;
    try {
      builds = readFileSync(join(root, 'builds'), 'utf8').length;
    } catch {
      // never built
    }
    return { code: result.status, stdout: result.stdout, builds };
  }

  /**
   * The file system's own "now": the time a file written now gets. Builds stamp their outputs
   * with it, so ages are counted from it rather than from this process's clock (which may be moved).
   */
  function fileSystemNowSeconds(): number {
    const probe = join(root, '.now');
    writeFileSync(probe, '');
    const at = statSync(probe).mtimeMs / 1000;
    rmSync(probe);
    return at;
  }

  /** Sets a file's modification time `secondsAgo` before now, so ordering does not hang on timer resolution. */
  function age(file: string, secondsAgo: number): void {
    const at = fileSystemNowSeconds() - secondsAgo;
    utimesSync(join(root, file), at, at);
  }

  /** Every input (directories too: a deleted file shows only in its directory's time) `secondsAgo` old. */
  function ageInputs(secondsAgo: number): void {
    for (const input of ['src', 'src/main.ts', 'migrations', 'migrations/1-First.ts', 'tsconfig.json', 'package.json'])
      age(input, secondsAgo);
  }

  beforeEach(() => {
    root = makeProject();
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('builds when dist/ is missing, then not again while nothing changed', () => {
    expect(run()).toMatchObject({ code: 0, builds: 1, stdout: expect.stringContaining('dist/main.js is missing') });
    ageInputs(60);
    expect(run()).toMatchObject({ code: 0, builds: 1, stdout: expect.stringContaining('up to date') });
  });

  it.each(['src/main.ts', 'migrations/1-First.ts', 'tsconfig.json', 'package.json'])('builds again after %s changes', (changed) => {
    run();
    ageInputs(60);
    expect(run().builds).toBe(1);
    for (const output of OUTPUTS) age(output, 30);
    age(changed, 10);
    expect(run()).toMatchObject({ code: 0, builds: 2, stdout: expect.stringContaining(`${changed.split('/')[0]} changed`) });
  });

  it('builds when a source file is removed, and when a migration has no compiled file', () => {
    writeFileSync(join(root, 'src', 'removed.ts'), '');
    run();
    ageInputs(60);
    for (const output of OUTPUTS) age(output, 30);
    rmSync(join(root, 'src', 'removed.ts'));
    expect(run()).toMatchObject({ builds: 2, stdout: expect.stringContaining('src changed') });
    writeFileSync(join(root, 'migrations', '2-Second.ts'), '');
    ageInputs(60);
    age('migrations/2-Second.ts', 60);
    expect(run()).toMatchObject({ builds: 3, stdout: expect.stringContaining('migration 2-Second.ts is not built') });
  });

  it('fails when the build fails', () => {
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'p', private: true, scripts: { build: 'node -e "process.exit(3)"' } }),
    );
    expect(run().code).not.toBe(0);
  });
});
