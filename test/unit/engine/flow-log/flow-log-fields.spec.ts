import { describe, expect, it } from 'vitest';

import {
  DEFAULT_FORMAT,
  FLOW_LOG_FIELDS,
  flowFieldSpec,
  isHeaderLine,
  parseLogFormat,
} from '../../../../src/engine/flow-log/flow-log-fields';
import { FlowLogFormatError } from '../../../../src/engine/flow-log/flow-log-format.error';

const V2 = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

describe('flow-log field catalog', () => {
  it('has the fourteen version-2 fields in the default format, in the documented order', () => {
    expect(DEFAULT_FORMAT.names.join(' ')).toBe(V2);
    expect(DEFAULT_FORMAT.version).toBe(2);
  });

  it.each([
    ['vpc-id', 3, 'string'],
    ['tcp-flags', 3, 'number'],
    ['pkt-dstaddr', 3, 'string'],
    ['sublocation-id', 4, 'string'],
    ['flow-direction', 5, 'string'],
    ['traffic-path', 5, 'number'],
    ['ecs-task-id', 7, 'string'],
    ['reject-reason', 8, 'string'],
    ['encryption-status', 10, 'number'],
  ])('knows %s (version %i, %s)', (name, version, type) => {
    expect(flowFieldSpec(name)).toMatchObject({ name, version, type });
  });

  it('names every field once', () => {
    const names = FLOW_LOG_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('parseLogFormat', () => {
  it('reads a DescribeFlowLogs LogFormat', () => {
    const format = parseLogFormat('${version} ${vpc-id} ${interface-id} ${srcaddr} ${action} ${flow-direction}');
    expect(format.names).toEqual(['version', 'vpc-id', 'interface-id', 'srcaddr', 'action', 'flow-direction']);
    expect(format.positions['action']).toBe(4);
    expect(format.version).toBe(5);
    expect(format.logFormat).toBe('${version} ${vpc-id} ${interface-id} ${srcaddr} ${action} ${flow-direction}');
  });

  it('reads a header line and the same format either way', () => {
    expect(parseLogFormat(V2).names).toEqual(parseLogFormat(DEFAULT_FORMAT.logFormat).names);
  });

  it('names unknown fields in a clear error', () => {
    expect(() => parseLogFormat('${version} ${srcaddr} ${src-address} ${bogus}')).toThrow(FlowLogFormatError);
    expect(() => parseLogFormat('${version} ${srcaddr} ${src-address} ${bogus}')).toThrow(/"src-address", "bogus"/);
  });

  it('keeps unknown fields when asked, as text, and lists them', () => {
    const format = parseLogFormat('${version} ${srcaddr} ${future-field}', { unknownFields: 'keep' });
    expect(format.unknown).toEqual(['future-field']);
    expect(format.fields[2]).toMatchObject({ name: 'future-field', type: 'string' });
    expect(format.version).toBe(2);
    expect(() => parseLogFormat('${version} ${Not A Field}', { unknownFields: 'keep' })).toThrow(/not a flow-log field name/);
  });

  it('refuses a Transit Gateway flow log format with the reason', () => {
    expect(() => parseLogFormat('version resource-type account-id tgw-id srcaddr', { unknownFields: 'keep' })).toThrow(
      /Transit Gateway flow log/,
    );
  });

  it('rejects an empty format and repeated fields', () => {
    expect(() => parseLogFormat('   ')).toThrow(/empty/);
    expect(() => parseLogFormat('srcaddr dstaddr srcaddr')).toThrow(/"srcaddr" appears more than once/);
  });
});

describe('isHeaderLine', () => {
  it.each([
    [V2, true],
    // DescribeFlowLogs prints the LogFormat with every field in ${}: the same header.
    [DEFAULT_FORMAT.logFormat, true],
    ['${version} ${vpc-id} ${interface-id} ${future-one}', true],
    ['${version} ${account-id} ${Not A Field}', false],
    ['${} ${}', false],
    ['instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr', true],
    ['2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA', false],
    ['version account-id hello', true],
    ['version account-id future-one future-two', true],
    // Fields AWS added after the catalog may outnumber those it knows (version 7 added ten at once).
    ['interface-id srcaddr dstaddr protocol action new-a new-b new-c new-d new-e new-f', true],
    ['${interface-id} ${future-one} ${future-two} ${future-three}', true],
    ['future-one future-two', false],
    ['eni-1 vpc-2', false],
    ['version 2', false],
    ['', false],
  ])('%s → %s', (line, expected) => {
    expect(isHeaderLine(line)).toBe(expected);
  });
});
