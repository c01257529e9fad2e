/**
 * Runs every benchmark and prints its figures and ratios against the baseline measured in the
 * same run. `npm run bench` compiles bench/ and the engine with tsconfig.bench.json first.
 *
 *   npm run bench              all benchmarks
 *   npm run bench -- eval      only the ones whose name contains "eval"
 *   npm run bench -- path      path analysis (`sgdoctor why`)
 *   npm run bench -- findings [count]   the findings API over `count` findings (default 100,000;
 *                              needs `npm run build`, PostgreSQL and Redis)
 *   npm run bench -- analysis  one analysis of 0.1 M, 0.3 M and 1 M records through a worker process
 *   npm run bench -- analysis 20000,60000   the same at other sizes (a quick run)
 *   npm run bench -- persist [count]   the persist stage alone, `count` findings (default 20,000; needs PostgreSQL)
 */
import { runAnalysisBench } from './analysis.bench';
import type { BenchResult } from './bench-result';
import { runEvalBench } from './eval.bench';
import { runFindingsBench } from './findings.bench';
import { runPathBench } from './path.bench';
import { runPersistBench } from './persist.bench';
import { runReadBench } from './read.bench';

/** The one argument after the benchmark's name: a count for `findings` and `persist`, a list of sizes for `analysis`. */
const argument = process.argv[3];

function countArgument(): number | undefined {
  if (argument === undefined) return undefined;
  const count = Number(argument);
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`count must be a positive integer, got ${argument}`);
  return count;
}

const suites: { name: string; run: () => Promise<BenchResult | BenchResult[]> }[] = [
  { name: 'eval', run: runEvalBench },
  { name: 'read', run: runReadBench },
  { name: 'path', run: runPathBench },
  { name: 'findings', run: () => runFindingsBench(countArgument()) },
  { name: 'analysis', run: runAnalysisBench },
  { name: 'persist', run: () => runPersistBench(countArgument()) },
];

function format(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function print(result: BenchResult): void {
  console.log(`\n== ${result.name}`);
  const width = Math.max(...Object.keys(result.metrics).map((k) => k.length));
  for (const [key, value] of Object.entries(result.metrics)) {
    console.log(`  ${key.padEnd(width)}  ${format(value)}`);
  }
  if (result.ratio !== undefined) {
    console.log(`  ${'ratio'.padEnd(width)}  ${result.ratio.toFixed(2)}x${result.target ? `  (target ${result.target})` : ''}`);
  } else if (result.target) {
    console.log(`  ${'target'.padEnd(width)}  ${result.target}`);
  }
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  for (const suite of suites) {
    if (filter && !suite.name.includes(filter)) continue;
    const results = await suite.run();
    for (const result of Array.isArray(results) ? results : [results]) print(result);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
