import { DEFAULT_FORMAT, FlowFieldSpec, FlowLogFormat, parseLogFormat } from './flow-log-fields';
import { MAX_COUNT_TEXT, parseCount, parseDigits } from './flow-count';
import type { FlowRecord } from './flow-record';
import { isIpAddress } from '../ip/ip-address';

export type LineParseResult = { ok: true; record: FlowRecord } | { ok: false; error: string };
export type LineParser = (line: string) => LineParseResult;

const CODE_CR = 13;

/** Longest decimal that can still be a safe integer (9007199254740991 has 16 digits). */
const MAX_DIGITS = 16;

/** Parses a non-negative decimal integer strictly; returns -1 when the token is not one (or overflows). */
function parseUnsigned(token: string, max: number): number {
  const value = parseDigits(token, MAX_DIGITS);
  return value > max ? -1 : value;
}

const CODE_PRINTABLE_FIRST = 0x21;
const CODE_PRINTABLE_LAST = 0x7e;

/** True when every character is printable ASCII (`!` to `~`): what AWS writes ids and names in. */
function isPrintableAscii(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < CODE_PRINTABLE_FIRST || c > CODE_PRINTABLE_LAST) return false;
  }
  return true;
}

type TokenReader = (token: string) => string | number | null | undefined;

/** Builds, per field, a function that turns a token into its value or `undefined` when invalid. */
function readerFor(field: FlowFieldSpec): TokenReader {
  if (field.count) {
    return (token) => {
      if (token === '-') return null;
      const value = parseCount(token);
      return value < 0 ? undefined : value;
    };
  }
  if (field.type === 'number') {
    const max = field.max ?? Number.MAX_SAFE_INTEGER;
    return (token) => {
      if (token === '-') return null;
      const value = parseUnsigned(token, max);
      return value < 0 ? undefined : value;
    };
  }
  if (field.values) {
    const values = field.values;
    return (token) => (token === '-' ? null : values.includes(token) ? token : undefined);
  }
  if (field.address) {
    return (token) => (token === '-' ? null : isIpAddress(token) ? token : undefined);
  }
  if (field.text) return (token) => (token === '-' ? null : token);
  return (token) => (token === '-' ? null : isPrintableAscii(token) ? token : undefined);
}

function describeInvalid(field: FlowFieldSpec, token: string): string {
  const shown = JSON.stringify(token.length > 60 ? token.slice(0, 60) + '…' : token);
  if (field.time) return `${field.name}: ${shown} is not a time in Unix seconds from 0 to ${field.max} (9999-12-31T23:59:59Z)`;
  if (field.type === 'number') {
    if (field.count && /^[0-9]+$/.test(token)) {
      // Past a 64-bit integer: no count AWS writes.
      return `${field.name}: ${shown} is larger than ${MAX_COUNT_TEXT}, the largest count (a 64-bit integer)`;
    }
    if (field.max === undefined && /^[0-9]+$/.test(token)) {
      return `${field.name}: ${shown} is larger than ${Number.MAX_SAFE_INTEGER}, the largest number read exactly`;
    }
    return `${field.name}: ${shown} is not a whole number${field.max !== undefined ? ` from 0 to ${field.max}` : ''}`;
  }
  if (field.values) return `${field.name}: ${shown} is not one of ${field.values.join(', ')}`;
  if (field.address) return `${field.name}: ${shown} is not an IPv4 or IPv6 address`;
  if (!field.text) return `${field.name}: ${shown} is not printable ASCII, as AWS writes ids and names`;
  return `${field.name}: ${shown} is invalid`;
}

/**
 * True when a record's capture window ends before it starts: `start` is when the window's first
 * packet was received and `end` when its last was, so AWS never writes a later start. Such a
 * record is malformed: it would give its flow a first sighting after its last.
 */
export function isInvertedWindow(start: number | null | undefined, end: number | null | undefined): boolean {
  return typeof start === 'number' && typeof end === 'number' && start > end;
}

export function invertedWindowError(start: number, end: number): string {
  return `start: ${start} is after end ${end}: a capture window cannot end before it starts`;
}

function toFormat(format: FlowLogFormat | readonly string[] | string): FlowLogFormat {
  if (typeof format === 'string') return parseLogFormat(format);
  if (Array.isArray(format)) return parseLogFormat((format as readonly string[]).join(' '));
  return format as FlowLogFormat;
}

/**
 * Returns a pure, non-throwing parser of one flow-log line in the given format (default: version 2).
 * `-` becomes null, numbers are parsed strictly, enumerations and addresses are validated, ids and
 * names must be printable ASCII (a control character or a byte that was not UTF-8 is an error;
 * tag values and unknown fields are free text), and a line with the wrong number of fields is an error. NODATA/SKIPDATA lines parse to records that carry
 * no flow (their flow fields are null); consumers skip them.
 */
export function createLineParser(format: FlowLogFormat | readonly string[] | string = DEFAULT_FORMAT): LineParser {
  const spec = toFormat(format);
  const fields = spec.fields;
  const count = fields.length;
  const names = spec.names;
  const readers = fields.map(readerFor);
  const timed = spec.positions['start'] !== undefined && spec.positions['end'] !== undefined;

  const parseTokens = (tokens: string[]): LineParseResult => {
    const record: FlowRecord = {};
    for (let i = 0; i < count; i++) {
      const token = tokens[i];
      const value = readers[i](token);
      if (value === undefined) return { ok: false, error: describeInvalid(fields[i], token) };
      record[names[i]] = value;
    }
    if (timed && isInvertedWindow(record.start, record.end)) {
      return { ok: false, error: invertedWindowError(record.start as number, record.end as number) };
    }
    return { ok: true, record };
  };

  return (input: string): LineParseResult => {
    try {
      const line = input.charCodeAt(input.length - 1) === CODE_CR ? input.slice(0, -1) : input;
      let tokens = line.split(' ');
      // A tab does not always change the count (one before the first field or after the last).
      if (tokens.length !== count || tokens.includes('') || line.includes('\t')) {
        // Irregular spacing (repeated spaces, tabs, leading/trailing blanks): split the slow way.
        tokens = line.split(/[ \t]+/).filter((t) => t.length > 0);
      }
      if (tokens.length !== count) {
        return { ok: false, error: `expected ${count} fields, found ${tokens.length}` };
      }
      return parseTokens(tokens);
    } catch (err) {
      // Nothing above should throw; this keeps the promise "never throws" even on engine bugs.
      return { ok: false, error: `unreadable line: ${(err as Error).message}` };
    }
  };
}
