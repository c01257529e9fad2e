import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { subscriptionMessageLines, SubscriptionEnvelopeError } from '../../../src/flow-files/cloudwatch-subscription';
import { aggregateFlowFiles } from '../../../src/flow-files/flow-file-reader';
import { readAllFlowRecords as readAll } from '../../support/factories/read-flow-records';

/**
 * Flow logs streamed from CloudWatch Logs by a subscription filter to Data Firehose and delivered
 * to S3: gzip-compressed JSON envelopes written one after the other, each holding a batch of log
 * events whose messages are flow-log records.
 */

const REJECT = '2 111122223333 eni-0a1b2c3d4e5f60001 203.0.113.7 10.0.0.5 50512 22 6 3 180 1700000000 1700000060 REJECT OK';
const ACCEPT = '2 111122223333 eni-0a1b2c3d4e5f60001 10.0.0.9 10.0.0.5 41000 443 6 10 8400 1700000000 1700000060 ACCEPT OK';
const NODATA = '2 111122223333 eni-0a1b2c3d4e5f60002 - - - - - - - 1700000000 1700000060 - NODATA';

/** A DATA_MESSAGE envelope as CloudWatch Logs sends it, with the given messages as its log events. */
function envelope(messages: readonly string[], stream = 'eni-0a1b2c3d4e5f60001-all'): string {
  return JSON.stringify({
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: 'vpc-flow-logs',
    logStream: stream,
    subscriptionFilters: ['to-firehose'],
    logEvents: messages.map((message, i) => ({
      id: `3795227618236925413640612386914957066785024${String(i).padStart(13, '0')}`,
      timestamp: 1700000000000 + i,
      message,
    })),
  });
}

/** The check CloudWatch Logs sends when the subscription is created: no log events. */
const CONTROL = JSON.stringify({
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: 1700000000000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
});

/** The messages of `chunks`; an item skipped fails the call unless `skipped` collects it. */
async function collect(chunks: Buffer[], onPartialResults?: (status: string) => void, skipped?: string[]): Promise<string[]> {
  const out: string[] = [];
  async function* from(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  const onSkipped = (error: string) => {
    if (!skipped) throw new Error(`skipped: ${error}`);
    skipped.push(error);
  };
  for await (const lines of subscriptionMessageLines(from(), { onPartialResults, onSkipped })) out.push(lines.toString('utf8'));
  return out.join('').split('\n').slice(0, -1);
}

/** The messages of `chunks` and the items skipped, in the order they are given back: a skipped one as `skipped: <why>`. */
async function inOrder(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  async function* from(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  const onSkipped = (error: string) => out.push(`skipped: ${error}`);
  for await (const lines of subscriptionMessageLines(from(), { onSkipped })) out.push(...lines.toString('utf8').split('\n').slice(0, -1));
  return out;
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const at = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const to of at) {
    parts.push(bytes.subarray(from, to));
    from = to;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-subscription-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('subscriptionMessageLines', () => {
  it('gives back every message of every data envelope in order, however the bytes are cut and whatever separates the envelopes', async () => {
    // Messages with the characters that matter to the splitter: braces, quotes, backslashes, non-ASCII.
    const message = fc.string({ unit: fc.constantFrom('a', ' ', '{', '}', '"', '\\', 'é', '😀', '1', '\t'), maxLength: 30 });
    const batch = fc.oneof(
      { weight: 5, arbitrary: fc.array(message, { minLength: 1, maxLength: 5 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(batch, { maxLength: 8 }),
        fc.array(fc.constantFrom('', '', '\n', ' \r\n', '\t'), { minLength: 9, maxLength: 9 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (batches, separators, offsets) => {
          const text = batches.map((b, i) => `${separators[i]}${b === null ? CONTROL : envelope(b)}`).join('') + separators[8];
          const expected = batches.flatMap((b) => b ?? []);
          expect(await collect(cut(Buffer.from(text), offsets))).toEqual(expected);
        },
      ),
    );
  });

  it('refuses what is not a sequence of envelopes, naming where it stops', async () => {
    await expect(collect([Buffer.from(`${envelope([REJECT])}{"messageType":"DATA_MESSAGE","logEvents":[`)])).rejects.toThrow('cut short');
    await expect(collect([Buffer.from(`${envelope([REJECT])} x`)])).rejects.toThrow(
      /not a CloudWatch Logs subscription record at byte \d+/,
    );
    await expect(collect([Buffer.from('{"records":[]}')])).rejects.toThrow('no messageType DATA_MESSAGE with logEvents');
    await expect(collect([Buffer.from('{"records":[]}')])).rejects.toBeInstanceOf(SubscriptionEnvelopeError);
  });

  it('skips an object that is not JSON, and a log event without a text message, naming each where it is; reads on after it', async () => {
    // Its braces balance, so the scanner knows where it ends; its bracket does not, so it is no JSON.
    const notJson = '{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}}';
    const withoutMessage = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      logEvents: [{ message: ACCEPT }, { id: '1', timestamp: 1 }, { message: 7 }, { message: NODATA }],
    });
    const text = `${envelope([REJECT])}${notJson}\n${withoutMessage}{"a":1,}${envelope([REJECT])}`;
    const at = (part: string) => text.indexOf(part);
    const expected = [
      REJECT,
      `skipped: the CloudWatch Logs subscription record at byte ${at(notJson)} is not JSON: ${jsonError(notJson)}`,
      ACCEPT,
      `skipped: log event 1 of the CloudWatch Logs subscription record at byte ${at(withoutMessage)} has no text message`,
      `skipped: log event 2 of the CloudWatch Logs subscription record at byte ${at(withoutMessage)} has no text message`,
      NODATA,
      `skipped: the CloudWatch Logs subscription record at byte ${at('{"a":1,}')} is not JSON: ${jsonError('{"a":1,}')}`,
      REJECT,
    ];
    expect(await inOrder([Buffer.from(text)])).toEqual(expected);
    // However the bytes are cut.
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (offsets) => {
        expect(await inOrder(cut(Buffer.from(text), offsets))).toEqual(expected);
      }),
    );
  });
});

/** What JSON.parse says of `text`. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} is JSON`);
}

describe('subscription records as a Lambda function receives them', () => {
  // CloudWatch Logs invokes a subscribed function with {"awslogs":{"data":…}}: the envelope, gzip-compressed, in base64.
  const event = (json: string): string => JSON.stringify({ awslogs: { data: gzipSync(json).toString('base64') } });

  it('reads the log events of the envelope each holds, saved one after the other', async () => {
    const file = join(dir, 'lambda-events.json');
    writeFileSync(file, [event(CONTROL), event(envelope([REJECT, ACCEPT])), event(envelope([NODATA]))].join('\n'));
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => [r.record.action ?? r.record['log-status'], r.source.line])).toEqual([
      ['REJECT', 1],
      ['ACCEPT', 2],
      ['NODATA', 3],
    ]);
    expect(stats).toMatchObject({ records: 3, malformed: 0, readErrors: [] });
  });

  it('skips data that is not a compressed envelope, naming where it is, and refuses an envelope that is none', async () => {
    const skipped: string[] = [];
    const bad = JSON.stringify({ awslogs: { data: 'bm90IGd6aXA=' } });
    expect(await collect([Buffer.from(`${bad}\n${event(envelope([REJECT]))}`)], undefined, skipped)).toEqual([REJECT]);
    expect(skipped).toEqual([
      expect.stringMatching(
        /^the awslogs data of the Lambda event at byte 0 is not a gzip-compressed CloudWatch Logs subscription record: /,
      ),
    ]);
    await expect(collect([Buffer.from(event('{"records":[]}'))])).rejects.toThrow('no messageType DATA_MESSAGE with logEvents');
  });
});

describe('reading a Firehose object of CloudWatch Logs subscription records', () => {
  // Each record gzip-compressed by CloudWatch Logs, concatenated by Firehose.
  const members = Buffer.concat([
    gzipSync(CONTROL),
    gzipSync(envelope([REJECT, ACCEPT])),
    gzipSync(envelope([NODATA], 'eni-0a1b2c3d4e5f60002-all')),
    gzipSync(envelope([REJECT.replace('203.0.113.7', '198.51.100.9'), 'not a flow record'])),
  ]);

  it('reads the log events of concatenated gzip members as records, one line per event', async () => {
    const file = join(dir, 'firehose-members');
    writeFileSync(file, members);
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => [r.record.action ?? r.record['log-status'], r.record.srcaddr ?? null, r.source.line])).toEqual([
      ['REJECT', '203.0.113.7', 1],
      ['ACCEPT', '10.0.0.9', 2],
      ['NODATA', null, 3],
      ['REJECT', '198.51.100.9', 4],
    ]);
    expect(stats).toMatchObject({ files: 1, lines: 5, records: 4, rejectRecords: 2, acceptRecords: 1, nodata: 1, malformed: 1 });
    expect(stats.malformedExamples).toEqual([{ file, line: 5, error: expect.stringContaining('fields') }]);
    expect(stats.readErrors).toEqual([]);
  });

  it('reads the same when Firehose compressed the object again, and when nothing is compressed', async () => {
    const twice = join(dir, 'firehose-gzip');
    writeFileSync(twice, gzipSync(members));
    const plain = join(dir, 'firehose-plain');
    writeFileSync(plain, [CONTROL, envelope([REJECT, ACCEPT]), envelope([NODATA])].join('\n'));
    const once = await readAll([join(dir, 'firehose-members')]);
    const again = await readAll([twice]);
    expect(again.records.map((r) => r.record)).toEqual(once.records.map((r) => r.record));
    const { records } = await readAll([plain]);
    expect(records.map((r) => r.record.action ?? r.record['log-status'])).toEqual(['REJECT', 'ACCEPT', 'NODATA']);
  });

  it('aggregates such an object as it aggregates the same records written as lines', async () => {
    const lines = join(dir, 'as-lines.log');
    writeFileSync(lines, [REJECT, ACCEPT, NODATA, REJECT.replace('203.0.113.7', '198.51.100.9'), 'not a flow record'].join('\n') + '\n');
    // As the service's files and S3 sources read: both actions, REJECT counted per hour.
    const options = { actions: ['REJECT', 'ACCEPT'] as const, hourly: true };
    const fromEnvelopes = await aggregateFlowFiles([join(dir, 'firehose-members')], options);
    const fromLines = await aggregateFlowFiles([lines], options);
    expect(fromEnvelopes.aggregates).toEqual(fromLines.aggregates);
    expect(fromEnvelopes.aggregates).toHaveLength(3);
    expect({ ...fromEnvelopes.stats, malformedExamples: [] }).toEqual({ ...fromLines.stats, malformedExamples: [] });
  });

  it('counts a record that is not JSON, and a log event without a message, as malformed lines where they lie, and reads the rest', async () => {
    const file = join(dir, 'bad-items');
    const withoutMessage = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      logEvents: [{ message: ACCEPT }, { id: '1' }, { message: NODATA }],
    });
    writeFileSync(
      file,
      Buffer.concat([
        gzipSync(envelope([REJECT])),
        gzipSync('{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}}'),
        gzipSync(withoutMessage),
        gzipSync(envelope([REJECT, ACCEPT])),
      ]),
    );
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => [r.record.action ?? r.record['log-status'], r.source.line])).toEqual([
      ['REJECT', 1],
      ['ACCEPT', 3],
      ['NODATA', 5],
      ['REJECT', 6],
      ['ACCEPT', 7],
    ]);
    expect(stats).toMatchObject({ files: 1, lines: 7, records: 5, malformed: 2, readErrors: [] });
    expect(stats.malformedExamples).toEqual([
      { file, line: 2, error: expect.stringMatching(/^the CloudWatch Logs subscription record at byte \d+ is not JSON: /) },
      {
        file,
        line: 4,
        error: expect.stringMatching(/^log event 1 of the CloudWatch Logs subscription record at byte \d+ has no text message$/),
      },
    ]);
    // --strict makes them fatal, as it makes any malformed line.
    await expect(readAll([file], { strict: true })).rejects.toThrow(/is not JSON/);
  });

  it('keeps what was read before a record cut short and names the object', async () => {
    const file = join(dir, 'cut-short');
    writeFileSync(file, Buffer.concat([gzipSync(envelope([REJECT])), gzipSync(envelope([ACCEPT]).slice(0, 80))]));
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => r.record.action)).toEqual(['REJECT']);
    expect(stats.readErrors).toEqual([{ file, error: 'the last CloudWatch Logs subscription record is cut short' }]);
  });
});

/**
 * What `aws logs filter-log-events` and `aws logs get-log-events` print with `--output json`: one
 * object whose `events` are the log events, each with its `message` (the record), beside paging
 * tokens and, for filter-log-events, `searchedLogStreams`. Saved pages may follow one another.
 */
function logEventsOutput(messages: readonly string[], command: 'filter' | 'get' = 'filter'): string {
  const events = messages.map((message, i) => ({
    ...(command === 'filter' ? { logStreamName: 'eni-0a1b2c3d4e5f60001-all' } : {}),
    timestamp: 1700000000000 + i,
    message,
    ingestionTime: 1700000100000 + i,
    ...(command === 'filter' ? { eventId: `3795227618236925413640612386914957066785024${String(i).padStart(13, '0')}` } : {}),
  }));
  return JSON.stringify(
    command === 'filter'
      ? { events, searchedLogStreams: [{ logStreamName: 'eni-0a1b2c3d4e5f60001-all', searchedCompletely: true }], nextToken: 'Bxk{"]' }
      : { events, nextForwardToken: 'f/37952276182369254136406123869149570667850240000000000000', nextBackwardToken: 'b/1' },
    null,
    4,
  );
}

describe('the output of aws logs filter-log-events and get-log-events', () => {
  it('gives back every event message in order, however the bytes are cut, pages concatenated or not', async () => {
    const message = fc.string({ unit: fc.constantFrom('a', ' ', '{', '}', '[', ']', '"', '\\', 'é', '1'), maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.array(message, { maxLength: 5 }), fc.constantFrom('filter', 'get') as fc.Arbitrary<'filter' | 'get'>), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (pages, offsets) => {
          const text = pages.map(([messages, command]) => logEventsOutput(messages, command)).join('\n') + '\n';
          expect(await collect(cut(Buffer.from(text), offsets))).toEqual(pages.flatMap(([messages]) => messages));
        },
      ),
    );
  });

  it('is read without holding the whole output: an output larger than any one envelope may be', async () => {
    const many = Array.from({ length: 80_000 }, (_, i) => REJECT.replace('50512', String(1024 + (i % 60000))));
    const text = Buffer.from(logEventsOutput(many));
    expect(text.length).toBeGreaterThan(16 << 20);
    const chunks = cut(
      text,
      Array.from({ length: 400 }, (_, i) => i * 65_536),
    );
    expect(await collect(chunks)).toHaveLength(many.length);
  });

  it('skips an event without a message or that is not JSON, and the rest of an output that is not JSON, naming each; refuses one cut short', async () => {
    const text = '{"events":[{"timestamp":1},{"message":"a"},{"message": x},{"message":"b"}], "a": }\n{"events":[{"message":"c"}]}';
    expect(await inOrder([Buffer.from(text)])).toEqual([
      `skipped: log event 0 of the aws logs output at byte 11 has no text message`,
      'a',
      `skipped: log event 2 of the aws logs output at byte ${text.indexOf('{"message": x}')} is not JSON: ${jsonError('{"message": x}')}`,
      'b',
      `skipped: the aws logs output at byte 0 is not JSON: ${jsonError('{"events":[], "a": }')}`,
      'c',
    ]);
    await expect(collect([Buffer.from('{"events":[{"message":"x"}]')], undefined, [])).rejects.toThrow('cut short');
  });

  it('reads such a file as the records of its events, one line per event', async () => {
    const file = join(dir, 'filter-log-events.json');
    writeFileSync(file, `${logEventsOutput([REJECT, ACCEPT])}\n${logEventsOutput([NODATA, 'not a flow record'], 'get')}\n`);
    const { records, stats } = await readAll([file]);
    expect(records.map((r) => [r.record.action ?? r.record['log-status'], r.source.line])).toEqual([
      ['REJECT', 1],
      ['ACCEPT', 2],
      ['NODATA', 3],
    ]);
    expect(stats).toMatchObject({ records: 3, malformed: 1 });
    expect(stats.malformedExamples).toEqual([{ file, line: 4, error: expect.stringContaining('fields') }]);
    expect(stats.readErrors).toEqual([]);
  });
});

describe('the output of aws logs get-query-results (Logs Insights)', () => {
  /** As get-query-results prints a query such as `fields @timestamp, @message | filter action = "REJECT"`. */
  const results = (messages: readonly string[], status = 'Complete') =>
    JSON.stringify(
      {
        results: messages.map((message, i) => [
          { field: '@timestamp', value: '2023-11-14 22:13:20.000' },
          { field: '@message', value: message },
          { field: '@ptr', value: `CmAKJwojMTExMTIyMjIzMzMzOnZwYy1mbG93LWxvZ3MQBxI1GhgCBmX${i}` },
        ]),
        statistics: { recordsMatched: messages.length, recordsScanned: 100, bytesScanned: 10000 },
        status,
      },
      null,
      4,
    );

  it("gives back each row's @message in order", async () => {
    expect(await collect([Buffer.from(results([REJECT, ACCEPT]))])).toEqual([REJECT, ACCEPT]);
    expect(await collect([Buffer.from(`${results([REJECT])}\n${results([NODATA])}`)])).toEqual([REJECT, NODATA]);
  });

  // GetQueryResults: "If the value of the Status field in the output is Running, this operation
  // returns only partial results"; a query that timed out, failed or was cancelled never completed.
  it.each(['Scheduled', 'Running', 'Timeout', 'Failed', 'Cancelled', 'Unknown'])(
    'reads the rows of results whose status is %s and reports the status: they may be partial',
    async (status) => {
      const statuses: string[] = [];
      expect(await collect([Buffer.from(`${results([REJECT], status)}\n${results([ACCEPT])}`)], (s) => statuses.push(s))).toEqual([
        REJECT,
        ACCEPT,
      ]);
      expect(statuses).toEqual([status]);
    },
  );

  it('reports nothing for Complete results, nor for other objects', async () => {
    const statuses: string[] = [];
    await collect([Buffer.from(`${results([REJECT])}\n${envelope([ACCEPT])}\n${logEventsOutput([NODATA])}`)], (s) => statuses.push(s));
    expect(statuses).toEqual([]);
  });

  it('names a file of partial results with its status in the read statistics, once per status, and reads its records', async () => {
    const file = join(dir, 'query-running.json');
    writeFileSync(file, `${results([REJECT], 'Running')}\n${results([ACCEPT], 'Running')}\n`);
    const complete = join(dir, 'query-complete.json');
    writeFileSync(complete, `${results([REJECT])}\n`);
    const { records, stats } = await readAll([file, complete]);
    expect(records).toHaveLength(3);
    expect(stats.partialResults).toEqual([{ file, status: 'Running' }]);
  });

  it('refuses rows without @message, saying what to query', async () => {
    const parsed = JSON.stringify({ results: [[{ field: 'srcAddr', value: '10.0.0.9' }]], status: 'Complete' });
    await expect(collect([Buffer.from(parsed)])).rejects.toThrow('row 0 of the Logs Insights results at byte 0 has no @message field');
  });
});
