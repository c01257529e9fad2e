import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../src/config/app-config';
import { copyFieldValue, copyIn, copyText, copyTextArray, copyValue } from '../../../src/database/copy-in';
import { buildDataSourceOptions } from '../../../src/database/database-options';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../../support/app/test-database';

/** Text PostgreSQL can hold: any string without NUL, with the characters COPY and array literals treat specially made common. */
const text = fc
  .oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '"', ',', '{', '}', ' ', 'a', 'N', '.', 'é', '😀') }),
  )
  .map((s) => s.replace(/\0/g, ''));

interface Row {
  label: string;
  note: string | null;
  count: number | null;
  flag: boolean;
  tags: string[];
  doc: unknown;
}

const row: fc.Arbitrary<Row> = fc.record({
  label: text,
  note: fc.option(text),
  count: fc.option(fc.integer()),
  flag: fc.boolean(),
  tags: fc.array(text, { maxLength: 5 }),
  // JSON of any shape with such strings (jsonb keeps no NUL escape either).
  doc: fc.jsonValue({ maxDepth: 2, stringUnit: fc.constantFrom('\\', '\t', '\n', '"', 'x', 'é') }),
});

/** The row as a line of COPY text, in the table's column order. */
const line = (r: Row): string =>
  [
    copyText(r.label),
    copyValue(r.note),
    copyValue(r.count),
    copyValue(r.flag),
    copyTextArray(r.tags),
    copyText(JSON.stringify(r.doc)),
  ].join('\t');

/**
 * COPY text fields on PostgreSQL: whatever the values hold (tabs, line feeds, backslashes, quotes,
 * braces, commas, the COPY end marker, non-ASCII), each row reads back as it was written.
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
        `CREATE TEMPORARY TABLE "copied" ("n" serial, "label" text NOT NULL, "note" text, "count" integer, "flag" boolean NOT NULL,
           "tags" text[] NOT NULL, "doc" jsonb NOT NULL) ON COMMIT DROP`,
      );
      await copyIn(manager, `COPY "copied" ("label", "note", "count", "flag", "tags", "doc") FROM STDIN`, rows.map(line));
      return manager.query(`SELECT "label", "note", "count", "flag", "tags", "doc" FROM "copied" ORDER BY "n"`);
    });

  it('reads every row back as it was written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        const back = await roundTrip(rows);
        expect(back).toEqual(rows.map((r) => ({ ...r, doc: JSON.parse(JSON.stringify(r.doc)) })));
      }),
      { numRuns: 150 },
    );
  });

  it('reads a field back as the value written, in node as PostgreSQL does', () => {
    fc.assert(
      fc.property(fc.option(text), (value) => {
        const field = copyValue(value);
        expect(field).not.toMatch(/[\t\n\r]/);
        expect(copyFieldValue(field)).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('sends a batch larger than one message in pieces, in order', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      label: `row ${i}\t${'x'.repeat(i % 97)}`,
      note: i % 3 ? null : `\\${i}\n`,
      count: i,
      flag: i % 2 === 0,
      tags: [`t${i}`, '{"}'],
      doc: { i, text: 'é'.repeat(i % 50) },
    }));
    expect(await roundTrip(rows)).toEqual(rows);
  });

  it('rejects with the server error of a refused row, and the transaction can roll back to before it', async () => {
    const result = await dataSource.transaction(async (manager) => {
      await manager.query(`CREATE TEMPORARY TABLE "strict" ("n" integer NOT NULL) ON COMMIT DROP`);
      await manager.query('SAVEPOINT "before_copy"');
      const refused = await copyIn(manager, `COPY "strict" ("n") FROM STDIN`, ['1', 'not a number']).then(
        () => null,
        (error: { code?: string }) => error.code,
      );
      await manager.query('ROLLBACK TO SAVEPOINT "before_copy"');
      await copyIn(manager, `COPY "strict" ("n") FROM STDIN`, ['2']);
      return { refused, rows: await manager.query(`SELECT "n" FROM "strict"`) };
    });
    expect(result).toEqual({ refused: '22P02', rows: [{ n: 2 }] });
  });
});
