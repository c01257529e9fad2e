import { describe, expect, it } from 'vitest';

import { coverAddresses, isWorld } from '../../../../src/engine/ip/cidr-cover';
import { ephemeralRangeFor } from '../../../../src/engine/fixes/ephemeral-range.util';
import { freeRuleNumbersBefore } from '../../../../src/engine/fixes/rule-number.util';

const base = { maxPrefixes: 5, minPrefixLength: { 4: 8, 6: 32 } as const };

describe('coverAddresses', () => {
  it.each([
    { name: 'one host', addresses: ['10.0.0.5'], options: base, want: ['10.0.0.5/32'] },
    { name: 'few hosts stay hosts', addresses: ['10.0.0.5', '10.9.0.1'], options: base, want: ['10.0.0.5/32', '10.9.0.1/32'] },
    {
      name: 'close hosts become one range',
      addresses: ['10.20.10.11', '10.20.11.12', '10.20.10.12', '10.20.11.11'],
      options: { ...base, mergeWithin: { 4: 22, 6: 118 } },
      want: ['10.20.10.0/23'],
    },
    {
      name: 'a subnet replaces many of its hosts',
      addresses: ['10.1.2.1', '10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.7.0.1'],
      options: { ...base, subnets: ['10.1.2.0/24', '10.7.0.0/24'], subnetThreshold: 5 },
      want: ['10.1.2.0/24', '10.7.0.1/32'],
    },
    {
      name: 'IPv6 hosts',
      addresses: ['2001:db8:c0de:1::a1', '2001:db8:c0de:1::b2', '2001:db8:c0de:1::a7'],
      options: { ...base, mergeWithin: { 4: 22, 6: 118 } },
      want: ['2001:db8:c0de:1::a0/123'],
    },
    {
      name: 'never merges past the floor, even above maxPrefixes',
      addresses: ['10.0.0.1', '192.168.0.1'],
      options: { ...base, maxPrefixes: 1 },
      want: ['10.0.0.1/32', '192.168.0.1/32'],
    },
    {
      name: 'merges to maxPrefixes within the floor',
      addresses: ['10.0.0.1', '10.0.0.9', '10.0.1.1'],
      options: { ...base, maxPrefixes: 1 },
      want: ['10.0.0.0/23'],
    },
  ])('$name', ({ addresses, options, want }) => {
    expect(coverAddresses(addresses, options)).toEqual(want);
    expect(coverAddresses([...addresses].reverse(), options)).toEqual(want);
  });

  it('never returns the world for private addresses', () => {
    const addresses = ['10.0.0.1', '172.16.0.1', '192.168.1.1', '100.64.0.1', 'fd00::1', 'fc00::2'];
    const result = coverAddresses(addresses, { ...base, maxPrefixes: 1 });
    expect(result.some(isWorld)).toBe(false);
  });
});

describe('freeRuleNumbersBefore', () => {
  it.each([
    { name: 'after the last rule below the deny, in tens', used: [100, 200, 32767], before: 32767, count: 2, want: [210, 220] },
    { name: 'before an explicit deny', used: [100, 110, 120, 32767], before: 120, count: 1, want: [111] },
    { name: 'gap too small: nearest free numbers below', used: [1, 2, 3, 5], before: 5, count: 1, want: [4] },
    { name: 'takes numbers below earlier rules when it must', used: [2, 3, 4], before: 4, count: 1, want: [1] },
    { name: 'none free', used: [1, 2, 3], before: 3, count: 1, want: null },
    // IPv6 flows meet the IPv6 catch-all (32768) first: the IPv4 one (32767) is no entry to follow.
    {
      name: 'before the IPv6 catch-all, after the last user rule',
      used: [100, 200, 32767, 32768],
      before: 32768,
      count: 2,
      want: [210, 220],
    },
    { name: 'before the IPv6 catch-all with no user rule', used: [32767, 32768], before: 32768, count: 1, want: [10] },
  ])('$name', ({ used, before, count, want }) => {
    const got = freeRuleNumbersBefore(used, before, count);
    expect(got).toEqual(want);
    for (const n of got ?? []) {
      expect(n).toBeLessThan(before);
      expect(used).not.toContain(n);
    }
  });
});

describe('ephemeralRangeFor', () => {
  it.each([
    { owner: 'elb:app/web', observed: { from: 40000, to: 40010 }, want: [1024, 65535] },
    { owner: 'nat-0abc', observed: { from: 50000, to: 50000 }, want: [1024, 65535] },
    // AWS Lambda functions use ports 1024-65535 (VPC user guide, "Ephemeral ports").
    { owner: 'lambda:orders', observed: { from: 40000, to: 40010 }, want: [1024, 65535] },
    { owner: 'lambda', observed: { from: 33000, to: 33000 }, want: [1024, 65535] },
    { owner: 'i-1', observed: { from: 33000, to: 60000 }, want: [32768, 60999] },
    { owner: 'i-1', observed: { from: 49200, to: 65000 }, want: [49152, 65535] },
    { owner: 'i-1', observed: { from: 33000, to: 65000 }, want: [32768, 65535] },
    { owner: null, observed: { from: 2000, to: 3000 }, want: [1024, 65535] },
  ])('$owner $observed.from-$observed.to', ({ owner, observed, want }) => {
    const range = ephemeralRangeFor(owner, observed);
    expect([range.from, range.to]).toEqual(want);
  });
});
