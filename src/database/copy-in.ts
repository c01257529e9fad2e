import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

/**
 * Rows in PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`): each row is its
 * field count, then each field as its length and the bytes its column type's binary input
 * function reads (a length of -1 is NULL). Nothing is escaped: a document's JSON goes as it was
 * written, and the server parses no numbers, dates or array literals.
 */

/** The column types a binary COPY row is written for (each field's bytes are its type's, exactly). */
export type CopyType = 'text' | 'int2' | 'int4' | 'int8' | 'bool' | 'uuid' | 'timestamptz' | 'text[]' | 'jsonb';

/**
 * A field's value: text (and varchar) a string, a uuid its text, a timestamptz an ISO 8601 time, a
 * jsonb its JSON text, the integers and bool as numbers and booleans, text[] the strings.
 */
export type CopyValue = string | number | boolean | readonly string[] | null;

/** The file header: signature, flags (no OIDs) and the length of the header extension (none). */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);

/** The end of the data: a field count of -1. */
const TRAILER = Buffer.from([0xff, 0xff]);

/** The element type of text[] (pg_type's oid of text), which the server checks against the column's. */
const TEXT_OID = 25;

/** PostgreSQL's epoch (2000-01-01T00:00:00Z) in Unix milliseconds: timestamps are microseconds since then. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The version byte before a jsonb value's text. */
const JSONB_VERSION = 1;

/** The size of the blocks rows are kept in (see RowWriter). */
const SLAB_BYTES = 1024 * 1024;

/**
 * Writes rows into one growing buffer, each then copied out at its own length into a shared block
 * of SLAB_BYTES (a row longer than a quarter of one into a buffer of its own): a row's strings are
 * encoded once, straight into bytes, and let go of at once. A block is freed once every row in it
 * is: an analysis's tens of thousands of rows, of every size from a few hundred bytes to a few
 * hundred kilobytes, are a few hundred allocations of one size, not as many allocations of the C
 * heap as rows, which fragment it and keep the process's resident set growing.
 */
class RowWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private offset = 0;
  private slab = Buffer.allocUnsafeSlow(0);
  private slabOffset = 0;

  row(types: readonly CopyType[], values: readonly CopyValue[]): Buffer {
    if (types.length !== values.length) throw new Error(`a row of ${types.length} columns was given ${values.length} values`);
    this.offset = 0;
    this.reserve(2);
    this.offset = this.buffer.writeInt16BE(types.length, this.offset);
    for (let i = 0; i < types.length; i++) this.field(types[i]!, values[i]!);
    return this.keep(this.offset);
  }

  /** The first `length` bytes of the buffer, copied out (see the class). */
  private keep(length: number): Buffer {
    if (length > SLAB_BYTES / 4) return Buffer.from(this.buffer.subarray(0, length));
    if (this.slabOffset + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabOffset = 0;
    }
    const row = this.slab.subarray(this.slabOffset, this.slabOffset + length);
    this.buffer.copy(row, 0, 0, length);
    this.slabOffset += length;
    return row;
  }

  private field(type: CopyType, value: CopyValue): void {
    if (value === null) {
      this.reserve(4);
      this.offset = this.buffer.writeInt32BE(-1, this.offset);
      return;
    }
    switch (type) {
      case 'text':
        return this.string(ofKind(value, 'string', type), null);
      case 'jsonb':
        return this.string(ofKind(value, 'string', type), JSONB_VERSION);
      case 'int2':
        this.reserve(6);
        this.offset = this.buffer.writeInt32BE(2, this.offset);
        this.offset = this.buffer.writeInt16BE(integer(value, type), this.offset);
        return;
      case 'int4':
        this.reserve(8);
        this.offset = this.buffer.writeInt32BE(4, this.offset);
        this.offset = this.buffer.writeInt32BE(integer(value, type), this.offset);
        return;
      case 'int8':
        return this.int8(BigInt(int8Of(value)));
      case 'timestamptz': {
        const ms = Date.parse(ofKind(value, 'string', type));
        if (Number.isNaN(ms)) throw new TypeError(`a timestamptz field was given ${String(value)}`);
        return this.int8(BigInt(ms - PG_EPOCH_MS) * 1000n);
      }
      case 'bool':
        this.reserve(5);
        this.offset = this.buffer.writeInt32BE(1, this.offset);
        this.buffer[this.offset++] = ofKind(value, 'boolean', type) ? 1 : 0;
        return;
      case 'uuid': {
        const hex = ofKind(value, 'string', type).replaceAll('-', '');
        if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`a uuid field was given ${String(value)}`);
        this.reserve(20);
        this.offset = this.buffer.writeInt32BE(16, this.offset);
        this.offset += this.buffer.write(hex, this.offset, 'hex');
        return;
      }
      case 'text[]':
        return this.textArray(value);
    }
  }

  private int8(value: bigint): void {
    this.reserve(12);
    this.offset = this.buffer.writeInt32BE(8, this.offset);
    this.offset = this.buffer.writeBigInt64BE(value, this.offset);
  }

  /** A string's UTF-8 bytes after its length (and the version byte, if any). */
  private string(value: string, version: number | null): void {
    const extra = version === null ? 0 : 1;
    // UTF-8 takes at most three bytes per UTF-16 unit.
    this.reserve(4 + extra + value.length * 3);
    const start = this.offset;
    this.offset += 4;
    if (version !== null) this.buffer[this.offset++] = version;
    this.offset += this.buffer.write(value, this.offset, 'utf8');
    this.buffer.writeInt32BE(this.offset - start - 4, start);
  }

  /** A one-dimensional text[] (no dimension when empty): dimensions, no-NULL flag, element type, then each element. */
  private textArray(value: CopyValue): void {
    if (!Array.isArray(value)) throw new TypeError(`a text[] field was given ${typeof value}`);
    const elements = value as readonly string[];
    this.reserve(24);
    const start = this.offset;
    this.offset += 4;
    this.offset = this.buffer.writeInt32BE(elements.length ? 1 : 0, this.offset);
    this.offset = this.buffer.writeInt32BE(0, this.offset);
    this.offset = this.buffer.writeInt32BE(TEXT_OID, this.offset);
    if (elements.length) {
      this.offset = this.buffer.writeInt32BE(elements.length, this.offset);
      this.offset = this.buffer.writeInt32BE(1, this.offset);
    }
    for (const element of elements) this.string(ofKind(element, 'string', 'text[]'), null);
    this.buffer.writeInt32BE(this.offset - start - 4, start);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}

function ofKind<T extends 'string' | 'boolean'>(value: CopyValue, kind: T, type: CopyType): T extends 'string' ? string : boolean {
  if (typeof value !== kind) throw new TypeError(`a ${type} field was given ${typeof value}`);
  return value as T extends 'string' ? string : boolean;
}

function integer(value: CopyValue, type: CopyType): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`an ${type} field was given ${String(value)}`);
  return value;
}

/**
 * A whole number an int8 column holds: past 2^53 a double is still a whole number (the nearest one
 * to what it was computed from), written as it is; from -2^63 to below 2^63.
 */
function int8Of(value: CopyValue): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 63) {
    throw new TypeError(`an int8 field was given ${String(value)}`);
  }
  return value;
}

const writer = new RowWriter();

/** A row of `values`, each written as its column's type in `types`, as binary COPY reads it. */
export function copyRow(types: readonly CopyType[], values: readonly CopyValue[]): Buffer {
  return writer.row(types, values);
}

/** The values of a row written by `copyRow` for `types` (the inverse of copyRow). */
export function copyRowValues(types: readonly CopyType[], row: Buffer): CopyValue[] {
  const fields = row.readInt16BE(0);
  if (fields !== types.length) throw new Error(`a row of ${fields} fields read as ${types.length} columns`);
  let offset = 2;
  return types.map((type) => {
    const length = row.readInt32BE(offset);
    offset += 4;
    if (length < 0) return null;
    const bytes = row.subarray(offset, offset + length);
    offset += length;
    return fieldValue(type, bytes);
  });
}

function fieldValue(type: CopyType, bytes: Buffer): CopyValue {
  switch (type) {
    case 'text':
      return bytes.toString('utf8');
    case 'jsonb':
      return bytes.toString('utf8', 1);
    case 'int2':
      return bytes.readInt16BE(0);
    case 'int4':
      return bytes.readInt32BE(0);
    case 'int8':
      return Number(bytes.readBigInt64BE(0));
    case 'timestamptz':
      return new Date(PG_EPOCH_MS + Number(bytes.readBigInt64BE(0) / 1000n)).toISOString();
    case 'bool':
      return bytes[0] === 1;
    case 'uuid': {
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case 'text[]': {
      const dimensions = bytes.readInt32BE(0);
      if (dimensions === 0) return [];
      const count = bytes.readInt32BE(12);
      const elements: string[] = [];
      let offset = 20;
      for (let i = 0; i < count; i++) {
        const length = bytes.readInt32BE(offset);
        elements.push(bytes.toString('utf8', offset + 4, offset + 4 + length));
        offset += 4 + length;
      }
      return elements;
    }
  }
}

/** Bytes of rows sent per CopyData message: the server reads each message whole, so none is made of a batch's megabytes. */
const COPY_CHUNK_BYTES = 64 * 1024;

/** The header, the rows and the trailer, as chunks of about COPY_CHUNK_BYTES. */
function copyChunks(rows: readonly Buffer[]): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [HEADER];
  let pendingBytes = HEADER.length;
  for (const row of rows) {
    pending.push(row);
    pendingBytes += row.length;
    if (pendingBytes >= COPY_CHUNK_BYTES) {
      chunks.push(Buffer.concat(pending, pendingBytes));
      pending = [];
      pendingBytes = 0;
    }
  }
  pending.push(TRAILER);
  chunks.push(Buffer.concat(pending, pendingBytes + TRAILER.length));
  return chunks;
}

/**
 * Runs `statement` (a `COPY … FROM STDIN (FORMAT binary)`) on the connection of the manager's
 * transaction, sending `rows` (each written by `copyRow` for the statement's columns). Rejects
 * with the server's error when a row is refused; the transaction is then aborted, as by any
 * failed statement.
 *
 * The rows are handed to the connection all at once: what the socket does not take at once is
 * queued and sent by the event loop, with no JavaScript to run for each chunk, so a busy process
 * (the worker drawing the next findings) does not leave the server waiting for data.
 */
export async function copyIn(manager: EntityManager, statement: string, rows: readonly Buffer[]): Promise<void> {
  if (!manager.queryRunner) throw new Error('copyIn runs in a transaction: the manager has no query runner');
  const client = (await manager.queryRunner.connect()) as PoolClient;
  const copy = client.query(copyFrom(statement));
  const done = finished(copy);
  for (const chunk of copyChunks(rows)) copy.write(chunk);
  copy.end();
  await done;
}
