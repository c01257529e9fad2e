import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';

import { isoSeconds } from '../../../../src/engine/findings/iso-time.util';
import { DEFAULT_FORMAT, MAX_EPOCH_SECONDS, parseLogFormat } from '../../../../src/engine/flow-log/flow-log-fields';
import { ActionToken, createActionScanner, createFlowLineScanner } from '../../../../src/engine/flow-log/flow-line-scanner';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import { isIpAddress, isIpv4Address, isIpv6Address } from '../../../../src/engine/ip/ip-address';

const parse = createLineParser();

function ok(line: string, parser = parse) {
  const result = parser(line);
  if (!result.ok) throw new Error(`expected ${line} to parse: ${result.error}`);
  return result.record;
}

describe('createLineParser: AWS documentation examples (default format)', () => {
  it('accepted SSH traffic', () => {
    expect(
      ok('2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK'),
    ).toEqual({
      version: 2,
      'account-id': '123456789010',
      'interface-id': 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010,
      end: 1418530070,
      action: 'ACCEPT',
      'log-status': 'OK',
    });
  });

  it('rejected RDP traffic', () => {
    expect(
      ok('2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK'),
    ).toMatchObject({ action: 'REJECT', dstport: 3389, srcaddr: '172.31.9.69' });
  });

  it.each(['NODATA', 'SKIPDATA'])('%s records parse with null flow fields', (status) => {
    const record = ok(`2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - ${status}`);
    expect(record).toMatchObject({
      'log-status': status,
      srcaddr: null,
      dstaddr: null,
      srcport: null,
      protocol: null,
      action: null,
      start: 1431280876,
    });
  });

  it('ICMP ping accepted inbound, its reply rejected by the NACL', () => {
    const ping = ok('2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK');
    const reply = ok('2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK');
    expect([ping.protocol, ping.action, reply.action, reply.srcaddr]).toEqual([1, 'ACCEPT', 'REJECT', '172.31.16.139']);
  });

  it('IPv6 traffic', () => {
    const record = ok(
      '2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK',
    );
    expect(record.srcaddr).toBe('2001:db8:1234:a100:8d6e:3477:df66:f105');
  });
});

describe('createLineParser: custom formats from the documentation', () => {
  it('TCP flag sequence (version 3), including the doubled space the guide prints', () => {
    const parser = createLineParser(
      parseLogFormat(
        'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status',
      ),
    );
    const synAckFin = ok(
      '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK',
      parser,
    );
    expect(synAckFin).toMatchObject({ 'tcp-flags': 19, type: 'IPv4', 'vpc-id': 'vpc-abcdefab012345678', bytes: 967, packets: 14 });
  });

  it('NAT gateway interface (no version, instance-id "-")', () => {
    const parser = createLineParser(['instance-id', 'interface-id', 'srcaddr', 'dstaddr', 'pkt-srcaddr', 'pkt-dstaddr']);
    expect(ok('- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5', parser)).toEqual({
      'instance-id': null,
      'interface-id': 'eni-1235b8ca123456789',
      srcaddr: '10.0.1.5',
      dstaddr: '10.0.0.220',
      'pkt-srcaddr': '10.0.1.5',
      'pkt-dstaddr': '203.0.113.5',
    });
  });

  it('transit gateway format with tcp-flags before type', () => {
    const parser = createLineParser(
      '${version} ${interface-id} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${action} ${log-status}',
    );
    const record = ok(
      '3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK',
      parser,
    );
    expect(record).toMatchObject({ 'instance-id': null, 'tcp-flags': 3, 'pkt-srcaddr': '10.20.33.164' });
  });

  it('version 5 and 8 fields: flow-direction, traffic-path, reject-reason BPA', () => {
    const parser = createLineParser(
      'version interface-id srcaddr dstaddr srcport dstport protocol action log-status flow-direction traffic-path reject-reason',
    );
    expect(ok('8 eni-0a 198.51.100.7 10.1.0.5 51000 443 6 REJECT OK ingress - BPA', parser)).toMatchObject({
      'flow-direction': 'ingress',
      'traffic-path': null,
      'reject-reason': 'BPA',
    });
    expect(ok('8 eni-0a 10.1.0.5 10.1.0.9 443 41000 6 REJECT OK egress 1 -', parser)).toMatchObject({
      'flow-direction': 'egress',
      'traffic-path': 1,
      'reject-reason': null,
    });
  });

  it('accepts CRLF line endings', () => {
    expect(ok('2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 REJECT OK\r').action).toBe('REJECT');
  });

  it('reads a tab before or after the fields as the blank it is, like tabs between them', () => {
    const fields = '2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 REJECT OK';
    for (const line of [`${fields}\t`, `\t${fields}`, `${fields}\t\r`, fields.replace(/ /g, '\t')]) {
      expect(ok(line)).toEqual(ok(fields));
    }
  });
});

describe('createLineParser: malformed lines', () => {
  const base = [
    '2',
    '123456789010',
    'eni-1',
    '10.0.0.1',
    '10.0.0.2',
    '40000',
    '443',
    '6',
    '1',
    '60',
    '1700000000',
    '1700000060',
    'REJECT',
    'OK',
  ];
  const withField = (i: number, value: string): string => base.map((v, j) => (j === i ? value : v)).join(' ');

  it.each([
    ['too few fields', base.slice(0, 13).join(' '), /expected 14 fields, found 13/],
    ['too many fields', [...base, 'extra'].join(' '), /expected 14 fields, found 15/],
    ['non-numeric port', withField(5, '4x000'), /srcport: "4x000" is not a whole number from 0 to 65535/],
    ['negative bytes', withField(9, '-60'), /bytes: "-60" is not a whole number/],
    ['port out of range', withField(6, '65536'), /dstport/],
    ['protocol out of range', withField(7, '256'), /protocol/],
    ['decimal packets', withField(8, '1.5'), /packets/],
    ['overflowing start', withField(10, '99999999999999999999'), /start/],
    ['unknown action', withField(12, 'DROP'), /action: "DROP" is not one of ACCEPT, REJECT/],
    ['lowercase log-status', withField(13, 'ok'), /log-status/],
    ['bad IPv4', withField(3, '10.0.0.256'), /srcaddr: "10.0.0.256" is not an IPv4 or IPv6 address/],
    ['bad IPv6', withField(4, '2001:db8::1::2'), /dstaddr/],
    ['empty line', '', /expected 14 fields, found 0/],
  ])('%s', (_name, line, error) => {
    const result = parse(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => {
        const result = parse(line);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary bytes decoded as text, or on lines of near-valid tokens', () => {
    const token = fc.oneof(
      fc.constantFrom('-', 'ACCEPT', 'REJECT', 'OK', 'NODATA', '10.0.0.1', '::1', '2001:db8::', '65535', '99999999999999999', ''),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(token, { maxLength: 20 }), (bytes, tokens) => {
        expect(typeof parse(Buffer.from(bytes).toString('utf8')).ok).toBe('boolean');
        expect(typeof parse(tokens.join(' ')).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('address validation', () => {
  it('accepts every IPv4 and IPv6 address fast-check generates, as ipaddr.js reads them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        expect(isIpAddress(address)).toBe(true);
        expect(ipaddr.isValid(address)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('only accepts what ipaddr.js also accepts', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 40 }), (text) => {
        if (isIpAddress(text)) expect(ipaddr.isValid(text)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['10.0.0.1', true],
    ['255.255.255.255', true],
    ['0.0.0.0', true],
    ['010.0.0.1', false],
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['1.2.3.256', false],
  ])('IPv4 %s → %s', (text, valid) => expect(isIpv4Address(text)).toBe(valid));

  it.each([
    ['::', true],
    ['::1', true],
    ['2001:db8::', true],
    ['::ffff:10.0.0.1', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    ['12345::', false],
    ['10.0.0.1::', false],
    ['1:2:3:4:5:6:7::8', false],
  ])('IPv6 %s → %s', (text, valid) => expect(isIpv6Address(text)).toBe(valid));
});

describe('createActionScanner', () => {
  const bytes = (line: string): Buffer => Buffer.from(line);
  const scan = createActionScanner(DEFAULT_FORMAT)!;
  const scanAt = (line: string): number => scan(bytes(line), 0, Buffer.byteLength(line));

  it('finds the action of default-format lines from the end', () => {
    expect(scanAt('2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 REJECT OK')).toBe(ActionToken.Reject);
    expect(scanAt('2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\r')).toBe(ActionToken.Accept);
    expect(scanAt('2 1 eni-a - - - - - - - 1 2 - NODATA')).toBe(ActionToken.Other);
    expect(scanAt('REJECT')).toBe(ActionToken.Other);
    expect(scanAt('')).toBe(ActionToken.Other);
  });

  it('finds the action from the start when it is nearer the start', () => {
    const format = parseLogFormat('action interface-id srcaddr dstaddr srcport dstport protocol packets bytes start');
    const scanner = createActionScanner(format)!;
    const line = 'REJECT eni-a 10.0.0.1 10.0.0.2 1 2 6 1 1 1';
    expect(scanner(bytes(line), 0, line.length)).toBe(ActionToken.Reject);
  });

  it('is null for a format without action', () => {
    expect(createActionScanner(parseLogFormat('srcaddr dstaddr'))).toBeNull();
  });

  it('agrees with the full parser on every valid line, within a larger buffer', () => {
    const line = fc
      .tuple(fc.constantFrom('ACCEPT', 'REJECT'), fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.constantFrom(' ', '  '))
      .map(([action, src, dst, port, sep]) =>
        ['2', '123456789010', 'eni-0abc', src, dst, String(port), '443', '6', '3', '180', '1700000000', '1700000060', action, 'OK'].join(
          sep,
        ),
      );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), line, fc.string({ maxLength: 20 }), (before, text, after) => {
        const buffer = Buffer.from(`${before}\n${text}\n${after}`);
        const start = Buffer.byteLength(before) + 1;
        const end = start + Buffer.byteLength(text);
        const record = ok(text);
        expect(scan(buffer, start, end)).toBe(record.action === 'REJECT' ? ActionToken.Reject : ActionToken.Accept);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = data.length ? a % data.length : 0;
        const end = data.length ? start + (b % (data.length - start + 1)) : 0;
        expect([0, 1, 2]).toContain(scan(data, start, end));
      }),
    );
  });
});

describe('capture times (start, end): Unix seconds up to 9999-12-31T23:59:59Z', () => {
  const scanner = createFlowLineScanner(DEFAULT_FORMAT);
  const lineAt = (start: string, end: string): string =>
    `2 123456789010 eni-0abc 10.0.0.1 10.0.0.2 40000 443 6 3 180 ${start} ${end} REJECT OK`;
  const scans = (line: string): boolean => scanner(Buffer.from(line), 0, Buffer.byteLength(line)) !== null;

  it('the last second is 9999-12-31T23:59:59Z', () => {
    expect(isoSeconds(MAX_EPOCH_SECONDS)).toBe('9999-12-31T23:59:59Z');
  });

  it.each([
    ['start', lineAt('253402300800', '1700000060')],
    ['end', lineAt('1700000000', '253402300800')],
    ['start', lineAt('8640000000001', '8640000000001')],
    ['start', lineAt('9007199254740991', '1700000060')],
  ])('a %s past it makes the line malformed, in the parser and the byte scanner alike', (field, line) => {
    const result = parse(line);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^${field}: ".*" is not a time in Unix seconds`)) });
    expect(scans(line)).toBe(false);
  });

  it('every second up to it is read, formats as a date-time, and the scanner agrees; none after it is', () => {
    const seconds = fc.oneof(
      fc.integer({ min: MAX_EPOCH_SECONDS - 1000, max: MAX_EPOCH_SECONDS + 1000 }),
      fc.integer({ min: 0, max: MAX_EPOCH_SECONDS }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.constantFrom(0, MAX_EPOCH_SECONDS, MAX_EPOCH_SECONDS + 1, 8_640_000_000_000, 8_640_000_000_001),
    );
    fc.assert(
      fc.property(seconds, fc.boolean(), (t, inEnd) => {
        const line = inEnd ? lineAt('0', String(t)) : lineAt(String(t), String(t));
        const valid = t <= MAX_EPOCH_SECONDS;
        const result = parse(line);
        expect(result.ok).toBe(valid);
        expect(scans(line)).toBe(valid);
        if (result.ok) {
          const value = inEnd ? result.record.end : result.record.start;
          expect(isoSeconds(value as number)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a capture window that ends before it starts', () => {
  // The guide: `start` is when the first packet of the window was received, `end` when the last was.
  const time = fc.oneof(
    { weight: 1, arbitrary: fc.constant('-') },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000_000_000 }).map(String) },
    { weight: 2, arbitrary: fc.integer({ min: 1_700_000_000, max: 1_700_000_120 }).map(String) },
  );
  const status = fc.constantFrom('OK', 'NODATA', 'SKIPDATA');

  it('is malformed in the parser and the byte scanner alike, and the reason names both times', () => {
    const formats = [DEFAULT_FORMAT, parseLogFormat('${end} ${interface-id} ${start} ${action} ${log-status}')];
    fc.assert(
      fc.property(fc.constantFrom(0, 1), time, time, status, (which, start, end, logStatus) => {
        const format = formats[which];
        const line =
          which === 0
            ? `2 123456789010 eni-0abc 10.0.0.1 10.0.0.2 40000 443 6 3 180 ${start} ${end} REJECT ${logStatus}`
            : `${end} eni-0abc ${start} REJECT ${logStatus}`;
        // Reference: both times known and the first after the last.
        const inverted = start !== '-' && end !== '-' && Number(start) > Number(end);
        const result = createLineParser(format)(line);
        expect(result.ok).toBe(!inverted);
        if (!result.ok) expect(result.error).toBe(`start: ${start} is after end ${end}: a capture window cannot end before it starts`);
        const scanned = createFlowLineScanner(format)(Buffer.from(line), 0, line.length);
        expect(scanned === null).toBe(inverted);
      }),
      { numRuns: 2000 },
    );
  });

  it('a window of one second (start equal to end) is read', () => {
    expect(ok('2 123456789010 eni-0abc 10.0.0.1 10.0.0.2 40000 443 6 3 180 1700000000 1700000000 REJECT OK')).toMatchObject({
      start: 1700000000,
      end: 1700000000,
    });
  });
});

describe('counts (packets, bytes): 64-bit integers up to 2^63 - 1, read as the nearest double', () => {
  const scanner = createFlowLineScanner(DEFAULT_FORMAT);
  const lineWith = (packets: string, bytes: string): string =>
    `2 123456789010 eni-0abc 10.0.0.1 10.0.0.2 40000 443 6 ${packets} ${bytes} 1700000000 1700000060 REJECT OK`;
  const scanned = (line: string) => {
    const flow = scanner(Buffer.from(line), 0, Buffer.byteLength(line));
    return flow && { packets: flow.packets, bytes: flow.byteCount };
  };
  const MAX_COUNT = 2n ** 63n - 1n;

  it.each([
    ['9007199254740992', 2 ** 53],
    ['9007199254740993', 2 ** 53],
    ['9007199254740995', 2 ** 53 + 4],
    ['12345678901234567', 12345678901234568],
    ['9223372036854775807', 2 ** 63],
    ['0000000000000000001', 1],
  ])('%s is read as %d, by the parser and the byte scanner alike', (token, value) => {
    for (const line of [lineWith(token, '60'), lineWith('3', token)]) {
      const record = ok(line);
      const [packets, bytes] = line === lineWith(token, '60') ? [value, 60] : [3, value];
      expect([record.packets, record.bytes]).toEqual([packets, bytes]);
      expect(scanned(line)).toEqual({ packets, bytes });
    }
  });

  it.each([
    ['9223372036854775808', /packets: "9223372036854775808" is larger than 9223372036854775807, the largest count/],
    ['18446744073709551615', /packets: "18446744073709551615" is larger than 9223372036854775807, the largest count/],
    ['00000000000000000001', /packets: "00000000000000000001" is larger than 9223372036854775807|is not a whole number/],
    ['-1', /packets: "-1" is not a whole number/],
    ['1e3', /packets: "1e3" is not a whole number/],
    ['+3', /packets: "\+3" is not a whole number/],
    ['1.5', /packets: "1.5" is not a whole number/],
  ])('%s makes the line malformed in both', (token, error) => {
    const line = lineWith(token, '60');
    expect(parse(line)).toEqual({ ok: false, error: expect.stringMatching(error) });
    expect(scanned(line)).toBeNull();
  });

  it('no other field is widened: ports, protocol, times and traffic-path keep their limits', () => {
    const format = parseLogFormat('srcport protocol start traffic-path packets');
    const parser = createLineParser(format);
    const lineScanner = createFlowLineScanner(format);
    for (const line of [
      '65536 6 1700000000 1 1',
      '1 9007199254740993 1700000000 1 1',
      '1 6 9007199254740993 1 1',
      '1 6 1700000000 9007199254740992 1',
    ]) {
      expect(parser(line).ok, line).toBe(false);
      expect(lineScanner(Buffer.from(line), 0, line.length), line).toBeNull();
    }
    expect(parser('1 6 1700000000 9007199254740991 9223372036854775807')).toMatchObject({ ok: true, record: { packets: 2 ** 63 } });
  });

  it('any run of up to 20 digits: both read the same, the nearest double when at most 2^63 - 1, malformed otherwise', () => {
    const digits = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
      fc.bigInt({ min: MAX_COUNT - 5000n, max: MAX_COUNT + 5000n }).map(String),
      fc.bigInt({ min: 2n ** 53n - 50n, max: 2n ** 53n + 50n }).map(String),
      fc.stringMatching(/^[0-9]{1,20}$/),
    );
    fc.assert(
      fc.property(digits, fc.boolean(), (token, inBytes) => {
        const line = inBytes ? lineWith('1', token) : lineWith(token, '1');
        const valid = token.length <= 19 && BigInt(token) <= MAX_COUNT;
        const result = parse(line);
        expect(result.ok).toBe(valid);
        const flow = scanned(line);
        if (!result.ok) {
          expect(flow).toBeNull();
          return;
        }
        const value = inBytes ? result.record.bytes : result.record.packets;
        expect(value).toBe(Number(token));
        expect(flow).toEqual({ packets: result.record.packets, bytes: result.record.bytes });
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ids and names are printable ASCII; tag values are free text', () => {
  const scanner = createFlowLineScanner(DEFAULT_FORMAT);
  const lineWith = (eni: string): string => `2 123456789010 ${eni} 10.0.0.1 10.0.0.2 40000 443 6 3 180 1700000000 1700000060 REJECT OK`;
  const scans = (line: string): boolean => scanner(Buffer.from(line), 0, Buffer.byteLength(line)) !== null;

  it.each([
    ['an escape sequence and a bell', 'eni-\u001b]0;pwned\u0007\u001b[31mRED'],
    ['a byte that is not UTF-8 (read as U+FFFD)', Buffer.from([0x65, 0x6e, 0x69, 0x2d, 0xff, 0xfe, 0x31]).toString('utf8')],
    ['a letter outside ASCII', 'eni-ü'],
    ['DEL', 'eni-a\u007f'],
    ['a carriage return inside the id', 'eni-a\rb'],
  ])('an interface-id with %s makes the line malformed, in the parser and the byte scanner alike', (_name, eni) => {
    const line = lineWith(eni);
    const result = parse(line);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^interface-id: ".*" is not printable ASCII/) });
    expect(scans(line)).toBe(false);
  });

  it('every field of ids and names holds to it; the tags and unknown fields do not', () => {
    const format = parseLogFormat(
      'version account-id interface-id vpc-id subnet-id instance-id region ecs-cluster-name instance-tag future-field',
      {
        unknownFields: 'keep',
      },
    );
    const parser = createLineParser(format);
    expect(ok('5 unknown eni-a vpc-a subnet-a i-a us-east-1 my_cluster-1 Büro\u0007 ü', parser)).toMatchObject({
      'account-id': 'unknown',
      'instance-tag': 'Büro\u0007',
      'future-field': 'ü',
    });
    for (const name of ['account-id', 'interface-id', 'vpc-id', 'subnet-id', 'instance-id', 'region', 'ecs-cluster-name']) {
      const tokens = '5 unknown eni-a vpc-a subnet-a i-a us-east-1 my_cluster-1 tag x'.split(' ');
      tokens[format.positions[name]] += '\u001b';
      const result = parser(tokens.join(' '));
      expect(result.ok ? null : result.error).toMatch(new RegExp(`^${name}: `));
    }
  });
});
