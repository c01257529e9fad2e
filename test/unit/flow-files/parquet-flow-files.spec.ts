import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { aggregateFlowFiles, createFlowReadStats, type FlowReadOptions, readFlowRecords } from '../../../src/flow-files/flow-file-reader';
import { PARQUET_TEXT_HEADER, parquetFlowLog } from '../../support/factories/parquet-flow-log';

async function records(inputs: string[], options: FlowReadOptions = {}) {
  const stats = createFlowReadStats();
  const out = [];
  for await (const r of readFlowRecords(inputs, { ...options, stats })) out.push(r);
  return { out, stats };
}

// Version 5 records (the Parquet columns' order): an accepted request, its rejected reply, a NODATA line.
const LINES = Array.from({ length: 250 }, (_, i) => [
  `5 123456789012 eni-0a1 10.0.1.${1 + (i % 50)} 10.0.2.5 ${40000 + i} 443 6 10 840 1700000000 1700000060 ACCEPT OK vpc-1 subnet-1 i-1 2 IPv4 10.0.1.${1 + (i % 50)} 10.0.2.5 eu-west-1 euw1-az1 - - - - ingress 1`,
  `5 123456789012 eni-0a1 10.0.2.5 10.0.1.${1 + (i % 50)} 443 ${40000 + i} 6 4 400 1700000000 1700000060 REJECT OK vpc-1 subnet-1 i-1 18 IPv4 10.0.2.5 10.0.1.${1 + (i % 50)} eu-west-1 euw1-az1 - - - - egress 1`,
])
  .flat()
  .concat(['5 123456789012 eni-0a1 - - - - - - - 1700000060 1700000120 - NODATA - - - - - - - - - - - - - - -']);

let dir: string;
let parquet: string;
let text: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-parquet-'));
  parquet = join(dir, '123456789012_vpcflowlogs_eu-west-1_fl-1_20231114T2210Z_abc.log.parquet');
  text = join(dir, 'same.log');
  writeFileSync(parquet, parquetFlowLog(LINES, 200));
  writeFileSync(text, `${PARQUET_TEXT_HEADER}\n${LINES.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Parquet flow-log files', () => {
  it('are recognised by content and read by column name into the records the text file gives', async () => {
    const fromParquet = await records([parquet]);
    const fromText = await records([text]);
    expect(fromParquet.stats.malformed).toBe(0);
    expect(fromParquet.stats.readErrors).toEqual([]);
    expect(fromParquet.out.map((r) => r.record)).toEqual(fromText.out.map((r) => r.record));
    expect(fromParquet.out[1].record).toMatchObject({
      'interface-id': 'eni-0a1',
      'tcp-flags': 18,
      'flow-direction': 'egress',
      protocol: 6,
      bytes: 400,
      'log-status': 'OK',
    });
    expect(fromParquet.out.at(-1)!.record).toMatchObject({ 'log-status': 'NODATA', srcaddr: null });
    expect(fromParquet.out[0].source).toEqual({ file: parquet, line: 1 });
    expect(fromParquet.stats).toMatchObject({ files: 1, records: LINES.length, rejectRecords: 250, acceptRecords: 250, nodata: 1 });
  });

  it('aggregate as the text file does, through a pipe too', async () => {
    const both = { actions: ['ACCEPT', 'REJECT'] as const };
    const fromParquet = await aggregateFlowFiles([parquet], both);
    const fromText = await aggregateFlowFiles([text], both);
    expect(fromParquet.aggregates).toEqual(fromText.aggregates);
    const bytes = parquetFlowLog(LINES, 200);
    const stdin = Readable.from([bytes.subarray(0, 3), bytes.subarray(3, 5000), bytes.subarray(5000)]);
    const piped = await aggregateFlowFiles(['-'], { ...both, stdin });
    expect(piped.aggregates).toEqual(fromText.aggregates);
  });

  it('a damaged Parquet file is an input that could not be read, named with the reason', async () => {
    const damaged = join(dir, 'damaged.parquet');
    const bytes = parquetFlowLog(LINES);
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 100));
    const { out, stats } = await records([damaged]);
    expect(out).toEqual([]);
    expect(stats.readErrors).toEqual([{ file: damaged, error: expect.stringMatching(/parquet/i) }]);
  });

  it('a string holding blanks (a tag value) stays one field, its blanks percent-encoded as a text delivery writes them', async () => {
    const path = join(dir, 'tagged.parquet');
    const tags = ['Web Server', 'tab\there', ' edge ', 'line\r\nbreak', 'plain'];
    const columnData = [
      { name: 'interface_id', type: 'STRING' as const, data: tags.map(() => 'eni-0a1') },
      { name: 'srcaddr', type: 'STRING' as const, data: tags.map(() => '10.0.1.9') },
      { name: 'dstaddr', type: 'STRING' as const, data: tags.map(() => '10.0.2.5') },
      { name: 'protocol', type: 'INT32' as const, data: tags.map(() => 6) },
      { name: 'action', type: 'STRING' as const, data: tags.map(() => 'REJECT') },
      { name: 'instance_tag', type: 'STRING' as const, data: tags },
    ];
    writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData })));
    const { out, stats } = await records([path]);
    expect(stats).toMatchObject({ records: tags.length, malformed: 0 });
    expect(out.map((r) => r.record['instance-tag'])).toEqual(['Web%20Server', 'tab%09here', '%20edge%20', 'line%0D%0Abreak', 'plain']);
    expect((await aggregateFlowFiles([path])).aggregates).toMatchObject([{ records: tags.length }]);
  });
});
