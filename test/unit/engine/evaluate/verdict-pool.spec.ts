import { describe, expect, it } from 'vitest';
import type { FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import { VerdictPool } from '../../../../src/engine/evaluate/verdict-pool';

const unknown = (reason: string, direction: FlowVerdict['direction'] = 'ingress'): FlowVerdict => ({
  verdict: 'unknown',
  direction,
  returnTraffic: false,
  blockedBy: [],
  reason,
});

describe('VerdictPool', () => {
  it('shares blocked verdicts judged alike and drops their per-flow reasons', () => {
    const pool = new VerdictPool();
    const blocked = (peer: string): FlowVerdict => ({
      verdict: 'blocked',
      direction: 'ingress',
      returnTraffic: false,
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-a'] }],
      reason: `no rule of sg-a allows tcp/22 from ${peer}`,
    });
    const first = pool.shared(blocked('10.0.0.1'));
    expect(pool.shared(blocked('10.0.0.2'))).toBe(first);
    expect(first.reason).toBeUndefined();
  });

  it('shares unknown verdicts of one coverage group, direction and return-ness, keeping the first reason', () => {
    const pool = new VerdictPool();
    const first = pool.shared(unknown('eni-1 is not in the snapshot'), 'interface-not-in-snapshot');
    expect(pool.shared(unknown('eni-2 is not in the snapshot'), 'interface-not-in-snapshot')).toBe(first);
    expect(first.reason).toBe('eni-1 is not in the snapshot');
    expect(pool.shared(unknown('eni-3 is not in the snapshot', 'egress'), 'interface-not-in-snapshot')).not.toBe(first);
    expect(pool.shared(unknown('sg-x may be of another account'), 'group-of-another-account')).not.toBe(first);
  });

  it('leaves an unknown verdict without a group as it is', () => {
    const pool = new VerdictPool();
    const own = unknown('eni-1 is not in the snapshot');
    expect(pool.shared(own)).toBe(own);
    expect(pool.shared(unknown('eni-1 is not in the snapshot'))).not.toBe(own);
  });
});
