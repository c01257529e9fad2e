import { aggregateFlowFiles } from '../src/flow-files/flow-file-reader';

/**
 * Child-process entry for the memory benchmark: aggregates the flow files named on the command line
 * (REJECT only, the diagnose path) and prints one JSON line with the peak resident set size.
 */
async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const { aggregates, stats } = await aggregateFlowFiles(process.argv.slice(2), { actions: ['REJECT'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      seconds,
      lines: stats.lines,
      rejectRecords: stats.rejectRecords,
      aggregates: aggregates.length,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(String(err) + '\n');
  process.exitCode = 1;
});
