import { gunzipSync } from 'node:zlib';
import { type AsyncBuffer, type Compressors, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';

/** The four bytes a Parquet file starts (and ends) with. */
const MAGIC = [0x50, 0x41, 0x52, 0x31];

/** True when the bytes start like a Parquet file (`PAR1`). */
export function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * AWS writes Parquet flow logs with GZIP pages; hyparquet decodes Snappy itself and takes other
 * codecs from the caller. Node's zlib reads concatenated gzip members, which the Parquet spec
 * asks readers to accept.
 */
const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
};

/** The file's bytes for hyparquet: slices are copies of their own (a Buffer's `slice` is a view of a larger pool). */
function inMemory(bytes: Uint8Array): AsyncBuffer {
  const offset = bytes.byteOffset;
  return {
    byteLength: bytes.byteLength,
    slice: (start, end) => (bytes.buffer as ArrayBuffer).slice(offset + start, offset + (end ?? bytes.byteLength)),
  };
}

/** A flow-log field name from a Parquet column name: AWS writes `interface_id` for `interface-id`. */
function fieldName(column: string): string {
  return column.replace(/_/g, '-');
}

/** The characters that end a field or a line of the text form: a cell holding them would be cut in two. */
const BLANKS = /[ \t\r\n]/g;

function token(value: unknown): string {
  if (value === null || value === undefined) return '-';
  // Percent-encoded as a text delivery writes a tag value's special characters (`Web%20Server`).
  if (typeof value === 'string')
    return value === '' ? '-' : value.replace(BLANKS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export interface ParquetFlowLines {
  /** The columns as a flow-log header line (field names, hyphenated). */
  header: string;
  /** The rows as flow-log lines in the header's field order, a row group at a time. */
  batches: AsyncGenerator<string[]>;
}

/**
 * A Parquet flow-log file (VPC Flow Logs delivered to S3 with `FileFormat` parquet) as the lines
 * of the equivalent text file: its top-level columns by name become the header (`interface_id`
 * → `interface-id`), each row a line with `-` for null and a string's blanks percent-encoded (a
 * tag value `Web Server` reads `Web%20Server`, as in a text delivery), so the text reader's
 * parsing, validation and aggregation apply to both alike. Row groups are decoded one at a time.
 */
export async function parquetFlowLines(bytes: Uint8Array): Promise<ParquetFlowLines> {
  const file = inMemory(bytes);
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  async function* batches(): AsyncGenerator<string[]> {
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd, compressors: COMPRESSORS });
      yield rows.map((row) => columns.map((column) => token(row[column])).join(' '));
      rowStart = rowEnd;
    }
  }
  return { header: columns.map(fieldName).join(' '), batches: batches() };
}
