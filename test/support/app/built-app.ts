import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * A compiled app to run as a real process: `dist/` when `npm run build` has produced it from the
 * current sources, else a private build (never touching dist/, which other tests may be using).
 */
export function builtDistDir(): string {
  const dist = join(ROOT, 'dist');
  const sourcesChanged = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'migrations')));
  const fresh = (dir: string) =>
    existsSync(join(dir, 'main.js')) && existsSync(join(dir, 'migrations')) && statSync(join(dir, 'main.js')).mtimeMs >= sourcesChanged;
  if (fresh(dist)) return dist;
  const privateDist = join(ROOT, 'node_modules', '.cache', 'sgdoctor-test-build', 'dist');
  if (fresh(privateDist)) return privateDist;
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  // Type errors elsewhere must not stop this test: tsc still emits, and the run below fails loudly if it cannot start.
  for (const [project, outDir] of [
    ['tsconfig.build.json', privateDist],
    ['tsconfig.migrations.json', join(privateDist, 'migrations')],
  ]) {
    try {
      execFileSync(tsc, ['-p', project, '--outDir', outDir], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // emitted with errors; checked by existence below
    }
  }
  if (!existsSync(join(privateDist, 'main.js'))) throw new Error('could not compile the app for the process tests');
  return privateDist;
}

export interface RunningProcess {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  /** Everything written to stderr so far. */
  stderrText(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProcess(script: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('close', (code, signal) => resolveExit({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    stderrText: () => stderr.join(''),
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no line matching ${pattern} within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`),
            ),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolveLine(line)) });
        void exited.then(() =>
          reject(new Error(`process exited before ${pattern}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`)),
        );
      });
    },
  };
}
