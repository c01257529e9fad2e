import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { createFlowReadStats, readFlowRecords } from '../../../src/flow-files/flow-file-reader';
import { collectFileFlows } from '../../../src/flow-sources/file-flow-collector';
import { FilesFlowSource } from '../../../src/flow-sources/files-flow-source';
import type { FlowWindowRequest } from '../../../src/flow-sources/flow-source';
import { DataPathResolver } from '../../../src/targets/data-path.resolver';
import type { FilesFlowSourceSettings } from '../../../src/targets/target-sources';

const T0 = 1_700_000_000;
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const record = (src: string): string => `2 111122223333 eni-a ${src} 10.0.0.5 40000 22 6 1 60 ${T0} ${T0 + 30} REJECT OK`;
const flowFile = (...sources: string[]): string => [HEADER, ...sources.map(record)].join('\n') + '\n';

const request = (paths: string[]): FlowWindowRequest<FilesFlowSourceSettings> => ({
  analysisId: 'a-1',
  attempt: 1,
  target: {
    id: 't-1',
    accountId: '111122223333',
    region: 'eu-west-1',
    access: { type: 'default-chain' },
    scope: { vpcIds: [], subnetIds: [] },
  },
  settings: { type: 'files', paths, logFormat: null },
  window: { from: new Date(T0 * 1000), to: new Date((T0 + 3600) * 1000) },
  snapshot: {},
  signal: new AbortController().signal,
});

/**
 * A data root whose `flows` directory holds files of its own and symbolic links: to a file inside
 * the root, to files outside it (a flow log, /etc/passwd), in a subdirectory too. Only what really
 * lies inside the root is read; the rest is skipped and named, never read.
 */
describe('FilesFlowSource inside the data root', () => {
  let base: string;
  let root: string;
  let source: FilesFlowSource;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'sgdoctor-files-source-'));
    root = join(base, 'data');
    mkdirSync(join(root, 'flows', 'sub'), { recursive: true });
    mkdirSync(join(root, 'elsewhere'));
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(root, 'flows', 'a.log'), flowFile('10.0.1.1'));
    writeFileSync(join(root, 'elsewhere', 'b.log'), flowFile('10.0.1.2'));
    writeFileSync(join(base, 'outside', 'secret.log'), flowFile('203.0.113.66', '203.0.113.67'));
    symlinkSync(join(root, 'elsewhere', 'b.log'), join(root, 'flows', 'b-link.log'));
    symlinkSync(join(base, 'outside', 'secret.log'), join(root, 'flows', 'evil.log'));
    symlinkSync('/etc/passwd', join(root, 'flows', 'passwd.log'));
    symlinkSync(join('..', '..', '..', 'outside', 'secret.log'), join(root, 'flows', 'sub', 'relative-evil.log'));
    source = new FilesFlowSource(new DataPathResolver(root));
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  async function read(paths: string[]) {
    const aggregates: FlowAggregate[] = [];
    const statistics = await source.read(request(paths), (a) => aggregates.push(a));
    return { statistics, sources: aggregates.map((a) => a.srcaddr).sort() };
  }

  it('follows links that stay inside the root, and skips, counts and names those that lead out', async () => {
    const { statistics, sources } = await read(['flows']);
    expect(sources).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(statistics).toMatchObject({ records: 2, rejectedRecords: 2, malformedLines: 0, filesSkipped: 3 });
    const outside = /^skipped: symbolic link leading outside the data root/;
    expect(statistics.warnings).toEqual([
      { file: 'flows/evil.log', message: expect.stringMatching(outside) },
      { file: 'flows/passwd.log', message: expect.stringMatching(outside) },
      { file: 'flows/sub/relative-evil.log', message: expect.stringMatching(outside) },
    ]);
  });

  it('reads a file whose header is a DescribeFlowLogs LogFormat (fields in ${}) as one with a plain header', async () => {
    const logFormat = HEADER.split(' ')
      .map((field) => '${' + field + '}')
      .join(' ');
    writeFileSync(join(root, 'flows', 'sub', 'logformat.log'), [logFormat, record('10.0.1.9')].join('\n') + '\n');
    const { statistics, sources } = await read(['flows/sub/logformat.log']);
    expect(sources).toEqual(['10.0.1.9']);
    expect(statistics).toMatchObject({ records: 1, rejectedRecords: 1, malformedLines: 0 });
    expect(statistics.warnings).toBeUndefined();
  });

  it('names a file of Logs Insights results whose query had not completed in the warnings, and reads its records', async () => {
    const results = {
      results: [[{ field: '@message', value: record('10.0.1.10') }]],
      statistics: { recordsMatched: 1, recordsScanned: 10, bytesScanned: 1000 },
      status: 'Running',
    };
    writeFileSync(join(root, 'flows', 'sub', 'query.json'), JSON.stringify(results, null, 4));
    const { statistics, sources } = await read(['flows/sub/query.json']);
    expect(sources).toEqual(['10.0.1.10']);
    expect(statistics.warnings).toEqual([
      {
        file: 'flows/sub/query.json',
        message:
          'Logs Insights results of a query whose status is Running, not Complete: its records were read, but they may be only ' +
          'part of what the query matches; save aws logs get-query-results again once the query is Complete',
      },
    ]);
  });

  it('counts what the window left out: its SKIPDATA records, and its OK records that are no flow by what they lack', async () => {
    const skipdata = (start: number) => `2 111122223333 eni-a - - - - - - - ${start} ${start + 60} - SKIPDATA`;
    const lines = [
      record('10.0.1.3'),
      skipdata(T0 + 60),
      skipdata(T0 + 120),
      // A day before the window: not this window's.
      skipdata(T0 - 86_400),
      record('10.0.1.4').replace('eni-a', '-'),
      record('-'),
      record('10.0.1.5').replace(' 22 6 ', ' 22 - '),
      // Not a record at all.
      '2 111122223333 eni-a 10.0.1.6',
    ];
    writeFileSync(join(root, 'flows', 'sub', 'left-out.log'), [HEADER, ...lines].join('\n') + '\n');
    const { statistics, sources } = await read(['flows/sub/left-out.log']);
    expect(sources).toEqual(['10.0.1.3']);
    expect(statistics).toMatchObject({
      skipdataRecords: 2,
      incompleteRecords: 3,
      incompleteByReason: { 'no interface-id': 1, 'no address': 1, 'no protocol': 1 },
      malformedLines: 1,
      recordsOutsideWindow: 1,
    });
  });

  it('names each malformed line it left out with its file, line and reason, up to 20, then counts the rest', async () => {
    const bad = (i: number): string => record(`10.0.2.${i}`).replace(' 22 6 ', ' 22 tcp ');
    writeFileSync(
      join(root, 'flows', 'sub', 'bad.log'),
      [HEADER, record('10.0.1.7'), '2 111122223333 eni-a 10.0.1.8', bad(1)].join('\n') + '\n',
    );
    writeFileSync(
      join(root, 'elsewhere', 'many-bad.log'),
      [HEADER, ...Array.from({ length: 21 }, (_, i) => bad(10 + i))].join('\n') + '\n',
    );
    const one = await read(['flows/sub/bad.log']);
    expect(one.sources).toEqual(['10.0.1.7']);
    expect(one.statistics.malformedLines).toBe(2);
    expect(one.statistics.warnings).toEqual([
      { file: 'flows/sub/bad.log', message: 'line 3 is malformed, not in the analysis: expected 14 fields, found 4' },
      {
        file: 'flows/sub/bad.log',
        message: 'line 4 is malformed, not in the analysis: protocol: "tcp" is not a whole number from 0 to 255',
      },
    ]);

    const both = await read(['flows/sub/bad.log', 'elsewhere/many-bad.log']);
    expect(both.statistics.malformedLines).toBe(23);
    const warnings = both.statistics.warnings!;
    expect(warnings).toHaveLength(21);
    expect(warnings.slice(2, 20).every((w) => w.file === 'elsewhere/many-bad.log')).toBe(true);
    expect(warnings[19].message).toMatch(/^line 19 is malformed/);
    expect(warnings[20]).toEqual({
      file: 'flows/sub/bad.log, elsewhere/many-bad.log',
      message: '3 more malformed lines, not in the analysis',
    });
  });

  it('skips a file or directory swapped for a link that leads out after the path was checked', async () => {
    // The stored paths resolve inside the root now; the swaps come after, as an analysis reads.
    const checked = await new DataPathResolver(root).resolveStored('flowSource.paths[0]', 'flows/a.log');
    rmSync(checked);
    symlinkSync(join(base, 'outside', 'secret.log'), checked);
    const file = await collect([checked]);
    expect(file.sources).toEqual([]);
    expect(file.skipped).toEqual([{ file: checked, reason: expect.stringMatching(/outside the data root/) }]);

    const dir = join(root, 'elsewhere');
    renameSync(dir, join(root, 'moved'));
    symlinkSync(join(base, 'outside'), dir);
    const directory = await collect([dir]);
    expect(directory.sources).toEqual([]);
    expect(directory.skipped).toEqual([{ file: dir, reason: expect.stringMatching(/outside the data root/) }]);
  });

  it('checks the file it opened: an entry listed as a regular file and swapped for a link before it is opened is not read', async () => {
    writeFileSync(join(root, 'flows', 'z.log'), flowFile('10.0.1.26'));
    const stats = createFlowReadStats();
    const seen: string[] = [];
    for await (const { record: r, source: at } of readFlowRecords([join(root, 'flows')], { dataRoot: root, stats })) {
      seen.push(r.srcaddr as string);
      if (at.file.endsWith('a.log')) {
        // The directory was listed (z.log a regular file) before this record was handed out.
        rmSync(join(root, 'flows', 'z.log'));
        symlinkSync(join(base, 'outside', 'secret.log'), join(root, 'flows', 'z.log'));
      }
    }
    expect(seen).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(stats.skipped.map((s) => s.file.slice(root.length + 1))).toEqual([
      'flows/evil.log',
      'flows/passwd.log',
      'flows/sub/relative-evil.log',
      'flows/z.log',
    ]);
    expect(stats.skipped.at(-1)?.reason).toMatch(/outside the data root/);
    expect(stats).toMatchObject({ files: 2, records: 2, malformed: 0, readErrors: [] });
  });

  async function collect(paths: string[]) {
    const aggregates: FlowAggregate[] = [];
    const read = await collectFileFlows(paths, request([]).window, { dataRoot: root }, (a) => aggregates.push(a));
    return { sources: aggregates.map((a) => a.srcaddr), skipped: read.stats.skipped };
  }
});
