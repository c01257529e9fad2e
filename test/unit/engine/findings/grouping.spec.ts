import { describe, expect, it } from 'vitest';

import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import { findingFingerprint, fnv1a64Hex } from '../../../../src/engine/findings/fingerprint.util';
import { isoSeconds } from '../../../../src/engine/findings/iso-time.util';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

const flow = (over: Partial<FlowAggregate>): FlowAggregate =>
  flowAggregate({
    srcaddr: '10.0.0.9',
    dstaddr: '10.0.0.5',
    srcport: 40000,
    dstport: 8080,
    servicePortSide: 'dst',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 40000,
    packets: 3,
    bytes: 180,
    firstSeen: 1700000000,
    lastSeen: 1700000060,
    ...over,
  });
const sg: BlockingControl = { control: 'security-group', direction: 'ingress', groupIds: ['sg-b', 'sg-a'] };
const acl: BlockingControl = { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-1', ruleNumber: 32767 };
const blocked = (blockedBy: BlockingControl[], returnTraffic = false): FlowVerdict => ({
  verdict: 'blocked',
  direction: 'ingress',
  returnTraffic,
  blockedBy,
  reason: 'x',
});

describe('grouping blocked flows', () => {
  it('groups by control, direction, protocol and service port; a NACL+SG flow joins the NACL finding', () => {
    const items = [
      { flow: flow({}), verdict: blocked([sg]) },
      { flow: flow({ srcaddr: '10.0.0.10' }), verdict: blocked([sg]) },
      { flow: flow({ dstport: 9090 }), verdict: blocked([sg]) },
      { flow: flow({ srcaddr: '10.0.1.1' }), verdict: blocked([acl, sg]) },
      { flow: flow({ srcaddr: '10.0.1.2' }), verdict: { ...blocked([]), verdict: 'allowed' as const } },
    ];
    const groups = groupBlockedFlows(items);
    expect(groups).toHaveLength(3);
    const naclGroup = groups.find((g) => g.blockedBy.control === 'network-acl');
    // Group ids sorted: interfaces may list one set of groups in different orders.
    expect(naclGroup?.alsoBlockedBy).toEqual([{ ...sg, groupIds: ['sg-a', 'sg-b'] }]);
    expect(groups.find((g) => g.port === 8080 && g.blockedBy.control === 'security-group')?.flows).toHaveLength(2);
    expect(groupBlockedFlows([...items].reverse()).map((g) => g.fingerprint)).toEqual(groups.map((g) => g.fingerprint));
  });

  it('uses the service port (the source port) for return traffic', () => {
    const [group] = groupBlockedFlows([
      { flow: flow({ srcport: 443, dstport: 50000, servicePortSide: 'src' }), verdict: blocked([acl], true) },
    ]);
    expect(group.port).toBe(443);
    expect(group.returnTraffic).toBe(true);
  });

  it('fingerprints: 16 hex digits, independent of group id order, sensitive to each part', () => {
    const a = findingFingerprint(sg, 'ingress', 6, 8080, false);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(findingFingerprint({ ...sg, groupIds: ['sg-a', 'sg-b'] }, 'ingress', 6, 8080, false)).toBe(a);
    const variants = [
      findingFingerprint(sg, 'egress', 6, 8080, false),
      findingFingerprint(sg, 'ingress', 17, 8080, false),
      findingFingerprint(sg, 'ingress', 6, 8081, false),
      findingFingerprint(sg, 'ingress', 6, 8080, true),
      findingFingerprint(acl, 'ingress', 6, 8080, false),
    ];
    expect(new Set([a, ...variants]).size).toBe(6);
  });

  it('FNV-1a 64 matches the published test vectors', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });

  it('prints times as ISO UTC seconds', () => {
    expect(isoSeconds(1700000000)).toBe('2023-11-14T22:13:20Z');
  });
});
