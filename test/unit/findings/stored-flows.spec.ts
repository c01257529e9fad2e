import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { STORED_FLOW_FIELDS, storedFlowRows, storedFlowsOf } from '../../../src/findings/stored-flows';

const text = fc.oneof(
  fc.constantFrom('eni-0a', '10.0.0.5', '2001:db8::1', '', 'tab\there "quoted" \\ \u00e9 \u{1f600}'),
  fc.string({ maxLength: 12 }),
);
const port = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 65535 }));
/** Numbers as JSON writes and reads them back (the column is JSON: NaN and infinities were never kept). */
const count = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(2 ** 53, 2 ** 32, -0, -1),
);

const flow: fc.Arbitrary<FlowAggregate> = fc
  .record({
    interfaceId: text,
    accountId: fc.option(text, { nil: null }),
    vpcId: fc.option(text, { nil: null }),
    subnetId: fc.option(text, { nil: null }),
    flowDirection: fc.constantFrom(null, 'ingress' as const, 'egress' as const),
    srcaddr: text,
    dstaddr: text,
    srcport: port,
    dstport: port,
    protocol: fc.integer({ min: 0, max: 255 }),
    action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
    tcpFlags: fc.option(fc.integer({ min: 0, max: 511 }), { nil: null }),
    rejectReason: fc.option(text, { nil: null }),
    servicePortSide: fc.constantFrom(null, 'src' as const, 'dst' as const),
    ephemeralPortMin: port,
    ephemeralPortMax: port,
    records: count,
    packets: count,
    bytes: count,
    firstSeen: count,
    lastSeen: count,
    hourly: fc.option(fc.array(fc.integer({ min: 0, max: 2e9 }), { maxLength: 6 }), { nil: undefined }),
  })
  .map(({ hourly, ...rest }) => (hourly === undefined ? rest : { ...rest, hourly }));

/** What PostgreSQL's jsonb gives back of a value written as JSON text. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('stored flows', () => {
  it('read back exactly as the same flows stored as objects read back', () => {
    fc.assert(
      fc.property(fc.array(flow, { maxLength: 6 }), (flows) => {
        expect(storedFlowsOf(throughJson(storedFlowRows(flows)))).toEqual(throughJson(flows));
      }),
      { numRuns: 2000 },
    );
  });

  it('hold each flow as one array of its values in the order of STORED_FLOW_FIELDS, its hours last', () => {
    fc.assert(
      fc.property(flow, (f) => {
        const [row] = storedFlowRows([f]);
        expect(row.slice(0, STORED_FLOW_FIELDS.length)).toEqual(STORED_FLOW_FIELDS.map((field) => f[field]));
        expect(row.length).toBe(STORED_FLOW_FIELDS.length + (f.hourly === undefined ? 0 : 1));
        if (f.hourly !== undefined) expect(row.at(-1)).toEqual(f.hourly);
      }),
      { numRuns: 500 },
    );
  });

  it('are less than two thirds of the bytes of the same flows as objects', () => {
    const f: FlowAggregate = {
      interfaceId: 'eni-0123456789abcdef0',
      accountId: '111122223333',
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: null,
      flowDirection: null,
      srcaddr: '198.51.100.7',
      dstaddr: '10.0.1.67',
      srcport: null,
      dstport: 8443,
      protocol: 6,
      action: 'REJECT',
      tcpFlags: 2,
      rejectReason: null,
      servicePortSide: 'src',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 60999,
      records: 12,
      packets: 30,
      bytes: 1800,
      firstSeen: 1_700_000_000,
      lastSeen: 1_700_003_000,
    };
    const flows = Array.from({ length: 20 }, () => f);
    expect(JSON.stringify(storedFlowRows(flows)).length).toBeLessThan((JSON.stringify(flows).length * 2) / 3);
  });

  it('read rows stored as objects as they are, beside rows stored as arrays', () => {
    const old = throughJson({ interfaceId: 'eni-0a', srcaddr: '10.0.0.9', dstaddr: '10.0.0.5', records: 3, hourly: [1_699_999_200, 3] });
    const [kept, fresh] = storedFlowsOf([old, ['eni-0b', null, null, null, 'ingress', '10.0.0.8', '10.0.0.5']]);
    expect(kept).toEqual(old);
    expect(fresh).toMatchObject({ interfaceId: 'eni-0b', flowDirection: 'ingress', srcaddr: '10.0.0.8', srcport: null, records: 0 });
    expect(fresh.hourly).toBeUndefined();
  });

  it('read anything but an array as no flows, and skip elements that are neither an array nor an object', () => {
    expect(storedFlowsOf(null)).toEqual([]);
    expect(storedFlowsOf({ interfaceId: 'eni-0a' })).toEqual([]);
    expect(storedFlowsOf('[]')).toEqual([]);
    expect(storedFlowsOf([null, 3, 'eni-0a'])).toEqual([]);
  });
});
