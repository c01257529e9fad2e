import { describe, expect, it } from 'vitest';
import { AthenaRowParser, type AthenaResultRow } from '../../../src/aws/athena-row.parser';
import { FLOW_AGGREGATE_COLUMNS } from '../../../src/aws/athena-query-builder';
import { aggregateRow, headerRow, unreadRow } from '../../support/aws/athena-responses';

const HOURLY = FLOW_AGGREGATE_COLUMNS.indexOf('hourly_records');

/** The aggregate a row parsed into; fails when it was parsed as anything else. */
function aggregateOf(parsed: AthenaResultRow) {
  if (parsed.kind !== 'aggregate') throw new Error(`parsed as ${parsed.kind}`);
  return parsed.aggregate;
}

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
    const parsed = aggregateOf(parser.parse({ Data: order.map((i) => row.Data![i]) }, 1));
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
    ['a missing interface', 0, undefined],
  ])('refuses %s', (_, index, value) => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const row = aggregateRow(0);
    row.Data![index] = value === undefined ? {} : { VarCharValue: value };
    expect(() => parser.parse(row, 7)).toThrow(/row 7 is not a flow aggregate/);
  });

  describe('packets and bytes: BIGINT sums, read up to 2^63 - 1 as the nearest double, as flow-log lines are', () => {
    const PACKETS = FLOW_AGGREGATE_COLUMNS.indexOf('packets');
    const BYTES = FLOW_AGGREGATE_COLUMNS.indexOf('bytes');
    const parsedWith = (index: number, value: string) => {
      const parser = new AthenaRowParser();
      parser.acceptHeader(headerRow);
      const row = aggregateRow(0);
      row.Data![index] = { VarCharValue: value };
      return () => aggregateOf(parser.parse(row, 3));
    };

    it.each([
      ['9007199254740993', 2 ** 53],
      ['9223372036854775807', 2 ** 63],
    ])('%s is read as %d', (value, expected) => {
      expect(parsedWith(PACKETS, value)().packets).toBe(expected);
      expect(parsedWith(BYTES, value)().bytes).toBe(expected);
    });

    it.each(['9223372036854775808', '-1', '1e3', '12.5'])('%s is refused', (value) => {
      expect(parsedWith(PACKETS, value)).toThrow(/row 3 is not a flow aggregate/);
      expect(parsedWith(BYTES, value)).toThrow(/row 3 is not a flow aggregate/);
    });

    it('other columns keep their exact limits', () => {
      expect(parsedWith(FLOW_AGGREGATE_COLUMNS.indexOf('records'), '9007199254740993')).toThrow(/not a flow aggregate/);
      expect(parsedWith(FLOW_AGGREGATE_COLUMNS.indexOf('first_seen'), '9007199254740993')).toThrow(/not a flow aggregate/);
    });
  });

  it('reads records per hour (json_format of a histogram: hour epoch as text key, count as number)', () => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const parsed = aggregateOf(parser.parse(rowWithHourly('{"1714521600":2,"1714525200":1}'), 1));
    expect(parsed.hourly).toEqual([1714521600, 2, 1714525200, 1]);
    expect(parsed.records).toBe(3);
    // Athena's JSON keys come in no promised order: the hours are put in order.
    expect(aggregateOf(parser.parse(rowWithHourly('{"1714525200":1,"1714521600":2}'), 2)).hourly).toEqual([1714521600, 2, 1714525200, 1]);
  });

  it('a NULL hourly_records (ACCEPT query, or a format without start) leaves hourly undefined', () => {
    const parser = new AthenaRowParser();
    parser.acceptHeader(headerRow);
    const parsed = aggregateOf(parser.parse(rowWithHourly(undefined), 1));
    expect(parsed).not.toHaveProperty('hourly');
  });

  describe('rows counting the records of the window left out', () => {
    it('become counts by reason, never aggregates: their NULL keys are not read as a flow', () => {
      const parser = new AthenaRowParser();
      parser.acceptHeader(headerRow);
      expect(parser.parse(unreadRow('skipdata', 4), 1)).toEqual({ kind: 'unread', reason: 'skipdata', records: 4 });
      expect(parser.parse(unreadRow('no interface-id', 2), 2)).toEqual({ kind: 'unread', reason: 'no interface-id', records: 2 });
      expect(parser.parse(unreadRow('end past 9999-12-31T23:59:59Z', 1), 3)).toEqual({
        kind: 'unread',
        reason: 'end past 9999-12-31T23:59:59Z',
        records: 1,
      });
      // A line of a text table too short for the format (its last columns NULL): malformed, as the file reader counts it.
      expect(parser.parse(unreadRow('message does not match the log format', 2), 4)).toEqual({
        kind: 'unread',
        reason: 'message does not match the log format',
        records: 2,
      });
      // A REJECT query's count row carries the histogram of its records' hours too: it stays a count.
      const withHours = unreadRow('no address', 3);
      withHours.Data![HOURLY] = { VarCharValue: '{"1714521600":3}' };
      expect(parser.parse(withHours, 4)).toEqual({ kind: 'unread', reason: 'no address', records: 3 });
    });

    it.each([
      ['a protocol past 255', { protocol: '300' }, 'protocol not from 0 to 255'],
      ['a negative protocol', { protocol: '-1' }, 'protocol not a number'],
      ['a source port past 65535', { srcport: '70000' }, 'port not from 0 to 65535'],
      ['a destination port past 65535', { dstport: '65536' }, 'port not from 0 to 65535'],
      ['an ephemeral range past 65535', { ephemeral_port_max: '70000' }, 'port not from 0 to 65535'],
      ['a negative port', { srcport: '-3' }, 'port not a number'],
      ['a source that is no address', { srcaddr: 'not-an-address' }, 'address not IPv4 or IPv6'],
      ['a destination that is no address', { dstaddr: '10.0.0.256' }, 'address not IPv4 or IPv6'],
      ['tcp-flags past 255', { tcp_flags: '256' }, 'tcp-flags not from 0 to 255'],
      ['negative tcp-flags', { tcp_flags: '-2' }, 'tcp-flags not a number'],
      ['a direction that is neither ingress nor egress', { flow_direction: 'sideways' }, 'flow-direction not ingress or egress'],
    ])(
      'an aggregate with %s, which the query should have counted, is counted by the same reason, never read as a flow',
      (_, change, reason) => {
        const parser = new AthenaRowParser();
        parser.acceptHeader(headerRow);
        const row = aggregateRow(0);
        for (const [column, value] of Object.entries(change))
          row.Data![FLOW_AGGREGATE_COLUMNS.indexOf(column as never)] = { VarCharValue: value };
        expect(parser.parse(row, 5)).toEqual({ kind: 'unread', reason, records: 3 });
      },
    );

    it('an aggregate of ICMP (ports 0), of IPv6, or of a protocol without ports stays an aggregate', () => {
      const parser = new AthenaRowParser();
      parser.acceptHeader(headerRow);
      const icmp = aggregateRow(0);
      const set = (row: typeof icmp, column: string, value: string | undefined) =>
        (row.Data![FLOW_AGGREGATE_COLUMNS.indexOf(column as never)] = value === undefined ? {} : { VarCharValue: value });
      set(icmp, 'protocol', '1');
      set(icmp, 'srcport', '0');
      set(icmp, 'dstport', '0');
      set(icmp, 'service_port_side', undefined);
      set(icmp, 'ephemeral_port_min', undefined);
      set(icmp, 'ephemeral_port_max', undefined);
      expect(aggregateOf(parser.parse(icmp, 1))).toMatchObject({ protocol: 1, srcport: 0, dstport: 0 });
      const gre = aggregateRow(0);
      set(gre, 'protocol', '47');
      set(gre, 'srcaddr', '2001:db8::7');
      set(gre, 'dstaddr', '2001:db8:0:1::10');
      for (const column of ['srcport', 'dstport', 'service_port_side', 'ephemeral_port_min', 'ephemeral_port_max'])
        set(gre, column, undefined);
      expect(aggregateOf(parser.parse(gre, 2))).toMatchObject({ protocol: 47, srcport: null, srcaddr: '2001:db8::7' });
    });

    it('a row without unread_reason is an aggregate, as before', () => {
      const parser = new AthenaRowParser();
      parser.acceptHeader(headerRow);
      expect(parser.parse(aggregateRow(0), 1).kind).toBe('aggregate');
    });

    it.each([
      ['an unknown reason', 'it was Tuesday', '4'],
      ['no count', 'skipdata', undefined],
      ['a zero count', 'skipdata', '0'],
      ['a count that is not a number', 'no protocol', 'several'],
    ])('refuses a count row with %s', (_, reason, records) => {
      const parser = new AthenaRowParser();
      parser.acceptHeader(headerRow);
      const row = unreadRow('skipdata', 1);
      row.Data![FLOW_AGGREGATE_COLUMNS.indexOf('unread_reason')] = { VarCharValue: reason };
      row.Data![FLOW_AGGREGATE_COLUMNS.indexOf('records')] = records === undefined ? {} : { VarCharValue: records };
      expect(() => parser.parse(row, 9)).toThrow(/row 9 is not a count of records left out/);
    });

    it('refuses a header without unread_reason: counts would be read as aggregates', () => {
      const header = { Data: headerRow.Data!.filter((d) => d.VarCharValue !== 'unread_reason') };
      expect(() => new AthenaRowParser().acceptHeader(header)).toThrow(/lacks columns unread_reason/);
    });
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
