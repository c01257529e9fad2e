import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FlowAggregateStore, plainFlowAggregate } from '../../../../src/engine/flow-log/flow-aggregate-store';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';

/** Texts from a small pool, so that aggregates share them as a day's do, and sometimes a new one. */
const text = fc.oneof(fc.constantFrom('eni-a', 'eni-b', '10.0.0.5', '198.51.100.7', '2001:db8::1', ''), fc.string({ maxLength: 12 }));

/**
 * Addresses as flow logs write them (dotted quads, held as values) and forms that only look like
 * one (leading zeros, octal or hex parts, spaces, IPv4-mapped IPv6), which must come back as they were.
 */
const address = fc.oneof(
  text,
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.constantFrom('0.0.0.0', '255.255.255.255', '010.0.0.1', '1.2.3.04', '1.2.3.4 ', '1.2.3', '1.2.3.4.5', '256.0.0.1', '::ffff:1.2.3.4'),
);
const port = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 65535 }), fc.constantFrom(65536, -1, 80.5));
const anyNumber = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(2 ** 53, 1_699_920_000, -0, Number.MAX_VALUE, 2 ** 32 - 1, 2 ** 32, -1),
);
const hourly = fc.option(
  fc.array(fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.double(), fc.constantFrom(2 ** 32 - 1, 2 ** 32, -0, -3600)), { maxLength: 8 }),
  { nil: undefined },
);

/** Any FlowAggregate, with values the columns hold and values they cannot (kept as they came). */
const aggregate: fc.Arbitrary<FlowAggregate> = fc
  .record({
    interfaceId: text,
    accountId: fc.option(text, { nil: null }),
    vpcId: fc.option(text, { nil: null }),
    subnetId: fc.option(text, { nil: null }),
    flowDirection: fc.constantFrom(null, 'ingress' as const, 'egress' as const),
    srcaddr: address,
    dstaddr: address,
    srcport: port,
    dstport: port,
    protocol: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(256, -1, 6.5)),
    action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
    tcpFlags: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 511 }), fc.constantFrom(40000, -2)),
    rejectReason: fc.option(text, { nil: null }),
    servicePortSide: fc.constantFrom(null, 'src' as const, 'dst' as const),
    ephemeralPortMin: port,
    ephemeralPortMax: port,
    records: anyNumber,
    packets: anyNumber,
    bytes: anyNumber,
    firstSeen: anyNumber,
    lastSeen: anyNumber,
    hourly,
  })
  .map(({ hourly: hours, ...rest }) => (hours === undefined ? rest : { ...rest, hourly: hours }));

describe('FlowAggregateStore', () => {
  it('reads every aggregate back exactly as it was added, in the order added, field by field and as JSON', () => {
    fc.assert(
      fc.property(fc.array(aggregate, { maxLength: 60 }), (added) => {
        const store = new FlowAggregateStore();
        for (const flow of added) store.add(flow);
        expect(store.size).toBe(added.length);
        expect(store.length).toBe(added.length);
        const flows = Array.from({ length: store.length }, (_, row) => store.at(row)!);
        expect(store.at(store.length)).toBeUndefined();
        if (added.length) expect(plainFlowAggregate(store.at(-1)!)).toEqual(plainFlowAggregate(flows[flows.length - 1]));
        // Each read of a row is its own object, with the same fields.
        if (added.length) expect(JSON.stringify(store.at(0))).toBe(JSON.stringify(flows[0]));
        // Those the columns cannot hold come last, in their own order.
        const stored = flows.filter((flow) => !added.includes(flow));
        const kept = flows.filter((flow) => added.includes(flow));
        expect([...stored.map((flow) => plainFlowAggregate(flow)), ...kept]).toEqual([
          ...added.filter((flow) => !kept.includes(flow)),
          ...kept,
        ]);
        for (const flow of flows) {
          expect(JSON.parse(JSON.stringify(flow))).toEqual(JSON.parse(JSON.stringify(plainFlowAggregate(flow))));
          expect(Object.is(flow.records, plainFlowAggregate(flow).records)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds in its columns what a flow source gives, and keeps as it came only what they cannot hold', () => {
    const flow: FlowAggregate = {
      interfaceId: 'eni-a',
      accountId: '111122223333',
      vpcId: null,
      subnetId: null,
      flowDirection: 'ingress',
      srcaddr: '198.51.100.7',
      dstaddr: '10.0.0.5',
      srcport: null,
      dstport: 22,
      protocol: 6,
      action: 'REJECT',
      tcpFlags: 2,
      rejectReason: null,
      servicePortSide: 'dst',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 40100,
      records: 3,
      packets: 3,
      bytes: 180,
      firstSeen: 1_699_920_000,
      lastSeen: 1_699_920_060,
      hourly: [1_699_920_000, 3],
    };
    const store = new FlowAggregateStore();
    store.add(flow);
    store.add({ ...flow, dstport: 70000 });
    const [stored, kept] = [store.at(0)!, store.at(1)!];
    expect(stored).not.toBe(flow);
    expect(plainFlowAggregate(stored)).toEqual(flow);
    expect(kept.dstport).toBe(70000);
    // Records and times beyond what the whole-number columns hold are kept as they came.
    for (const odd of [
      { records: 2 ** 32 },
      { bytes: 2 ** 32 + 5 },
      { bytes: 1.5 },
      { packets: -1 },
      { packets: -0 },
      { firstSeen: 1_699_920_000.5 },
      { lastSeen: -0 },
      { hourly: [2 ** 32, 1] },
      { hourly: [1_699_920_000, 2 ** 32] },
      { hourly: [1_699_920_000, 1.5] },
    ]) {
      const other = new FlowAggregateStore();
      const flowWith = { ...flow, ...odd };
      other.add(flowWith);
      expect(other.at(0)).toBe(flowWith);
    }
    expect(plainFlowAggregate(stored, false)).not.toHaveProperty('hourly');
  });

  it('reads back aggregates over several chunks, with hours, reasons and flags on some of them only', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 4 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 65_536, max: 140_000 }),
        (pattern, count) => {
          const base = plainFlowAggregate(sample());
          const made = (i: number): FlowAggregate => {
            const [hours, reason, flags] = pattern[i % pattern.length];
            const flow: FlowAggregate = {
              ...base,
              interfaceId: `eni-${i % 7}`,
              srcport: i % 65_536,
              dstport: 443,
              protocol: 6,
              tcpFlags: flags ? i % 512 : null,
              rejectReason: reason ? `reason-${i % 3}` : null,
              ephemeralPortMin: null,
              ephemeralPortMax: null,
              flowDirection: 'ingress',
              servicePortSide: null,
              records: i + 1,
              packets: i,
              bytes: i * 40,
              firstSeen: 1_699_920_000 + i,
              lastSeen: 1_699_920_000 + i,
            };
            delete flow.hourly;
            if (hours > 0) flow.hourly = Array.from({ length: 2 * hours }, (_, k) => (k % 2 ? i + k : 1_699_920_000 + 1800 * k));
            return flow;
          };
          const store = new FlowAggregateStore();
          for (let i = 0; i < count; i++) store.add(made(i));
          expect(store.size).toBe(count);
          for (let i = 0; i < count; i += 1 + (i % 97)) expect(plainFlowAggregate(store.at(i)!)).toEqual(made(i));
          expect(plainFlowAggregate(store.at(count - 1)!)).toEqual(made(count - 1));
        },
      ),
      { numRuns: 4 },
    );
  });

  it('holds any whole-number hours and counts below 2^32 in its columns, in any order, and reads them back exactly', () => {
    const whole = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 127, 128, 2 ** 31, 2 ** 32 - 1));
    fc.assert(
      fc.property(fc.array(fc.tuple(whole, whole), { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (pairs, copies) => {
        const store = new FlowAggregateStore();
        // Numbers the columns hold, so that only the hours decide whether an aggregate is kept as it came.
        const held = { srcport: 443, dstport: 40000, protocol: 6, records: 1, packets: 1, bytes: 1, firstSeen: 1, lastSeen: 2 };
        const columns = Array.from({ length: copies }, () => ({
          ...plainFlowAggregate(sample()),
          ...held,
          tcpFlags: null,
          ephemeralPortMin: null,
          ephemeralPortMax: null,
          hourly: pairs.flat(),
        }));
        for (const flow of columns) store.add(flow);
        columns.forEach((flow, row) => {
          // Held in the columns: a new object, not the one added.
          expect(store.at(row)).not.toBe(flow);
          expect(store.at(row)!.hourly).toEqual(flow.hourly);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('takes no aggregate once a row was read', () => {
    const store = new FlowAggregateStore();
    store.add(plainFlowAggregate(sample()));
    store.at(0);
    expect(() => store.add(plainFlowAggregate(sample()))).toThrow(/cannot be added/);
  });
});

function sample(): FlowAggregate {
  return fc.sample(aggregate, { numRuns: 1, seed: 7 })[0];
}
