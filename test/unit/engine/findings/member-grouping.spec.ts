import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import { groupCampaignMembers, groupCampaigns, type NoiseFlow } from '../../../../src/engine/findings/campaign-group';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import { groupBlocked, groupBlockedFlows, groupBlockedRows } from '../../../../src/engine/findings/finding-group';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

const CONTROLS: BlockingControl[] = [
  { control: 'security-group', direction: 'ingress', groupIds: ['sg-b', 'sg-a'] },
  { control: 'security-group', direction: 'ingress', groupIds: ['sg-a', 'sg-b'] },
  { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-1', ruleNumber: 32767 },
  { control: 'network-acl', direction: 'egress', networkAclId: 'acl-1', ruleNumber: 100 },
  { control: 'block-public-access', direction: 'ingress' },
];

/** A few verdicts shared by many flows, as a diagnosis's VerdictPool makes them, and some of every kind. */
const verdicts = fc.array(
  fc.record({
    verdict: fc.constantFrom<FlowVerdict['verdict']>('blocked', 'blocked', 'blocked', 'allowed', 'unknown'),
    direction: fc.constantFrom<'ingress' | 'egress'>('ingress', 'egress'),
    returnTraffic: fc.boolean(),
    blockedBy: fc.subarray(CONTROLS),
  }),
  { minLength: 1, maxLength: 6 },
);

const flows = fc.array(
  fc.record({
    srcaddr: fc.constantFrom('10.0.0.9', '10.0.0.10', '198.51.100.7', '198.51.100.8', '203.0.113.1', '2001:db8::1'),
    dstaddr: fc.constantFrom('10.0.0.5', '10.0.1.5', '203.0.113.9'),
    interfaceId: fc.constantFrom('eni-1', 'eni-2', 'eni-3'),
    protocol: fc.constantFrom(6, 17, 1),
    srcport: fc.constantFrom(443, 40000, 51000),
    dstport: fc.constantFrom(22, 443, 8080, 9090, 50000),
    servicePortSide: fc.constantFrom<'src' | 'dst' | null>('src', 'dst', null),
    records: fc.integer({ min: 1, max: 50 }),
    verdict: fc.nat(),
  }),
  { maxLength: 80 },
);

/** Explained flows whose verdicts are shared objects, as a diagnosis judges them. */
const explainedFlows = fc.tuple(verdicts, flows).map(([shared, items]): ExplainedFlow[] =>
  items.map(({ verdict, ...fields }) => ({
    flow: flowAggregate({ ...fields, ephemeralPortMin: null, ephemeralPortMax: null }),
    verdict: shared[verdict % shared.length],
  })),
);

describe('grouping items that stand for explained flows (rows beside columns)', () => {
  it('groupBlocked gives the groups of groupBlockedFlows, in the same order, with the same flows in the same order', () => {
    fc.assert(
      fc.property(explainedFlows, (explained) => {
        const rows = explained.map((_, row) => row);
        const byRow = groupBlocked(rows, (row) => ({ ...explained[row] }));
        const byObject = groupBlockedFlows(explained);
        expect(byRow.map(({ members, ...group }) => ({ ...group, flows: members.map((row) => explained[row]) }))).toEqual(byObject);
        byRow.forEach(({ members }, i) => members.forEach((row, j) => expect(explained[row]).toBe(byObject[i].flows[j])));
        // Members come in the order the items came.
        for (const { members } of byRow) expect([...members].sort((a, b) => a - b)).toEqual(members);
      }),
      { numRuns: 300 },
    );
  });

  it('groupBlockedRows gives the groups of groupBlocked, each with its rows in the order they came as a range of one array', () => {
    fc.assert(
      fc.property(explainedFlows, fc.integer({ min: 0, max: 1000 }), (explained, offset) => {
        // Rows as a column store numbers them: any numbers, here spread out and in no order.
        const rows = explained.map((_, i) => (i * 7919 + offset) % 100_003);
        const flowOf = new Map(rows.map((row, i) => [row, explained[i]]));
        const byList = groupBlocked(rows, (row) => flowOf.get(row)!);
        const byRange = groupBlockedRows(Int32Array.from(rows), (row) => flowOf.get(row)!);
        expect(byRange.groups.map(({ start, end, ...group }) => ({ ...group, members: [...byRange.rows.subarray(start, end)] }))).toEqual(
          byList,
        );
        expect(byRange.rows.length).toBe(byList.reduce((sum, { members }) => sum + members.length, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('groupCampaignMembers gives the campaigns of groupCampaigns, in the same order, with the same flows in the same order', () => {
    fc.assert(
      fc.property(explainedFlows, fc.boolean(), (explained, withPrior) => {
        const noise: NoiseFlow[] = explained.map((item, i) => ({ explained: item, signals: i % 2 ? ['port-scan'] : ['host-sweep'] }));
        const prior = new Map(withPrior ? [['ingress|198.51.100.7', { scope: 'service' as const, key: 'tcp/22' }]] : []);
        const rows = noise.map((_, row) => row);
        const byRow = groupCampaignMembers(rows, (row) => ({ ...noise[row].explained }), prior);
        const byObject = groupCampaigns(noise, prior);
        expect(byRow.map(({ members, ...campaign }) => ({ ...campaign, flows: members.map((row) => noise[row]) }))).toEqual(byObject);
        byRow.forEach(({ members }, i) => members.forEach((row, j) => expect(noise[row]).toBe(byObject[i].flows[j])));
        expect(byRow.reduce((sum, { members }) => sum + members.length, 0)).toBe(noise.length);
      }),
      { numRuns: 300 },
    );
  });
});
