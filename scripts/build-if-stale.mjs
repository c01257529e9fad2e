// `npm run demo` builds first only when dist/ is missing or older than what it is built from,
// so a second run starts in seconds. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What `npm run build` reads: any change to one of these makes dist/ stale. */
export const BUILD_INPUTS = [
  'src',
  'migrations',
  'package.json',
  'package-lock.json',
  'nest-cli.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
];

/** What a build writes (the Nest build empties dist/ first, so each is as old as the build). */
export const BUILD_OUTPUTS = ['dist/main.js', 'dist/worker.js', 'dist/demo/demo.js', 'dist/cli/main.js', 'dist/database/data-source.js'];

function newestMtimeMs(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  return newest;
}

/** Why dist/ under `root` needs a build, or null when it is newer than every input. */
export function staleReason(root) {
  const missing = BUILD_OUTPUTS.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  const migrationSources = existsSync(join(root, 'migrations'))
    ? readdirSync(join(root, 'migrations')).filter((name) => name.endsWith('.ts'))
    : [];
  const unbuilt = migrationSources.find((name) => !existsSync(join(root, 'dist', 'migrations', name.replace(/\.ts$/, '.js'))));
  if (unbuilt) return `migration ${unbuilt} is not built`;
  const builtAt = Math.min(...BUILD_OUTPUTS.map((output) => statSync(join(root, output)).mtimeMs));
  const changed = BUILD_INPUTS.find((input) => newestMtimeMs(join(root, input)) > builtAt);
  return changed ? `${changed} changed since the last build` : null;
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const reason = staleReason(root);
  if (!reason) {
    console.log('dist/ is up to date with the sources; not rebuilding (`npm run build` forces a build).');
    return 0;
  }
  console.log(`building (${reason}) …`);
  // Under npm, npm_execpath is npm's own script: run it with this Node rather than whichever `npm` is on PATH.
  const npm = process.env.npm_execpath;
  const build = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return build.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
