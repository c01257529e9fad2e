import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlockingControl } from '../../../../src/engine/evaluate/verdict';
import { controlIdentity, sameControl } from '../../../../src/engine/findings/fingerprint.util';

/** Controls drawn from few ids, rule numbers and directions, so that equal ones are common. */
const control: fc.Arbitrary<BlockingControl> = fc.oneof(
  fc.record({
    control: fc.constant('security-group' as const),
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    groupIds: fc.array(fc.constantFrom('sg-a', 'sg-b', 'sg-c'), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    control: fc.constant('network-acl' as const),
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    networkAclId: fc.constantFrom('acl-a', 'acl-b'),
    ruleNumber: fc.constantFrom(100, 32767),
  }),
  fc.record({ control: fc.constant('block-public-access' as const), direction: fc.constantFrom('ingress' as const, 'egress' as const) }),
);

describe('sameControl', () => {
  it('tells two controls apart exactly as their identities and directions do', () => {
    fc.assert(
      fc.property(control, control, (a, b) => {
        expect(sameControl(a, b)).toBe(a.direction === b.direction && controlIdentity(a) === controlIdentity(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes a security group control listed in another order as the same', () => {
    const a: BlockingControl = { control: 'security-group', direction: 'ingress', groupIds: ['sg-b', 'sg-a'] };
    expect(sameControl(a, { ...a, groupIds: ['sg-a', 'sg-b'] })).toBe(true);
    expect(sameControl(a, { ...a, direction: 'egress' })).toBe(false);
  });
});
