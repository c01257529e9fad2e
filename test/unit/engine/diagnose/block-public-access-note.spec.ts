import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

/* A finding of flows VPC Block Public Access refused says why it has no fix, as findings without one do. */
describe('a finding of flows Block Public Access refused', () => {
  it('has no rule change, and its fix note says what would let the flows through', () => {
    const flows = ['203.0.113.5', '203.0.113.6', '198.51.100.7'].map((srcaddr, i) =>
      flowOf({
        interfaceId: 'eni-alb-a',
        srcaddr,
        dstaddr: '10.1.0.20',
        srcport: 40000 + i,
        dstport: 443,
        rejectReason: 'BPA',
        records: 5,
      }),
    );
    const { findings } = diagnose(hardeningSnapshot, flows);
    const bpa = findings.filter((f) => f.kind === 'rule' && f.blockedBy?.control === 'block-public-access');
    expect(bpa).toHaveLength(1);
    expect(bpa[0]!.suggestedFix).toBeNull();
    expect(bpa[0]!.fixNote).toMatchObject({ reason: 'block-public-access', excludedPeers: 0, examples: [] });
    expect(bpa[0]!.fixNote!.message).toMatch(/^No rule change: VPC Block Public Access refused these flows/);
    expect(bpa[0]!.fixNote!.message).toMatch(/exclude the subnet or VPC from Block Public Access/);
  });

  it('names the groups or NACL that would still refuse the flows once excluded from Block Public Access, and only then', () => {
    const refused = (dstport: number) =>
      ['203.0.113.5', '203.0.113.6'].map((srcaddr, i) =>
        flowOf({ interfaceId: 'eni-alb-a', srcaddr, dstaddr: '10.1.0.20', srcport: 40000 + i, dstport, rejectReason: 'BPA', records: 5 }),
      );
    const noteOf = (flows: ReturnType<typeof refused>) =>
      diagnose(hardeningSnapshot, flows).findings.find((f) => f.blockedBy?.control === 'block-public-access')?.fixNote?.message;
    // tcp/443 is what the load balancer's groups open to everyone: an exclusion is enough.
    expect(noteOf(refused(443))).not.toMatch(/would still be refused/);
    // tcp/22 neither the subnet's NACL nor the groups open: the note names both, in path order.
    expect(noteOf(refused(22))).toMatch(
      / Excluded from it, 2 of its 2 flows would still be refused by network ACL acl-web rule 32767 \(ingress\) and security group sg-alb \(ingress\): those need a rule too\.$/,
    );
  });
});
