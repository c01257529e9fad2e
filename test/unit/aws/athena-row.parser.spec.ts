import { describe, expect, it } from 'vitest';
import { AthenaRowParser } from '../../../src/aws/athena-row.parser';
import { aggregateRow, headerRow } from '../../fixtures/aws/athena-responses';

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
});
