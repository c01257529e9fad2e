import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

/**
 * Values written as fields of PostgreSQL's COPY text format (tab-separated columns, one row per
 * line): what a row of `COPY … FROM STDIN` reads, each field parsed by its column type's input
 * function as a bound text value would be.
 */

/** A field that reads as NULL. */
const COPY_NULL = '\\N';

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_CONTROL = /[\n\r\t]/;

/**
 * Text as a field: the backslash, and the characters that end a field or a row, escaped by a
 * backslash (the backslashes doubled first, so the escapes added after stay single). JSON text
 * holds backslashes often (every escape) and raw control characters never.
 */
export function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  const text = value.replaceAll('\\', '\\\\');
  return COPY_CONTROL.test(text) ? text.replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t') : text;
}

/** A nullable value as a field: NULL, or its text (numbers and booleans as their input functions read them). */
export function copyValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return COPY_NULL;
  return typeof value === 'string' ? copyText(value) : String(value);
}

const COPY_FIELD_ESCAPE = /\\([\s\S])/g;
const COPY_FIELD_UNESCAPED: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/** What a field written by copyText or copyValue holds: its text, or null (the inverse of copyValue for text). */
export function copyFieldValue(field: string): string | null {
  if (field === COPY_NULL) return null;
  return field.replace(COPY_FIELD_ESCAPE, (_, c: string) => COPY_FIELD_UNESCAPED[c] ?? c);
}

const ARRAY_ELEMENT_SPECIAL = /[\\"]/g;

/** A text[] as a field: an array literal whose every element is quoted, so any text reads back as it was. */
export function copyTextArray(values: readonly string[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    literal += `"${values[i]!.replace(ARRAY_ELEMENT_SPECIAL, '\\$&')}"`;
  }
  return copyText(literal + '}');
}

/** Bytes of rows sent per CopyData message: the server reads each message whole, so none is made of a batch's megabytes. */
const COPY_CHUNK_BYTES = 64 * 1024;

/** The rows, each ended by a line feed, as UTF-8 chunks of about COPY_CHUNK_BYTES. */
function copyChunks(rows: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  for (const row of rows) {
    pending.push(row);
    pendingChars += row.length + 1;
    if (pendingChars >= COPY_CHUNK_BYTES) {
      chunks.push(Buffer.from(pending.join('\n') + '\n'));
      pending = [];
      pendingChars = 0;
    }
  }
  if (pending.length) chunks.push(Buffer.from(pending.join('\n') + '\n'));
  return chunks;
}

/**
 * Runs `statement` (a `COPY … FROM STDIN` in the default text format) on the connection of the
 * manager's transaction, sending `rows` (each one row of fields joined by tabs). Rejects with the
 * server's error when a row is refused; the transaction is then aborted, as by any failed statement.
 *
 * The rows are handed to the connection all at once: what the socket does not take at once is
 * queued and sent by the event loop, with no JavaScript to run for each chunk, so a busy process
 * (the worker drawing the next findings) does not leave the server waiting for data.
 */
export async function copyIn(manager: EntityManager, statement: string, rows: readonly string[]): Promise<void> {
  if (!manager.queryRunner) throw new Error('copyIn runs in a transaction: the manager has no query runner');
  const client = (await manager.queryRunner.connect()) as PoolClient;
  const copy = client.query(copyFrom(statement));
  const done = finished(copy);
  for (const chunk of copyChunks(rows)) copy.write(chunk);
  copy.end();
  await done;
}
