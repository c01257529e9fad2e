import { describe, expect, it } from 'vitest';
import { AthenaRowParser } from '../../../src/aws/athena-row.parser';
import { FLOW_AGGREGATE_COLUMNS } from '../../../src/aws/athena-query-builder';
import { aggregateRow, headerRow } from '../../support/aws/athena-responses';

const HOURLY = FLOW_AGGREGATE_COLUMNS.indexOf('hourly_records');

/** A row of 3 records whose hourly_records column holds `value` (undefined: NULL). */
function rowWithHourly(value: string | undefined) {
  const row = aggregateRow(0);
  row.Data![HOURLY] = value === undefined ? {} : { VarCharValue: value };
  return row;
}

describe('AthenaRowParser', () => {
  it('maps columns by the header, whatever their order', () => {
    const parser = new AthenaRowParser();
    const order = [...headerRow.Data!.keys()].reverse();
    parser.acceptHeader({ Data: order.map((i) => headerRow.Data![i]) });
    const row = aggregateRow(1);
    const parsed = parser.parse({ Data: order.map((i) => row.Data![i]) }, 1);
    expect(parsed).toMatchObject({ interfaceId: 'eni-001', srcport: 40001, dstport: 5432, subnetId: null, records: 3 });
  });

  it('refuses a header that lacks a column', () => {
    expect(() => new AthenaRowParser().acceptHeader({ Data: headerRow.Data!.slice(1) })).toThrow(/lacks columns interface_id/);
  });

  it('refuses a data row before the header', () => {
    expect(() => new AthenaRowParser().parse(aggregateRow(0), 1)).toThrow(/before its header/);
  });

  it.each([
    ['a non-numeric count', 16, 'many'],
    ['an unknown action', 10, 'DROP'],
    ['an unknown direction', 4, 'sideways'],
    ['a missing interface', 0, undefined],
  ])('refuses %s', (_, index, value) => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const row = aggregateRow(0);
    row.Data![index] = value === undefined ? {} : { VarCharValue: value };
    expect(() => parser.parse(row, 7)).toThrow(/row 7 is not a flow aggregate/);
  });

  it('reads records per hour (json_format of a histogram: hour epoch as text key, count as number)', () => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const parsed = parser.parse(rowWithHourly('{"1714521600":2,"1714525200":1}'), 1);
    expect(parsed.hourly).toEqual([1714521600, 2, 1714525200, 1]);
    expect(parsed.records).toBe(3);
    // Athena's JSON keys come in no promised order: the hours are put in order.
    expect(parser.parse(rowWithHourly('{"1714525200":1,"1714521600":2}'), 2).hourly).toEqual([1714521600, 2, 1714525200, 1]);
  });

  it('a NULL hourly_records (ACCEPT query, or a format without start) leaves hourly undefined', () => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const parsed = parser.parse(rowWithHourly(undefined), 1);
    expect(parsed).not.toHaveProperty('hourly');
  });

  it('refuses a header without hourly_records', () => {
    const header = { Data: headerRow.Data!.filter((_, i) => i !== HOURLY) };
    expect(() => new AthenaRowParser().acceptHeader(header)).toThrow(/lacks columns hourly_records/);
  });

  it.each([
    ['not JSON', '{1714521600:2'],
    ['an array', '[1714521600,2]'],
    ['a key that is not an hour', '{"1714521601":2}'],
    ['a key that is not a number', '{"today":2}'],
    ['a zero count', '{"1714521600":0}'],
    ['a fractional count', '{"1714521600":1.5}'],
    ['a count given as text', '{"1714521600":"2"}'],
    ['more records per hour than the aggregate has', '{"1714521600":2,"1714525200":2}'],
  ])('refuses hourly_records that is %s', (_, value) => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    expect(() => parser.parse(rowWithHourly(value), 4)).toThrow(/row 4 is not a flow aggregate/);
  });
});
