import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { fileErrorReason } from '../common/errors/file-error-reason.util';
import { isFailingTheRead } from '../common/errors/fails-the-read.util';
import { FlowAction, FlowAggregator } from '../engine/flow-log/flow-aggregator';
import { awsCliTextLine } from '../engine/flow-log/aws-cli-text';
import {
  CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH,
  CLOUDWATCH_EXPORT_WRITE_TEST_REASON,
  hasCloudWatchExportTimestamp,
  isCloudWatchExportWriteTest,
} from '../engine/flow-log/cloudwatch-export';
import {
  DEFAULT_FORMAT,
  FlowLogFormat,
  isHeaderLine,
  isTransitGatewayFormat,
  parseLogFormat,
  TRANSIT_GATEWAY_LOG_REASON,
} from '../engine/flow-log/flow-log-fields';
import { FlowLogFormatError } from '../engine/flow-log/flow-log-format.error';
import { createLineParser, LineParser } from '../engine/flow-log/flow-log-parser';
import {
  ActionScanner,
  ActionToken,
  createActionScanner,
  createFlowLineScanner,
  FlowLineScanner,
  LogStatusCode,
  ScannedFlow,
} from '../engine/flow-log/flow-line-scanner';
import type { FlowAggregate, FlowRecord } from '../engine/flow-log/flow-record';
import type { IncompleteRecordReason } from '../engine/flow-log/unread-records';
import { isInsideRoot, LEADS_OUTSIDE_ROOT, NotInsideRootError, openInsideRoot } from '../targets/open-inside-root.util';
import { archiveKind } from './archive-kind';
import { startsWithJsonObject, subscriptionMessageLines } from './cloudwatch-subscription';
import { isParquet, parquetFlowLines } from './parquet-flow-lines';

/** Bytes read at a time: large reads keep the per-chunk overhead negligible. */
const READ_CHUNK = 1 << 20;
/** A "line" longer than this is not a flow-log record; it is reported and skipped, never buffered further. */
const MAX_LINE_BYTES = 1 << 20;
const DEFAULT_MAX_EXAMPLES = 20;
const NEWLINE = 10;
/** The first bytes of the lines of `aws logs filter-log-events --output text` (EVENTS, SEARCHEDLOGSTREAMS). */
const ASCII_E = 0x45;
const ASCII_S = 0x53;
/**
 * Bytes looked at to tell what an input holds (gzip, an archive, UTF-16, JSON envelopes): a tar
 * header's block, whose magic lies at byte 257, and room for the blank lines before a JSON object.
 */
const HEAD_BYTES = 512;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const MISSING_EXPORT_TIMESTAMP =
  'no CloudWatch Logs export timestamp (such as 2023-11-14T22:13:20.000Z) at the start of the line, as on the first line of this file';

export interface FlowLineLocation {
  file: string;
  line: number;
}

export interface MalformedFlowLine extends FlowLineLocation {
  error: string;
}

/** An OK record left out because a field every flow needs holds `-`, with where it was read. */
export interface IncompleteFlowRecord extends FlowLineLocation {
  reason: IncompleteRecordReason;
}

export interface FlowReadStats {
  /** Files (and stdin) read. */
  files: number;
  /** Lines read, header and blank lines included. */
  lines: number;
  /** Flow-log records (valid lines other than headers), NODATA/SKIPDATA included. */
  records: number;
  nodata: number;
  skipdata: number;
  /** Lines that are not valid records; never fatal unless `strict`. */
  malformed: number;
  /** The first malformed lines (up to `maxExamples`), with where they were read. */
  malformedExamples: MalformedFlowLine[];
  rejectRecords: number;
  acceptRecords: number;
  /** OK records that lack a field aggregation needs (interface-id, addresses, protocol, action). */
  incomplete: number;
  /** `incomplete` by what was missing (`no interface-id`, `no address`, `no protocol`, `no action`). */
  incompleteByReason: Partial<Record<IncompleteRecordReason, number>>;
  /** The first incomplete records (up to `maxExamples`), with where they were read. */
  incompleteExamples: IncompleteFlowRecord[];
  /** Fields of a header or `--log-format` that sgdoctor does not know: each named once, with where it was first seen. */
  unknownFields: { field: string; file: string }[];
  /** Inputs that could not be read to their end (permission, truncated gzip, I/O error): what was read before is used. */
  readErrors: { file: string; error: string }[];
  /**
   * Directory entries that were not read, and why (hidden, broken link, link to a directory, not a
   * regular file, a CloudWatch Logs export's write test).
   */
  skipped: { file: string; reason: string }[];
  /**
   * Files of Logs Insights results (`aws logs get-query-results`) whose `status` is not `Complete`,
   * once per status: their records were read, but they may be only part of what the query matches.
   */
  partialResults: { file: string; status: string }[];
}

export interface FlowReadOptions {
  /** DescribeFlowLogs `LogFormat` (or a header line) for files without a header; default: version 2. */
  format?: string;
  /**
   * When `format` is not given: the `LogFormat`s of the flow logs the inputs may come from
   * (DescribeFlowLogs, the snapshot's `FlowLogs`). A file without a header is read in the first of
   * them that reads its first record, else in the default format. Formats that cannot be read
   * (a Transit Gateway flow log's, a field named twice) are left out.
   */
  candidateFormats?: readonly string[];
  /** Throw FlowLogFormatError on the first malformed line instead of counting it. */
  strict?: boolean;
  /** How many malformed lines to keep as examples (all are counted). Default 20. */
  maxExamples?: number;
  /** What `-` reads; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Filled in while reading (pass one in to watch progress or get counts from readFlowRecords). */
  stats?: FlowReadStats;
  /**
   * Read only what really lies under this directory (SGDOCTOR_DATA_ROOT for the API's `files`
   * source): each file is opened, then its real path (symbolic links resolved) checked, so a link
   * swapped in after an earlier check is caught too. Entries that lead out, and files that turn
   * out not to be regular files when opened, are skipped and named in `skipped`, never read.
   */
  dataRoot?: string;
}

export interface SourcedFlowRecord {
  record: FlowRecord;
  source: FlowLineLocation;
}

export interface FlowAggregateOptions extends Omit<FlowReadOptions, 'stats'> {
  /** Actions to aggregate; default REJECT only. */
  actions?: readonly FlowAction[];
  /**
   * Keep only records whose capture interval overlaps [from, to) (a record without `start` is
   * kept); the others are counted in `recordsOutsideWindow`. Default: every record.
   */
  window?: { from: Date; to: Date };
  /** Count REJECT records per hour of their start (FlowAggregate.hourly), in the same pass. */
  hourly?: boolean;
  /** Checked between chunks: reading stops with the signal's reason. */
  signal?: AbortSignal;
}

export interface FlowAggregateResult {
  aggregates: FlowAggregate[];
  stats: FlowReadStats;
  /** Valid records left out because they lie outside `window`. */
  recordsOutsideWindow: number;
  /** SKIPDATA records inside `window` (`stats.skipdata` counts those of every line read). */
  skipdataInWindow: number;
}

export function createFlowReadStats(): FlowReadStats {
  return {
    files: 0,
    lines: 0,
    records: 0,
    nodata: 0,
    skipdata: 0,
    malformed: 0,
    malformedExamples: [],
    rejectRecords: 0,
    acceptRecords: 0,
    incomplete: 0,
    incompleteByReason: {},
    incompleteExamples: [],
    unknownFields: [],
    readErrors: [],
    skipped: [],
    partialResults: [],
  };
}

/**
 * Counts one OK record that lacks a field aggregation needs, by the first field missing, and keeps
 * where it was read among the first `maxExamples` (as malformed lines are kept).
 */
export function countIncomplete(
  stats: FlowReadStats,
  reason: IncompleteRecordReason,
  where: FlowLineLocation,
  maxExamples = DEFAULT_MAX_EXAMPLES,
): void {
  stats.incomplete++;
  stats.incompleteByReason[reason] = (stats.incompleteByReason[reason] ?? 0) + 1;
  if (stats.incompleteExamples.length < maxExamples) stats.incompleteExamples.push({ file: where.file, line: where.line, reason });
}

/**
 * A flow input resolved to one source of bytes: a file, stdin, or an object read from a store
 * (S3). `open` yields its raw bytes (gzip and Parquet are recognised by their magic bytes).
 */
export interface FlowByteSource {
  name: string;
  open(): AsyncIterable<Buffer>;
  /**
   * Found by walking a directory or listing a store rather than named: a Transit Gateway flow log
   * among such sources (AWS delivers them under the same `vpcflowlogs` prefix) is skipped and
   * named in `skipped`; one named is refused with FlowLogFormatError.
   */
  listed?: boolean;
}
type FlowSource = FlowByteSource;

/** Null when `path` really lies under `realRoot` now, else why it is not read. */
async function outsideReason(path: string, realRoot: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    return `cannot be resolved (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  return isInsideRoot(realRoot, real) ? null : LEADS_OUTSIDE_ROOT;
}

/** The data root's real path, when reading is confined to it. */
async function realRootOf(dataRoot: string | undefined): Promise<string | null> {
  if (dataRoot === undefined) return null;
  try {
    return await realpath(dataRoot);
  } catch (err) {
    // Named by its setting: the reason reaches API clients, who have no business with the server's paths.
    throw new Error(`the data root (SGDOCTOR_DATA_ROOT) cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
}

/**
 * The files and directories read so far, by device and inode (links followed), with the name each
 * was first read under: a file named twice (by two inputs, an input inside a directory given too,
 * a link beside its target) is read once, or its records would be counted twice.
 */
type SeenFiles = Map<string, string>;

/** True when `path` (whose stat is `info`, or looked up) was read already: then it is named as skipped. */
async function readBefore(path: string, info: Stats | null, seen: SeenFiles, stats: FlowReadStats): Promise<boolean> {
  let known = info;
  if (known === null) {
    try {
      known = await stat(path);
    } catch {
      // Opening it will say why it cannot be read.
      return false;
    }
  }
  const key = `${known.dev}:${known.ino}`;
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, path);
    return false;
  }
  stats.skipped.push({ file: path, reason: `already read as ${first}` });
  return true;
}

async function* walk(path: string, stats: FlowReadStats, realRoot: string | null, seen: SeenFiles): AsyncGenerator<FlowSource> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new Error(`cannot read flow input "${path}": ${fileErrorReason(err)}`);
  }
  if (await readBefore(path, info, seen, stats)) return;
  if (info.isDirectory()) {
    const leadsOut = realRoot === null ? null : await outsideReason(path, realRoot);
    if (leadsOut) {
      stats.skipped.push({ file: path, reason: leadsOut });
      return;
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = join(path, entry.name);
      if (entry.name.startsWith('.')) {
        stats.skipped.push({ file: child, reason: 'hidden (its name starts with a dot)' });
        continue;
      }
      if (isCloudWatchExportWriteTest(entry.name)) {
        stats.skipped.push({ file: child, reason: CLOUDWATCH_EXPORT_WRITE_TEST_REASON });
        continue;
      }
      if (entry.isDirectory()) {
        yield* walk(child, stats, realRoot, seen);
        continue;
      }
      if (entry.isFile()) {
        if (!(await readBefore(child, null, seen, stats))) yield { name: child, open: () => fileBytes(child, realRoot), listed: true };
        continue;
      }
      const reason = await skipReason(child, entry.isSymbolicLink(), realRoot);
      if (reason) stats.skipped.push({ file: child, reason });
      else if (!(await readBefore(child, null, seen, stats))) yield { name: child, open: () => fileBytes(child, realRoot), listed: true };
    }
  } else {
    yield { name: path, open: () => fileBytes(path, realRoot) };
  }
}

/**
 * Why a directory entry that is neither a file nor a directory is not read, or null to read it: a
 * symbolic link is followed to a regular file, never to a directory (a link back up the tree would
 * never end), and under a data root only when it stays inside.
 */
async function skipReason(path: string, symbolicLink: boolean, realRoot: string | null): Promise<string | null> {
  if (!symbolicLink) return 'not a regular file (a socket, FIFO or device)';
  if (realRoot !== null && (await outsideReason(path, realRoot)) !== null) {
    return 'symbolic link leading outside the data root (not read)';
  }
  let target;
  try {
    target = await stat(path);
  } catch (err) {
    return `broken symbolic link (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (target.isFile()) return null;
  if (target.isDirectory()) return 'symbolic link to a directory (not followed: give the directory itself)';
  return 'symbolic link to something that is not a regular file';
}

const STDIN_PATHS: ReadonlySet<string> = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

async function* resolveInputs(
  inputs: readonly string[],
  stdin: NodeJS.ReadableStream,
  stats: FlowReadStats,
  dataRoot: string | undefined,
): AsyncGenerator<FlowSource> {
  const realRoot = await realRootOf(dataRoot);
  const seen: SeenFiles = new Map();
  for (const input of inputs) {
    // The process's own standard input by name is read as `-`: when it is a socket (as some
    // process launchers give) it cannot be opened again by path. Under a data root there is no stdin.
    if (realRoot === null && (input === '-' || STDIN_PATHS.has(input))) yield { name: input, open: () => streamBytes(stdin) };
    else yield* walk(input, stats, realRoot, seen);
  }
}

const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;

function gunzip(compressed: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return pipeline(Readable.from(compressed), createGunzip({ chunkSize: READ_CHUNK }), () => undefined);
}

/**
 * The bytes of a file, gunzipped when it starts with the gzip magic bytes (whatever its name says).
 * Plain files are read into one reused buffer: allocating a fresh megabyte per read (as a read
 * stream does) costs more than the whole line scan. Consumers copy what they keep. Under a data
 * root (`realRoot`) the file is read only when the file opened really lies inside it.
 */
async function* fileBytes(path: string, realRoot: string | null): AsyncGenerator<Buffer> {
  const handle = realRoot === null ? await open(path, 'r') : await openInsideRoot(path, realRoot);
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const first = (await handle.read(buffer, 0, READ_CHUNK, null)).bytesRead;
    if (isGzip(buffer.subarray(0, first))) {
      const head = Buffer.from(buffer.subarray(0, first));
      yield* gunzip(
        (async function* (): AsyncGenerator<Buffer> {
          yield head;
          // Fresh buffers here: the gunzip stream may still hold the previous one.
          for (;;) {
            const next = Buffer.allocUnsafe(READ_CHUNK);
            const n = (await handle.read(next, 0, READ_CHUNK, null)).bytesRead;
            if (n === 0) return;
            yield next.subarray(0, n);
          }
        })(),
      );
      return;
    }
    for (let n = first; n > 0; n = (await handle.read(buffer, 0, READ_CHUNK, null)).bytesRead) {
      yield buffer.subarray(0, n);
    }
  } finally {
    await handle.close();
  }
}

/** The bytes of a stream (stdin, an S3 object's body), gunzipped when they start with the gzip magic bytes. */
export async function* streamBytes(raw: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  // Enough bytes to tell gzip (2) and Parquet (4) by their magic bytes.
  const { head, chunks } = await peek(raw as AsyncIterable<Buffer | string>, 4);
  if (head === undefined) return;
  yield* isGzip(head) ? gunzip(chunks) : chunks;
}

/**
 * The first `bytes` bytes of `chunks` or more (fewer only when the chunks hold fewer; undefined
 * when they hold none), as one buffer, and all of the chunks again from the start. A chunk kept
 * while the next is read is copied first: a source may read into the buffer it gave before (a
 * file's reads do, and a FIFO's or a pipe's give a few bytes at a time).
 */
async function peek(
  chunks: AsyncIterable<Buffer | string>,
  bytes: number,
): Promise<{ head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = toBuffer(next.value);
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head === chunk && head.length < bytes) head = Buffer.from(chunk);
  }
  if (head.length === 0) return { head: undefined, chunks: Readable.from([]) };
  const first = head;
  return {
    head: first,
    chunks: (async function* (): AsyncGenerator<Buffer> {
      yield first;
      for (let more = await iterator.next(); !more.done; more = await iterator.next()) yield toBuffer(more.value);
    })(),
  };
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

interface ParsedFormat {
  format: FlowLogFormat;
  parser: LineParser;
  scanner: ActionScanner | null;
  lineScanner: FlowLineScanner;
}

/** What the reader does with each record it decides to keep. */
type RecordSink = (record: FlowRecord, file: string, line: number) => void;
/** What the reader does with each plain valid line it read without parsing (the aggregation fast path). */
type ScannedSink = (flow: ScannedFlow, file: string, line: number) => void;

/**
 * Reads flow-log bytes line by line: header detection, the fast action filter, full parsing of the
 * lines that need it, statistics and malformed-line reporting. One instance reads every input of a run.
 */
class FlowLineReader {
  private readonly formats = new Map<string, ParsedFormat>();
  private readonly defaultFormat: ParsedFormat;
  /** The candidate formats for files without a header (FlowReadOptions.candidateFormats), parsed. */
  private readonly candidates: { text: string; parser: LineParser }[] = [];
  private readonly maxExamples: number;

  constructor(
    private readonly stats: FlowReadStats,
    private readonly options: FlowReadOptions,
    /** Actions whose records may be skipped without parsing (the fast path), if any. */
    private readonly skippable: { accept: boolean; reject: boolean } | null,
    private readonly sink: RecordSink,
    /** When given, lines a FlowLineScanner reads go here instead of being parsed into records. */
    private readonly scannedSink: ScannedSink | null = null,
  ) {
    this.defaultFormat = this.formatFor(options.format ?? DEFAULT_FORMAT.logFormat, '--log-format');
    if (options.format === undefined) {
      for (const text of new Set(options.candidateFormats ?? [])) {
        if (isTransitGatewayFormat(text)) continue;
        try {
          this.candidates.push({ text, parser: createLineParser(parseLogFormat(text, { unknownFields: 'keep' })) });
        } catch (err) {
          if (!(err instanceof FlowLogFormatError)) throw err;
        }
      }
    }
    this.maxExamples = options.maxExamples ?? DEFAULT_MAX_EXAMPLES;
  }

  /**
   * For a file without a header: the first candidate format (FlowReadOptions.candidateFormats)
   * that reads its first record, as it is or after a CloudWatch Logs export's timestamp; null when
   * none does (the default format then applies).
   */
  private formatOfFirstRecord(buf: Buffer, start: number, end: number): ParsedFormat | null {
    if (this.candidates.length === 0) return null;
    const text = buf.toString('utf8', start, end);
    for (const candidate of this.candidates) {
      if (candidate.parser(text).ok || isExportedRecord(buf, start, end, candidate.parser)) {
        return this.formatFor(candidate.text, 'FlowLogs LogFormat');
      }
    }
    return null;
  }

  /**
   * For a headerless file whose first line no format read: the first candidate format that reads
   * this line as it is, or null. (An export's timestamps are told on the first line only.)
   */
  private candidateReading(text: string): ParsedFormat | null {
    const candidate = this.candidates.find((c) => c.parser(text).ok);
    return candidate ? this.formatFor(candidate.text, 'FlowLogs LogFormat') : null;
  }

  /** The parsed format of a header line or `--log-format` (`source` names it in errors and warnings). */
  private formatFor(text: string, source: string): ParsedFormat {
    let parsed = this.formats.get(text);
    if (!parsed) {
      let format: FlowLogFormat;
      try {
        format = parseLogFormat(text, { unknownFields: 'keep' });
      } catch (err) {
        if (err instanceof FlowLogFormatError) throw new FlowLogFormatError(`${source}: ${err.message}`);
        throw err;
      }
      for (const field of format.unknown) {
        if (!this.stats.unknownFields.some((u) => u.field === field)) this.stats.unknownFields.push({ field, file: source });
      }
      parsed = {
        format,
        parser: createLineParser(format),
        scanner: createActionScanner(format),
        lineScanner: createFlowLineScanner(format),
      };
      this.formats.set(text, parsed);
    }
    return parsed;
  }

  /** Reads one source to its end, yielding after each chunk's lines were handled (the sink has them). */
  async *read(source: FlowSource): AsyncGenerator<void> {
    this.stats.files++;
    const file = source.name;
    let current = this.defaultFormat;
    let lineNo = 0;
    let seenData = false;
    // Bytes of the CloudWatch Logs export timestamp before each record, when the file is an export.
    let timestampLength = 0;
    // A listed source that turned out to be a Transit Gateway flow log: the rest of it is not read.
    let abandoned = false;
    // The first line of a headerless file was read by no format (cut short): its first record chooses.
    let formatPending = false;
    const recordsBefore = this.stats.records;
    /** The format a header names, or null (and the source abandoned) for a listed Transit Gateway flow log. */
    const headerFormat = (text: string): ParsedFormat | null => {
      if (source.listed && isTransitGatewayFormat(text)) {
        this.stats.skipped.push({ file, reason: TRANSIT_GATEWAY_LOG_REASON });
        // Nothing of it was read: it is no file read, as an entry skipped while walking is none.
        if (this.stats.records === recordsBefore) this.stats.files--;
        abandoned = true;
        return null;
      }
      return this.formatFor(text, file);
    };

    const handle = (buf: Buffer, start: number, end: number): void => {
      if (abandoned) return;
      lineNo++;
      this.stats.lines++;
      // A UTF-8 byte-order mark (PowerShell writes one) is not part of the line it starts: the first,
      // or the first of each file when files are joined end to end (`cat *.log |`).
      if (buf[start] === 0xef && end - start >= 3 && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
      if (end > start && buf[end - 1] === 13) end--;
      if (end === start) return;
      // aws logs filter-log-events --output text: an event's message is the record, a searched log stream none.
      if (buf[start] === ASCII_E || buf[start] === ASCII_S) {
        const cliText = awsCliTextLine(buf, start, end);
        if (cliText?.kind === 'searched-streams') return;
        if (cliText?.kind === 'invalid') {
          this.malformed(file, lineNo, cliText.error);
          return;
        }
        if (cliText) ({ start, end } = cliText);
      }
      if (!seenData || buf[start] === 32 || buf[start] === 9) {
        const text = buf.toString('utf8', start, end);
        if (text.trim() === '') return;
        if (!seenData) {
          seenData = true;
          if (isHeaderLine(text)) {
            current = headerFormat(text) ?? current;
            return;
          }
          current = this.formatOfFirstRecord(buf, start, end) ?? current;
          if (isExportedRecord(buf, start, end, current.parser)) timestampLength = CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH;
          else formatPending = current === this.defaultFormat && this.candidates.length > 0 && !current.parser(text).ok;
        }
      }
      if (formatPending) {
        // The candidates are tried on each line until one is a record, in theirs or the default format.
        const text = buf.toString('utf8', start, end);
        const chosen = this.candidateReading(text);
        if (chosen !== null || current.parser(text).ok) {
          formatPending = false;
          current = chosen ?? current;
        }
      }
      if (timestampLength > 0) {
        // Every line of an export carries its timestamp: one without is malformed, never read as a record.
        if (!hasCloudWatchExportTimestamp(buf, start, end)) {
          this.malformed(file, lineNo, MISSING_EXPORT_TIMESTAMP);
          return;
        }
        start += timestampLength;
      }
      if (this.skippable && current.scanner) {
        const token = current.scanner(buf, start, end);
        if (token === ActionToken.Accept && this.skippable.accept) {
          this.stats.records++;
          this.stats.acceptRecords++;
          return;
        }
        if (token === ActionToken.Reject && this.skippable.reject) {
          this.stats.records++;
          this.stats.rejectRecords++;
          return;
        }
      }
      if (this.scannedSink) {
        const flow = current.lineScanner(buf, start, end);
        if (flow) {
          this.countScanned(flow);
          this.scannedSink(flow, file, lineNo);
          return;
        }
      }
      const text = buf.toString('utf8', start, end);
      const result = current.parser(text);
      if (!result.ok) {
        // A header in the middle of the input (files concatenated on stdin) switches the format.
        if (isHeaderLine(text)) {
          current = headerFormat(text) ?? current;
          formatPending = false;
          return;
        }
        this.malformed(file, lineNo, result.error);
        return;
      }
      this.count(result.record);
      this.sink(result.record, file, lineNo);
    };

    // `carry` holds a line split across chunks; `skipping` discards an overlong one up to its newline.
    let carry: Buffer | null = null;
    let skipping = false;
    const tooLong = (): void => {
      this.malformed(file, lineNo + 1, `line longer than ${MAX_LINE_BYTES} bytes`);
      skipping = true;
      carry = null;
    };
    const endSkippedLine = (): void => {
      lineNo++;
      this.stats.lines++;
      skipping = false;
    };

    // Closed in `finally` when the source is not read to its end (a strict read's malformed line,
    // a reader that stops early, a cancelled analysis): else its file handle or S3 body stays open.
    let iterator: AsyncIterator<Buffer> | null = null;
    try {
      iterator = source.open()[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (!first.done && isParquet(first.value)) {
        // Parquet keeps its index at the end: the whole file is needed before the first row.
        const parts = [Buffer.from(first.value)];
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) parts.push(Buffer.from(next.value));
        const table = await parquetFlowLines(Buffer.concat(parts));
        const parsed = headerFormat(table.header);
        if (!parsed) {
          yield;
          return;
        }
        current = parsed;
        seenData = true;
        for await (const rows of table.batches) {
          for (const row of rows) {
            const bytes = Buffer.from(row);
            handle(bytes, 0, bytes.length);
          }
          yield;
        }
        return;
      }
      const bytes = iterator;
      let chunks: AsyncIterable<Buffer> = (async function* (): AsyncGenerator<Buffer> {
        if (first.done) return;
        yield first.value;
        for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value;
      })();
      let head: Buffer | undefined;
      // What the input is, told from a head long enough whatever size the source's chunks have (a
      // stream, an S3 body, a gunzip may give a few bytes at a time).
      if (!first.done) ({ head, chunks } = await peek(chunks, HEAD_BYTES));
      // A gzip inside the gzip: Firehose compressing what CloudWatch Logs had already compressed.
      if (head !== undefined && isGzip(head)) ({ head, chunks } = await peek(gunzip(chunks), HEAD_BYTES));
      const archive = head === undefined ? null : archiveKind(head);
      if (archive !== null) {
        throw new Error(`${archive}, not a flow log: unpack it first (flow logs are read as plain text, gzip or Parquet)`);
      }
      const utf16 = head === undefined ? null : utf16Encoding(head);
      // What follows is told from the text, decoded: JSON saved as UTF-16 is JSON too.
      if (utf16 !== null) ({ head, chunks } = await peek(toUtf8(chunks, utf16), HEAD_BYTES));
      // A UTF-8 byte-order mark (PowerShell 5's Out-File -Encoding utf8 writes one) is no part of
      // the text: JSON after it is JSON.
      else if (head !== undefined && hasUtf8Bom(head)) ({ head, chunks } = await peek(skipBytes(chunks, UTF8_BOM.length), HEAD_BYTES));
      // CloudWatch Logs subscription envelopes (JSON) rather than lines: their log events' messages are the lines.
      if (head !== undefined && startsWithJsonObject(head)) {
        chunks = subscriptionMessageLines(chunks, {
          onPartialResults: (status) => {
            if (!this.stats.partialResults.some((p) => p.file === file && p.status === status))
              this.stats.partialResults.push({ file, status });
          },
          // An item that cannot be read (an object that is not JSON, a log event without a message)
          // is a malformed line in its place: counted and named, the items after it read.
          onSkipped: (error) => {
            lineNo++;
            this.stats.lines++;
            this.malformed(file, lineNo, error);
          },
        });
      }
      for await (const chunk of chunks) {
        let pos = 0;
        if (carry !== null || skipping) {
          const nl = chunk.indexOf(NEWLINE);
          if (nl < 0) {
            if (carry !== null) {
              const pending: Buffer = carry;
              if (pending.length + chunk.length > MAX_LINE_BYTES) tooLong();
              else carry = Buffer.concat([pending, chunk]);
            }
            yield;
            continue;
          }
          if (skipping) endSkippedLine();
          else {
            const line = Buffer.concat([carry as unknown as Buffer, chunk.subarray(0, nl)]);
            handle(line, 0, line.length);
          }
          carry = null;
          pos = nl + 1;
        }
        for (let nl = chunk.indexOf(NEWLINE, pos); nl >= 0 && !abandoned; nl = chunk.indexOf(NEWLINE, pos)) {
          handle(chunk, pos, nl);
          pos = nl + 1;
        }
        if (abandoned) {
          // Closes the source (its file handle, its stream) without reading the rest.
          await iterator.return?.(undefined);
          yield;
          return;
        }
        if (pos < chunk.length) {
          // Copied: a view would pin the whole chunk until the next one completes the line.
          if (chunk.length - pos > MAX_LINE_BYTES) tooLong();
          else carry = Buffer.from(chunk.subarray(pos));
        }
        yield;
      }
      if (skipping) endSkippedLine();
      else if (carry !== null) {
        const last: Buffer = carry;
        handle(last, 0, last.length);
      }
      // The last line (without a newline) reached the sink after the last chunk's yield.
      yield;
    } catch (err) {
      if (err instanceof FlowLogFormatError || isFailingTheRead(err)) throw err;
      if (err instanceof NotInsideRootError) {
        // Refused when opened (outside the data root): nothing of it was read.
        this.stats.files--;
        this.stats.skipped.push({ file, reason: err.message });
        yield;
        return;
      }
      // Unreadable file, truncated or corrupt gzip, I/O error: an input error, named with the file.
      // What was read before stays read; the run goes on with the other inputs.
      this.stats.readErrors.push({ file, error: (err as Error).message });
      yield;
    } finally {
      // A no-op for a source read to its end; a failure to close takes nothing from what was read.
      await iterator?.return?.(undefined).catch(() => undefined);
    }
  }

  private count(record: FlowRecord): void {
    this.stats.records++;
    const status = record['log-status'];
    if (status === 'NODATA') this.stats.nodata++;
    else if (status === 'SKIPDATA') this.stats.skipdata++;
    if (record.action === 'REJECT') this.stats.rejectRecords++;
    else if (record.action === 'ACCEPT') this.stats.acceptRecords++;
  }

  /** count() for a scanned line. */
  private countScanned(flow: ScannedFlow): void {
    this.stats.records++;
    if (flow.logStatus === LogStatusCode.NoData) this.stats.nodata++;
    else if (flow.logStatus === LogStatusCode.SkipData) this.stats.skipdata++;
    if (flow.action === ActionToken.Reject) this.stats.rejectRecords++;
    else if (flow.action === ActionToken.Accept) this.stats.acceptRecords++;
  }

  private malformed(file: string, line: number, error: string): void {
    if (this.options.strict) throw new FlowLogFormatError(error, { file, line });
    this.stats.malformed++;
    if (this.stats.malformedExamples.length < this.maxExamples) {
      this.stats.malformedExamples.push({ file, line, error });
    }
  }
}

/**
 * True when the first data line of a file is a CloudWatch Logs export's: the event's timestamp,
 * then a record of the format. Checked once per file; the file's other lines must then carry a
 * timestamp too.
 */
function isExportedRecord(buf: Buffer, start: number, end: number, parser: LineParser): boolean {
  if (!hasCloudWatchExportTimestamp(buf, start, end)) return false;
  return parser(buf.toString('utf8', start + CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH, end)).ok;
}

/**
 * The UTF-16 byte order of a text input, or null for UTF-8: a byte-order mark (`FF FE`, `FE FF`), or
 * a zero byte among the first two, as a record or header starts with an ASCII character. Windows
 * PowerShell 5 writes UTF-16 when output is redirected (`>`) or saved with `Out-File`.
 */
function utf16Encoding(head: Buffer): 'utf-16le' | 'utf-16be' | null {
  if (head.length < 2) return null;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] !== 0 && head[1] === 0)) return 'utf-16le';
  if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0 && head[1] !== 0)) return 'utf-16be';
  return null;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function hasUtf8Bom(head: Buffer): boolean {
  return head.length >= UTF8_BOM.length && UTF8_BOM.every((byte, i) => head[i] === byte);
}

/** The chunks without their first `count` bytes. */
async function* skipBytes(chunks: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/** UTF-16 chunks as UTF-8 (the byte-order mark dropped; a character split between chunks kept whole). */
async function* toUtf8(chunks: AsyncIterable<Buffer>, encoding: 'utf-16le' | 'utf-16be'): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/**
 * Every record of the inputs, in order: plain, gzipped or Parquet files (detected by their magic
 * bytes), directories walked recursively in sorted order (S3 layout `AWSLogs/{account}/vpcflowlogs/…`;
 * symbolic links followed to regular files; with `dataRoot`, only to those inside it), and `-` or
 * `/dev/stdin` for stdin, each read once. Each text file may start with a header line naming its
 * fields (fields the catalog does not know are kept as text); otherwise `format` (or the default
 * version-2 format) applies. A file whose first record follows a timestamp such as
 * `2023-11-14T22:13:20.000Z ` is a CloudWatch Logs export: every line of it must start with one,
 * which is skipped (its write test, `aws-logs-write-test`, is skipped in directories). NODATA/SKIPDATA
 * records are yielded too: they carry no flow. Malformed lines are counted in `options.stats` (never
 * fatal unless `strict`), and so are entries skipped, unknown fields and inputs that could not be
 * read to their end (`readErrors`: what was read before is yielded).
 */
export async function* readFlowRecords(inputs: readonly string[], options: FlowReadOptions = {}): AsyncGenerator<SourcedFlowRecord> {
  const stats = options.stats ?? createFlowReadStats();
  yield* readFlowSources(resolveInputs(inputs, options.stdin ?? process.stdin, stats, options.dataRoot), { ...options, stats });
}

/**
 * readFlowRecords over sources of bytes other than files (S3 objects): each read to its end in
 * turn, with the same header handling, format, statistics and error reporting; a source whose
 * bytes fail (an object that cannot be fetched, a truncated gzip) is named in `readErrors` and
 * what it gave before is used, unless its error is marked as failing the whole read (failsTheRead),
 * which is rethrown.
 */
export async function* readFlowSources(
  sources: AsyncIterable<FlowByteSource>,
  options: Omit<FlowReadOptions, 'stdin'> = {},
): AsyncGenerator<SourcedFlowRecord> {
  const stats = options.stats ?? createFlowReadStats();
  let pending: SourcedFlowRecord[] = [];
  const reader = new FlowLineReader(stats, options, null, (record, file, line) => {
    pending.push({ record, source: { file, line } });
  });
  for await (const source of sources) {
    // Records are handed out chunk by chunk, so memory stays bounded by one chunk's records.
    for await (const _ of reader.read(source)) {
      const batch = pending;
      pending = [];
      yield* batch;
    }
  }
}

/** True for a record that describes traffic (log-status OK, or a format without log-status). */
export function isTrafficRecord(record: FlowRecord): boolean {
  const status = record['log-status'];
  return status === undefined || status === null || status === 'OK';
}

/**
 * The diagnose input path: read, parse, filter by action and aggregate every input, streaming with
 * memory bounded by the number of distinct aggregates. Lines whose action is not wanted are skipped
 * after locating their action field, without being parsed. Plain valid lines (single spaces, ASCII)
 * go from their bytes straight into the aggregator; only the others are parsed into records, with
 * the same outcome either way.
 */
export async function aggregateFlowFiles(inputs: readonly string[], options: FlowAggregateOptions = {}): Promise<FlowAggregateResult> {
  const stats = createFlowReadStats();
  const read = await aggregateSources(resolveInputs(inputs, options.stdin ?? process.stdin, stats, options.dataRoot), options, stats);
  return { aggregates: read.aggregator.takeAggregates(), stats, ...read.window };
}

/**
 * aggregateFlowFiles handing the aggregates to `visit` one at a time, in no particular order,
 * instead of returning them: for a caller that keeps them in a form of its own.
 */
export async function drainFlowFiles(
  inputs: readonly string[],
  options: FlowAggregateOptions,
  visit: (aggregate: FlowAggregate) => void,
): Promise<Omit<FlowAggregateResult, 'aggregates'>> {
  const stats = createFlowReadStats();
  const read = await aggregateSources(resolveInputs(inputs, options.stdin ?? process.stdin, stats, options.dataRoot), options, stats);
  read.aggregator.drainAggregates(visit);
  return { stats, ...read.window };
}

/**
 * drainFlowFiles over sources of bytes other than files (S3 objects): each read to its end in
 * turn, with the same header handling, format, window, per-hour counts, statistics and error
 * reporting; a source whose bytes fail (an object that cannot be fetched, a truncated gzip) is
 * named in `readErrors` and what it gave before is used, unless its error is marked as failing
 * the whole read (failsTheRead: the store stopped answering mid-object), which is rethrown.
 */
export async function drainFlowSources(
  sources: AsyncIterable<FlowByteSource>,
  options: Omit<FlowAggregateOptions, 'stdin'>,
  visit: (aggregate: FlowAggregate) => void,
): Promise<Omit<FlowAggregateResult, 'aggregates'>> {
  const stats = createFlowReadStats();
  const read = await aggregateSources(sources, options, stats);
  read.aggregator.drainAggregates(visit);
  return { stats, ...read.window };
}

/** Every source read into one aggregator, with the records left out for the window counted. */
async function aggregateSources(
  sources: AsyncIterable<FlowByteSource>,
  options: FlowAggregateOptions,
  stats: FlowReadStats,
): Promise<{ aggregator: FlowAggregator; window: { recordsOutsideWindow: number; skipdataInWindow: number } }> {
  const aggregator = new FlowAggregator({ actions: options.actions, hourly: options.hourly });
  const maxExamples = options.maxExamples ?? DEFAULT_MAX_EXAMPLES;
  // The window in epoch seconds: a record is in it when start < to and (end ?? start) >= from.
  const fromSec = options.window ? Math.floor(options.window.from.getTime() / 1000) : -Infinity;
  const toSec = options.window ? Math.ceil(options.window.to.getTime() / 1000) : Infinity;
  let outside = 0;
  // The reader counts every SKIPDATA line; those outside the window are taken off again.
  let skipdataOutside = 0;
  const skippable = { accept: !aggregator.keeps('ACCEPT'), reject: !aggregator.keeps('REJECT') };
  const reader = new FlowLineReader(
    stats,
    options,
    // With both actions kept no line is skipped: the action scan would only read each line twice.
    skippable.accept || skippable.reject ? skippable : null,
    (record, file, line) => {
      const start = typeof record.start === 'number' ? record.start : -1;
      if (start >= 0 && !(start < toSec && (typeof record.end === 'number' ? record.end : start) >= fromSec)) {
        outside++;
        if (record['log-status'] === 'SKIPDATA') skipdataOutside++;
        return;
      }
      if (!aggregator.add(record) && isTrafficRecord(record) && !isSkippedAction(record, aggregator)) {
        countIncomplete(stats, missingFlowField(record), { file, line }, maxExamples);
      }
    },
    (flow, file, line) => {
      const start = flow.start;
      if (start >= 0 && !(start < toSec && (flow.end >= 0 ? flow.end : start) >= fromSec)) {
        outside++;
        if (flow.logStatus === LogStatusCode.SkipData) skipdataOutside++;
        return;
      }
      if (!aggregator.addScanned(flow) && isTrafficFlow(flow) && !isSkippedScannedAction(flow, aggregator)) {
        countIncomplete(stats, missingScannedField(flow), { file, line }, maxExamples);
      }
    },
  );
  for await (const source of sources) {
    for await (const _ of reader.read(source)) {
      // The sink aggregated every kept record of the chunk.
      options.signal?.throwIfAborted();
    }
  }
  return { aggregator, window: { recordsOutsideWindow: outside, skipdataInWindow: stats.skipdata - skipdataOutside } };
}

function isSkippedAction(record: FlowRecord, aggregator: FlowAggregator): boolean {
  return (record.action === 'ACCEPT' || record.action === 'REJECT') && !aggregator.keeps(record.action);
}

/**
 * What an OK record lacks to be a flow, first missing first (NAT gateway and other formats
 * without `interface-id` or `action` are the usual cause).
 */
export function missingFlowField(record: FlowRecord): IncompleteRecordReason {
  if (!record['interface-id']) return 'no interface-id';
  if (!record.srcaddr || !record.dstaddr) return 'no address';
  if (typeof record.protocol !== 'number') return 'no protocol';
  return 'no action';
}

/** missingFlowField for a scanned line. */
function missingScannedField(flow: ScannedFlow): IncompleteRecordReason {
  if (flow.interfaceStart < 0) return 'no interface-id';
  if (flow.srcaddrStart < 0 || flow.dstaddrStart < 0) return 'no address';
  if (flow.protocol < 0) return 'no protocol';
  return 'no action';
}

/** isTrafficRecord for a scanned line. */
function isTrafficFlow(flow: ScannedFlow): boolean {
  return flow.logStatus === LogStatusCode.None || flow.logStatus === LogStatusCode.Ok;
}

/** isSkippedAction for a scanned line. */
function isSkippedScannedAction(flow: ScannedFlow, aggregator: FlowAggregator): boolean {
  if (flow.action === ActionToken.Reject) return !aggregator.keeps('REJECT');
  if (flow.action === ActionToken.Accept) return !aggregator.keeps('ACCEPT');
  return false;
}
