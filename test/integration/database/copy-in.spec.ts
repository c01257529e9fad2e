import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../src/config/app-config';
import { copyIn, copyRow, copyRowValues, type CopyType } from '../../../src/database/copy-in';
import { buildDataSourceOptions } from '../../../src/database/database-options';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../../support/app/test-database';

/** Text PostgreSQL can hold: any string without NUL, with characters other formats treat specially made common. */
const text = fc
  .oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '"', ',', '{', '}', ' ', 'a', 'N', '.', 'é', '😀') }),
  )
  .map((s) => s.replace(/\0/g, ''));

interface Row {
  id: string;
  label: string;
  note: string | null;
  small: number;
  count: number | null;
  big: number;
  flag: boolean;
  at: string;
  tags: string[];
  doc: unknown;
}

const COLUMNS = {
  id: 'uuid',
  label: 'text',
  note: 'text',
  small: 'int2',
  count: 'int4',
  big: 'int8',
  flag: 'bool',
  at: 'timestamptz',
  tags: 'text[]',
  doc: 'jsonb',
} as const satisfies Record<keyof Row, CopyType>;
const NAMES = Object.keys(COLUMNS) as Array<keyof Row>;
const TYPES: CopyType[] = Object.values(COLUMNS);

const row: fc.Arbitrary<Row> = fc.record({
  id: fc.uuid(),
  label: text,
  note: fc.option(text),
  small: fc.integer({ min: -32768, max: 32767 }),
  count: fc.option(fc.integer()),
  big: fc.maxSafeInteger().map((n) => n),
  flag: fc.boolean(),
  // Milliseconds, as Date.toISOString() writes them, from 1900 to 2200.
  at: fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }).map((ms) => new Date(ms).toISOString()),
  tags: fc.array(text, { maxLength: 5 }),
  // JSON of any shape with such strings (jsonb keeps no NUL escape either).
  doc: fc.jsonValue({ maxDepth: 2, stringUnit: fc.constantFrom('\\', '\t', '\n', '"', 'x', 'é') }),
});

/** The row in binary COPY format, in the table's column order (the document as its JSON text). */
const binary = (r: Row): Buffer =>
  copyRow(
    TYPES,
    NAMES.map((name) => (name === 'doc' ? JSON.stringify(r.doc) : r[name])),
  );

/** What PostgreSQL gives back of a row: numbers beyond int4 as text, times as Dates, documents parsed. */
const stored = (r: Row) => ({
  ...r,
  id: r.id.toLowerCase(),
  big: String(r.big),
  at: new Date(r.at),
  doc: JSON.parse(JSON.stringify(r.doc)),
});

/**
 * COPY in binary format on PostgreSQL: whatever the values hold (any text, the edges of each
 * integer type, times before and after 2000, empty arrays, NULLs), each row reads back as it was
 * written, and a row's bytes read back in node as the values written.
 */
describe('copyIn', () => {
  const name = uniqueTestName('copy_in');
  let dataSource: DataSource;

  beforeAll(async () => {
    const url = await createTestDatabase(name);
    dataSource = await new DataSource(
      buildDataSourceOptions(loadAppConfig({ DATABASE_URL: url }).database, { migrations: [] }),
    ).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  const roundTrip = (rows: readonly Row[]): Promise<Row[]> =>
    dataSource.transaction(async (manager) => {
      await manager.query(
        `CREATE TEMPORARY TABLE "copied" ("n" serial, "id" uuid NOT NULL, "label" varchar NOT NULL, "note" text, "small" smallint NOT NULL,
           "count" integer, "big" bigint NOT NULL, "flag" boolean NOT NULL, "at" timestamptz NOT NULL, "tags" text[] NOT NULL,
           "doc" jsonb NOT NULL) ON COMMIT DROP`,
      );
      await copyIn(manager, `COPY "copied" (${NAMES.map((n) => `"${n}"`).join(', ')}) FROM STDIN (FORMAT binary)`, rows.map(binary));
      return manager.query(`SELECT ${NAMES.map((n) => `"${n}"`).join(', ')} FROM "copied" ORDER BY "n"`);
    });

  it('reads every row back as it was written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        expect(await roundTrip(rows)).toEqual(rows.map(stored));
      }),
      { numRuns: 150 },
    );
  });

  it('reads a row back in node as the values written', () => {
    fc.assert(
      fc.property(row, (r) => {
        const values = NAMES.map((name) => (name === 'doc' ? JSON.stringify(r.doc) : r[name]));
        expect(copyRowValues(TYPES, copyRow(TYPES, values))).toEqual(
          values.map((v, i) => (NAMES[i] === 'id' ? String(v).toLowerCase() : v)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('writes an int8 past 2^53 as the whole number the double is, up to the largest double below 2^63', () => {
    for (const value of [2 ** 53 + 2, 2 ** 63 - 1024, -(2 ** 63)])
      expect(copyRowValues(['int8'], copyRow(['int8'], [value]))).toEqual([value]);
  });

  it('refuses a value its column type cannot hold before anything is sent', () => {
    expect(() => copyRow(['int4'], ['7'])).toThrow(/int4 field was given 7/);
    expect(() => copyRow(['int8'], [1.5])).toThrow(/int8 field was given 1.5/);
    expect(() => copyRow(['int8'], [2 ** 63])).toThrow(/int8 field was given 9223372036854776000/);
    expect(() => copyRow(['int4'], [2 ** 53])).toThrow(/int4 field/);
    expect(() => copyRow(['uuid'], ['not-a-uuid'])).toThrow(/uuid field/);
    expect(() => copyRow(['timestamptz'], ['yesterday'])).toThrow(/timestamptz field/);
    expect(() => copyRow(['text', 'text'], ['one'])).toThrow(/2 columns was given 1 values/);
  });

  it('sends a batch larger than one message in pieces, in order', async () => {
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      label: `row ${i}\t${'x'.repeat(i % 97)}`,
      note: i % 3 ? null : `\\${i}\n`,
      small: i % 100,
      count: i,
      big: i * 2 ** 40,
      flag: i % 2 === 0,
      at: new Date(Date.UTC(2023, 10, 14) + i * 1000).toISOString(),
      tags: i % 5 ? [`t${i}`, '{"}'] : [],
      doc: { i, text: 'é'.repeat(i % 50) },
    }));
    expect(await roundTrip(rows)).toEqual(rows.map(stored));
  });

  it('rejects with the server error of a refused row, and the transaction can roll back to before it', async () => {
    const result = await dataSource.transaction(async (manager) => {
      await manager.query(`CREATE TEMPORARY TABLE "strict" ("n" integer NOT NULL CHECK ("n" > 0)) ON COMMIT DROP`);
      await manager.query('SAVEPOINT "before_copy"');
      const refused = await copyIn(manager, `COPY "strict" ("n") FROM STDIN (FORMAT binary)`, [
        copyRow(['int4'], [1]),
        copyRow(['int4'], [-1]),
      ]).then(
        () => null,
        (error: { code?: string }) => error.code,
      );
      await manager.query('ROLLBACK TO SAVEPOINT "before_copy"');
      await copyIn(manager, `COPY "strict" ("n") FROM STDIN (FORMAT binary)`, [copyRow(['int4'], [2])]);
      return { refused, rows: await manager.query(`SELECT "n" FROM "strict"`) };
    });
    expect(result).toEqual({ refused: '23514', rows: [{ n: 2 }] });
  });
});
