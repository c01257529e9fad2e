import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compareAggregates, FlowAggregator, recordToFlow } from '../../../../src/engine/flow-log/flow-aggregator';
import type { FlowRecord } from '../../../../src/engine/flow-log/flow-record';
import { collapsePorts } from '../../../../src/engine/flow-log/port-collapse';

const rec = (over: Partial<FlowRecord>): FlowRecord => ({
  version: 2,
  'account-id': '111122223333',
  'interface-id': 'eni-a',
  srcaddr: '10.0.0.9',
  dstaddr: '10.0.0.5',
  srcport: 41000,
  dstport: 8080,
  protocol: 6,
  packets: 3,
  bytes: 180,
  start: 1700000000,
  end: 1700000060,
  action: 'REJECT',
  'log-status': 'OK',
  ...over,
});

describe('collapsePorts', () => {
  it.each([
    [6, 41000, 8080, { srcport: null, dstport: 8080, servicePortSide: 'dst', ephemeralPort: 41000 }],
    [6, 8080, 41000, { srcport: 8080, dstport: null, servicePortSide: 'src', ephemeralPort: 41000 }],
    [17, 53, 1024, { srcport: 53, dstport: null, servicePortSide: 'src', ephemeralPort: 1024 }],
    [17, 123, 123, { srcport: 123, dstport: 123, servicePortSide: null, ephemeralPort: null }],
    [6, 1023, 22, { srcport: 1023, dstport: 22, servicePortSide: null, ephemeralPort: null }],
    [132, 5000, 5000, { srcport: null, dstport: 5000, servicePortSide: 'dst', ephemeralPort: 5000 }],
    [6, null, 443, { srcport: null, dstport: 443, servicePortSide: null, ephemeralPort: null }],
    [1, 0, 0, { srcport: null, dstport: null, servicePortSide: null, ephemeralPort: null }],
    [58, 0, 0, { srcport: null, dstport: null, servicePortSide: null, ephemeralPort: null }],
  ] as const)('protocol %s %s → %s', (protocol, src, dst, expected) => {
    expect(collapsePorts(protocol, src, dst)).toEqual(expected);
  });
});

describe('FlowAggregator', () => {
  it('sums records of one key, collapses the ephemeral side and keeps its range', () => {
    const agg = new FlowAggregator();
    agg.add(rec({ srcport: 41000, packets: 3, bytes: 180, start: 100, end: 160 }));
    agg.add(rec({ srcport: 33000, packets: 1, bytes: 60, start: 50, end: 110 }));
    agg.add(rec({ srcport: 50000, packets: 2, bytes: 120, start: 200, end: 260 }));
    expect(agg.aggregates()).toEqual([
      expect.objectContaining({
        interfaceId: 'eni-a',
        srcport: 33000,
        dstport: 8080,
        servicePortSide: 'dst',
        ephemeralPortMin: 33000,
        ephemeralPortMax: 50000,
        records: 3,
        packets: 6,
        bytes: 360,
        firstSeen: 50,
        lastSeen: 260,
        accountId: '111122223333',
      }),
    ]);
  });

  it('keeps exact ports apart when neither is ephemeral', () => {
    const agg = new FlowAggregator();
    agg.add(rec({ srcport: 1023, dstport: 22 }));
    agg.add(rec({ srcport: 1022, dstport: 22 }));
    expect(agg.aggregates().map((a) => [a.srcport, a.dstport, a.servicePortSide])).toEqual([
      [1022, 22, null],
      [1023, 22, null],
    ]);
  });

  it('keeps only the requested actions and skips records that carry no flow', () => {
    const rejectOnly = new FlowAggregator();
    expect(rejectOnly.add(rec({ action: 'ACCEPT' }))).toBe(false);
    expect(rejectOnly.add(rec({ 'log-status': 'NODATA', action: null, srcaddr: null }))).toBe(false);
    expect(rejectOnly.add(rec({ 'interface-id': null }))).toBe(false);
    expect(rejectOnly.add(rec({}))).toBe(true);
    const both = new FlowAggregator({ actions: ['REJECT', 'ACCEPT'] });
    both.add(rec({ action: 'ACCEPT' }));
    both.add(rec({}));
    expect(both.aggregates().map((a) => a.action)).toEqual(['ACCEPT', 'REJECT']);
  });

  it('ORs tcp-flags, keeps reject-reason only when all records agree, keys on flow-direction', () => {
    const agg = new FlowAggregator();
    agg.add(rec({ 'tcp-flags': 2, 'reject-reason': 'BPA', 'flow-direction': 'ingress' }));
    agg.add(rec({ 'tcp-flags': 1, 'reject-reason': 'BPA', 'flow-direction': 'ingress', srcport: 41001 }));
    agg.add(rec({ 'tcp-flags': 18, 'reject-reason': 'BPA', 'flow-direction': 'egress' }));
    agg.add(rec({ 'tcp-flags': 18, 'reject-reason': null, 'flow-direction': 'egress', srcport: 41002 }));
    const [egress, ingress] = agg.aggregates().sort((a, b) => (a.flowDirection! < b.flowDirection! ? -1 : 1));
    expect(ingress).toMatchObject({ flowDirection: 'ingress', tcpFlags: 3, rejectReason: 'BPA', records: 2 });
    expect(egress).toMatchObject({ flowDirection: 'egress', tcpFlags: 18, rejectReason: null, records: 2 });
  });

  it('has null tcp-flags when the format lacks them, and null ports for ICMP', () => {
    const agg = new FlowAggregator();
    agg.add(rec({ protocol: 1, srcport: 0, dstport: 0 }));
    expect(agg.aggregates()[0]).toMatchObject({ tcpFlags: null, srcport: null, dstport: null, servicePortSide: null });
  });

  it('matches a simple reference aggregation on random records', () => {
    const record = fc.record({
      'interface-id': fc.constantFrom('eni-a', 'eni-b'),
      srcaddr: fc.constantFrom('10.0.0.1', '10.0.0.2', '203.0.113.9'),
      dstaddr: fc.constantFrom('10.0.0.5', '10.0.0.6'),
      srcport: fc.oneof(fc.constantFrom(22, 443, 1023, 1024), fc.integer({ min: 0, max: 65535 }), fc.constant(null)),
      dstport: fc.oneof(fc.constantFrom(22, 443, 8080, 1024), fc.integer({ min: 0, max: 65535 })),
      protocol: fc.constantFrom(1, 6, 17, 132, 58),
      packets: fc.nat(1000),
      bytes: fc.nat(100000),
      start: fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }),
      action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
      'tcp-flags': fc.oneof(fc.constant(null), fc.nat(63)),
      'flow-direction': fc.constantFrom('ingress' as const, 'egress' as const, null),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), (raw) => {
        const records = raw.map((r) => rec({ ...r, end: r.start + 60 }));
        const agg = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
        records.forEach((r) => agg.add(r));

        // Reference: group by the rule written out plainly, then sum.
        const groups = new Map<string, FlowRecord[]>();
        for (const r of records) {
          const ported = [6, 17, 132].includes(r.protocol as number);
          const both = ported && r.srcport !== null && r.dstport !== null;
          const src = r.srcport as number;
          const dst = r.dstport as number;
          const serviceSrc = both && src < dst;
          const collapse = both && (serviceSrc ? dst : src) >= 1024;
          const ports = !ported ? 'none' : collapse ? (serviceSrc ? `s${src}` : `d${dst}`) : `${r.srcport}/${r.dstport}`;
          const key = [r['interface-id'], r['flow-direction'], r.srcaddr, r.dstaddr, r.protocol, ports, r.action].join('|');
          groups.set(key, [...(groups.get(key) ?? []), r]);
        }
        const out = agg.aggregates();
        expect(out.length).toBe(groups.size);
        const totals = (rs: FlowRecord[]) => ({
          records: rs.length,
          packets: rs.reduce((s, r) => s + (r.packets as number), 0),
          bytes: rs.reduce((s, r) => s + (r.bytes as number), 0),
          firstSeen: Math.min(...rs.map((r) => r.start as number)),
          lastSeen: Math.max(...rs.map((r) => r.end as number)),
        });
        const expected = [...groups.values()].map(totals).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        const actual = out
          .map((a) => ({ records: a.records, packets: a.packets, bytes: a.bytes, firstSeen: a.firstSeen, lastSeen: a.lastSeen }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(actual).toEqual(expected);
        for (const a of out) {
          if (a.servicePortSide !== null) {
            const representative = a.servicePortSide === 'dst' ? a.srcport : a.dstport;
            expect(representative).toBe(a.ephemeralPortMin);
            expect(a.ephemeralPortMin! >= 1024 && a.ephemeralPortMin! <= a.ephemeralPortMax!).toBe(true);
          }
        }
        // Deterministic: the same records in another order give the same aggregates.
        const reversed = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
        [...records].reverse().forEach((r) => reversed.add(r));
        expect(reversed.aggregates()).toEqual(out);
      }),
      { numRuns: 300 },
    );
  });

  it('sums counts past 32 bits, fractions and -0 as float64 does, in the chunk that holds them and beside the ones that fit, and ORs wide tcp-flags', () => {
    const value = fc.oneof(
      fc.nat(1000),
      fc.constantFrom(0, -0, 0.5, 2 ** 32 - 1, 2 ** 32, 3_000_000_000, 2 ** 53 - 1),
      fc.double({ min: 0, max: 1e12, noNaN: true }),
    );
    const record = fc.record({
      srcaddr: fc.constantFrom('10.0.0.1', '10.0.0.2', '203.0.113.9'),
      packets: value,
      bytes: value,
      start: fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 5e9, 1.5)),
      'tcp-flags': fc.oneof(fc.constant(null), fc.nat(255), fc.constantFrom(0x7fffff, 0x800000, 0x7fffffff)),
    });
    // Keys before the random ones, so these share a chunk with entries that fit and the next chunk starts.
    const fitting = Array.from({ length: 8190 }, (_, i) => rec({ srcaddr: `10.1.${i >> 8}.${i & 255}`, packets: i, bytes: i * 40 }));
    const totals = (rs: FlowRecord[]) => {
      const sum = (field: 'packets' | 'bytes'): number => rs.slice(1).reduce((s, r) => s + (r[field] as number), rs[0][field] as number);
      return {
        records: rs.length,
        packets: sum('packets'),
        bytes: sum('bytes'),
        firstSeen: rs.slice(1).reduce((m, r) => ((r.start as number) < m ? (r.start as number) : m), rs[0].start as number),
        lastSeen: rs.slice(1).reduce((m, r) => ((r.end as number) > m ? (r.end as number) : m), rs[0].end as number),
        tcpFlags: rs.reduce<number | null>((f, r) => (typeof r['tcp-flags'] === 'number' ? (f ?? 0) | r['tcp-flags'] : f), null),
      };
    };
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.boolean(), (raw, before) => {
        const records = raw.map((r) => rec({ ...r, srcport: 41000, end: r.start + 60 }));
        const agg = new FlowAggregator();
        if (before) fitting.forEach((r) => agg.add(r));
        records.forEach((r) => agg.add(r));
        fitting.forEach((r) => agg.add(r));
        const expected = new Map<string, FlowRecord[]>();
        for (const r of before ? [...fitting, ...records, ...fitting] : [...records, ...fitting]) {
          expected.set(r.srcaddr as string, [...(expected.get(r.srcaddr as string) ?? []), r]);
        }
        const out = agg.takeAggregates();
        expect(out.length).toBe(expected.size);
        for (const a of out) {
          const { records: n, packets, bytes, firstSeen, lastSeen, tcpFlags } = a;
          expect({ records: n, packets, bytes, firstSeen, lastSeen, tcpFlags }).toEqual(totals(expected.get(a.srcaddr)!));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('releasing its tables chunk by chunk hands out the same aggregates as keeping them, over many entries', () => {
    const given = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'], hourly: true });
    const taken = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'], hourly: true });
    for (let i = 0; i < 30_000; i++) {
      const r = rec({
        srcaddr: `10.${(i * 7) % 200}.${i % 251}.${1 + (i % 3)}`,
        srcport: 1024 + (i % 5000),
        start: 1_700_000_000 + (i % 7) * 3600,
        action: i % 3 === 0 ? 'ACCEPT' : 'REJECT',
        'vpc-id': i % 2 ? `vpc-${i % 5}` : null,
      });
      given.add(r);
      taken.add(r);
    }
    const out = given.aggregates();
    expect(out.length).toBeGreaterThan(20_000);
    expect(taken.takeAggregates()).toEqual(out);
  });

  it('hands out its aggregates in compareAggregates order, the same when it releases its tables, with their hours', () => {
    const record = fc.record({
      'interface-id': fc.constantFrom('eni-b', 'eni-a', 'eni-a2'),
      srcaddr: fc.constantFrom('10.0.0.10', '10.0.0.9', '203.0.113.9', '2001:db8::1'),
      dstaddr: fc.constantFrom('10.0.0.5', '10.0.0.50', '10.0.0.6'),
      srcport: fc.constantFrom(0, 22, 1023, 1024, 5000, 65535, null),
      dstport: fc.constantFrom(0, 22, 1023, 1024, 5000, 65535, null),
      protocol: fc.constantFrom(0, 1, 6, 17, 132, 255),
      start: fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_700_030_000 }), fc.constant(null)),
      action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
      'flow-direction': fc.constantFrom('ingress' as const, 'egress' as const, null),
      packets: fc.oneof(fc.nat(1000), fc.constant(3_000_000_000)),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 80 }), (raw) => {
        const given = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'], hourly: true });
        const taken = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'], hourly: true });
        for (const r of raw) {
          const full = rec({ ...r, end: r.start === null ? null : r.start + 60 });
          given.add(full);
          taken.add(full);
        }
        const out = given.aggregates();
        expect(out).toEqual([...out].sort(compareAggregates));
        for (let i = 1; i < out.length; i++) expect(compareAggregates(out[i - 1], out[i])).toBeLessThan(0);
        expect(taken.takeAggregates()).toEqual(out);
        expect(taken.size).toBe(0);
        expect(taken.aggregates()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('recordToFlow', () => {
  it('converts one record without collapsing its ports', () => {
    expect(recordToFlow(rec({ 'tcp-flags': 2, 'vpc-id': 'vpc-1' }))).toMatchObject({
      srcport: 41000,
      dstport: 8080,
      servicePortSide: null,
      ephemeralPortMin: null,
      records: 1,
      tcpFlags: 2,
      vpcId: 'vpc-1',
      firstSeen: 1700000000,
      lastSeen: 1700000060,
    });
  });

  it('is null for records that carry no flow', () => {
    expect(recordToFlow(rec({ 'log-status': 'NODATA', action: null, srcaddr: null, dstaddr: null }))).toBeNull();
  });
});
