import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { type PathQueryInput, parsePathQuery } from '../../../../src/engine/path/path-query';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { multiTierRouteTables, multiTierSnapshot } from '../../../support/factories/multi-tier-snapshot';

const snapshot = validateSnapshot(multiTierSnapshot());
const model = NetworkModel.fromSnapshot(snapshot);

function fixFor(input: Omit<PathQueryInput, 'protocol'> & { protocol?: string }, on: NetworkSnapshot = snapshot) {
  const analysis = explainPath(on === snapshot ? model : NetworkModel.fromSnapshot(on), parsePathQuery({ protocol: 'tcp', ...input }));
  return { analysis, fix: analysis.suggestedFix };
}

describe('fixes for blocked paths', () => {
  it.each([
    { name: 'destination group', from: 'eni-web', to: 'eni-db', port: 5432 },
    { name: 'source group', from: 'eni-app', to: '10.1.1.99', port: 22 },
    { name: 'source NACL and the refused reply', from: 'eni-app', to: '198.51.100.9', port: 80 },
    { name: 'destination NACL', from: 'eni-web', to: 'eni-app', port: 9000 },
    { name: 'NACL and group at once', from: 'eni-web', to: 'eni-app', port: 7000 },
    { name: 'explicit deny and group from the internet', from: '192.0.2.5', to: 'eni-web', port: 22 },
    { name: 'reply refused on part of the range', from: 'eni-app', to: '198.51.100.9', port: 443 },
    { name: 'a public address', from: 'eni-web', to: '203.0.113.20', port: 8080 },
    { name: 'IPv6 reply at rule 32768', from: '2001:db8::5', to: 'eni-web', port: 443 },
    { name: 'IPv6 request', from: '2001:db8::5', to: 'eni-web', port: 22 },
  ])('opens the path and says so only after simulating it: $name', ({ from, to, port }) => {
    const { analysis, fix } = fixFor({ from, to, port });
    expect(analysis.verdict).toBe('blocked');
    expect(fix).not.toBeNull();
    expect(fix!.verified).toBe(true);
    const after = analyzePath(NetworkModel.fromSnapshot(applyChanges(snapshot, fix!.changes)), analysis.query);
    expect(after.verdict).toBe('allowed');
    expect(fix!.awsCli).toContain('aws ec2 ');
  });

  it("references the peer's group for an interface seen by its private address", () => {
    const { fix } = fixFor({ from: 'eni-web', to: 'eni-db', port: 5432 });
    expect(fix!.changes).toEqual([
      {
        action: 'AuthorizeSecurityGroupIngress',
        params: {
          GroupId: 'sg-db',
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              UserIdGroupPairs: [{ GroupId: 'sg-web', Description: 'sgdoctor: path from web' }],
            },
          ],
        },
      },
    ]);
  });

  it('names the public address (never the group) when the path crosses the internet', () => {
    const { fix } = fixFor({ from: 'eni-web', to: '203.0.113.20', port: 8080 });
    const group = fix!.changes.find((c) => c.action === 'AuthorizeSecurityGroupIngress');
    expect(group!.params).toMatchObject({ GroupId: 'sg-app', IpPermissions: [{ IpRanges: [{ CidrIp: '203.0.113.10/32' }] }] });
    expect(JSON.stringify(group!.params)).not.toContain('UserIdGroupPairs');
    // The app subnet's NACL sends nothing but 443 to the internet: the reply needs an entry too.
    expect(fix!.changes.find((c) => c.action === 'CreateNetworkAclEntry')!.params).toMatchObject({
      NetworkAclId: 'acl-app',
      Egress: true,
      CidrBlock: '203.0.113.10/32',
    });
  });

  it("admits the reply over the client's ephemeral range before the catch-all", () => {
    const { fix } = fixFor({ from: 'eni-app', to: '198.51.100.9', port: 443 });
    expect(fix!.changes).toHaveLength(1);
    const params = fix!.changes[0].params as {
      RuleNumber: number;
      PortRange: unknown;
      Egress: boolean;
      CidrBlock: string;
      NetworkAclId: string;
    };
    expect(fix!.changes[0].action).toBe('CreateNetworkAclEntry');
    expect(params).toMatchObject({
      NetworkAclId: 'acl-app',
      Egress: false,
      CidrBlock: '198.51.100.9/32',
      PortRange: { From: 32768, To: 65535 },
    });
    expect(params.RuleNumber).toBeLessThan(32767);
  });

  it("adds an IPv6 entry for an IPv6 client's reply (1024-65535: a client outside the snapshot)", () => {
    const { fix } = fixFor({ from: '2001:db8::5', to: 'eni-web', port: 443 });
    expect(fix!.changes).toEqual([
      expect.objectContaining({
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-public',
          Egress: true,
          Ipv6CidrBlock: '2001:db8::5/128',
          PortRange: { From: 1024, To: 65535 },
        }),
      }),
    ]);
  });

  it('lands a NACL allow before the explicit deny that matches', () => {
    const { fix } = fixFor({ from: '192.0.2.5', to: 'eni-web', port: 22 });
    const entry = fix!.changes.find((c) => c.action === 'CreateNetworkAclEntry' || c.action === 'ReplaceNetworkAclEntry');
    expect(Number(entry!.params.RuleNumber)).toBeLessThanOrEqual(110);
  });

  it('gives no fix for an allowed or undecidable path', () => {
    expect(fixFor({ from: 'eni-web', to: 'eni-app', port: 8080 }).fix).toBeNull();
    expect(fixFor({ from: 'eni-404', to: 'eni-app', port: 8080 }).fix).toBeNull();
  });

  describe('at an interface whose groups the snapshot does not list', () => {
    const withoutGroups = (eniId: string): NetworkSnapshot => {
      const unlisted = multiTierSnapshot();
      delete unlisted.NetworkInterfaces!.find((e) => e.NetworkInterfaceId === eniId)!.Groups;
      return validateSnapshot(unlisted);
    };

    it('gives no fix where only its groups could refuse: the path is unknown, and no group can be named', () => {
      expect(fixFor({ from: 'eni-web', to: 'eni-db', port: 5432 }, withoutGroups('eni-db'))).toMatchObject({
        analysis: { verdict: 'unknown' },
        fix: null,
      });
      // sg-db admits sg-app; whether eni-app carries it is unknown, so no rule for its address either.
      expect(fixFor({ from: 'eni-app', to: 'eni-db', port: 5432 }, withoutGroups('eni-app'))).toMatchObject({
        analysis: { verdict: 'unknown' },
        fix: null,
      });
    });

    it('opens the refusing NACL only, unverified, and says the groups are unknown', () => {
      const { analysis, fix } = fixFor({ from: 'eni-web', to: 'eni-app', port: 9000 }, withoutGroups('eni-app'));
      expect(analysis.verdict).toBe('blocked');
      expect(fix!.changes.map((c) => c.action)).toEqual(['CreateNetworkAclEntry']);
      expect(fix!.changes[0].params).toMatchObject({ NetworkAclId: 'acl-app', Egress: false });
      expect(fix!.verified).toBe(false);
      expect(fix!.risks).toContainEqual(
        expect.objectContaining({
          message: expect.stringContaining('the snapshot lists no Groups for eni-app, so its security groups are unknown'),
        }),
      );
    });
  });

  it('covers every NACL that refuses part of the reply: each side refusing its own part of the range', () => {
    // acl-db sends replies only to 49152-65535, acl-app admits them only on 32768-60999: each
    // refuses a part of 32768-65535 the other lets through.
    const split = multiTierSnapshot();
    const acls = split.NetworkAcls!;
    const dbAcl = acls.find((a) => a.NetworkAclId === 'acl-db')!;
    dbAcl.Entries = dbAcl.Entries!.map((e) => (e.Egress && e.RuleNumber === 100 ? { ...e, PortRange: { From: 49152, To: 65535 } } : e));
    const appAcl = acls.find((a) => a.NetworkAclId === 'acl-app')!;
    appAcl.Entries = appAcl
      .Entries!.filter((e) => e.Egress || e.RuleNumber !== 140)
      .map((e) => (!e.Egress && e.RuleNumber === 120 ? { ...e, PortRange: { From: 32768, To: 60999 } } : e));
    const on = validateSnapshot(split);
    const { analysis, fix } = fixFor({ from: 'eni-app', to: 'eni-db', port: 5432 }, on);
    expect(analysis.verdict).toBe('blocked');
    expect(analysis.reply.blockedBy.map((c) => c.control === 'network-acl' && c.networkAclId)).toEqual(['acl-db', 'acl-app']);
    expect(fix).not.toBeNull();
    const entries = fix!.changes.map((c) => [c.action, c.params.NetworkAclId, c.params.Egress]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['CreateNetworkAclEntry', 'acl-db', true],
        ['CreateNetworkAclEntry', 'acl-app', false],
      ]),
    );
    expect(fix!.verified).toBe(true);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('path-still-blocked');
    expect(analyzePath(NetworkModel.fromSnapshot(applyChanges(on, fix!.changes)), analysis.query).verdict).toBe('allowed');
  });

  it('whatever part of the client range each side refuses, the fix opens both and is verified (property)', () => {
    // Each NACL on the reply path admits one sub-range of the clients' ports from app to db.
    const range = fc
      .tuple(fc.integer({ min: 1024, max: 65535 }), fc.integer({ min: 1024, max: 65535 }))
      .map(([a, b]) => ({ From: Math.min(a, b), To: Math.max(a, b) }));
    fc.assert(
      fc.property(range, range, fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: null }), (dbOut, appIn, sourcePort) => {
        const split = multiTierSnapshot();
        const acls = split.NetworkAcls!;
        const dbAcl = acls.find((a) => a.NetworkAclId === 'acl-db')!;
        dbAcl.Entries = dbAcl.Entries!.map((e) => (e.Egress && e.RuleNumber === 100 ? { ...e, PortRange: dbOut } : e));
        const appAcl = acls.find((a) => a.NetworkAclId === 'acl-app')!;
        appAcl.Entries = appAcl
          .Entries!.filter((e) => e.Egress || e.RuleNumber !== 140)
          .map((e) => (!e.Egress && e.RuleNumber === 120 ? { ...e, PortRange: appIn } : e));
        const on = validateSnapshot(split);
        const { analysis, fix } = fixFor({ from: 'eni-app', to: 'eni-db', port: 5432, sourcePort }, on);
        if (analysis.verdict === 'allowed') return;
        expect(analysis.verdict).toBe('blocked');
        expect(fix!.verified, JSON.stringify(fix!.risks)).toBe(true);
        expect(analyzePath(NetworkModel.fromSnapshot(applyChanges(on, fix!.changes)), analysis.query).verdict).toBe('allowed');
      }),
      { numRuns: 200 },
    );
  });

  it('does not claim a fix verified when a route still drops the path', () => {
    const routed = validateSnapshot({ ...multiTierSnapshot(), RouteTables: multiTierRouteTables() });
    const { analysis, fix } = fixFor({ from: 'eni-db', to: 'eni-peer', port: 5432 }, routed);
    expect(analysis.verdict).toBe('blocked');
    expect(fix).not.toBeNull();
    expect(fix!.verified).toBe(false);
    expect(fix!.risks.map((r) => r.kind)).toContain('path-still-blocked');
  });
});

describe('fixes for blocked ICMP paths', () => {
  /** The multi-tier estate with the public subnet admitting nothing from inside the VPC but TCP (rule 120 gone). */
  function publicSubnetClosedToIcmp(): NetworkSnapshot {
    const on = multiTierSnapshot();
    const pub = on.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-public')!;
    pub.Entries = pub.Entries!.filter((e) => e.Egress || e.RuleNumber !== 120);
    return validateSnapshot(on);
  }

  const after = (on: NetworkSnapshot, changes: FixChange[]) => NetworkModel.fromSnapshot(applyChanges(on, changes));
  const icmp = (from: string, to: string, port?: number, protocol = 'icmp') => ({
    from,
    to,
    protocol,
    ...(port === undefined ? {} : { port }),
  });

  it('admits the echo reply alone (type 0), not every ICMP type, in every rendering, and verifies it', () => {
    const on = publicSubnetClosedToIcmp();
    const { analysis, fix } = fixFor(icmp('eni-web', 'eni-app', 8), on);
    expect(analysis.verdict).toBe('blocked');
    expect(analysis.reply.blockedBy).toEqual([
      { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-public', ruleNumber: 32767 },
    ]);
    expect(fix!.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-public',
          Egress: false,
          Protocol: '1',
          CidrBlock: '10.0.2.20/32',
          IcmpTypeCode: { Code: -1, Type: 0 },
        }),
      },
    ]);
    expect(fix!.awsCli).toContain('--protocol icmp --icmp-type-code Code=-1,Type=0 ');
    expect(fix!.terraform).toMatch(/icmp_type +=  ?0\n/);
    expect(fix!.terraform).toMatch(/icmp_code += -1\n/);
    expect(fix!.cloudFormation).toContain('"Icmp": { "Code": -1, "Type": 0 }');
    expect(fix!.verified).toBe(true);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
    const fixed = after(on, fix!.changes);
    expect(analyzePath(fixed, analysis.query).verdict).toBe('allowed');
    // Only the echo reply comes back: a timestamp reply (type 14) is still refused.
    const timestamp = analyzePath(fixed, parsePathQuery(icmp('eni-web', 'eni-app', 13)));
    expect(timestamp.reply.blockedBy).toEqual(analysis.reply.blockedBy);
  });

  it('two subnets behind one NACL that lets nothing out: the request leaves by it from one end, the reply from the other, each typed', () => {
    const open = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    const on = validateSnapshot({
      Vpcs: [{ VpcId: 'vpc-a', CidrBlock: '10.0.0.0/16' }],
      Subnets: [
        { SubnetId: 'subnet-a1', VpcId: 'vpc-a', CidrBlock: '10.0.1.0/24' },
        { SubnetId: 'subnet-a2', VpcId: 'vpc-a', CidrBlock: '10.0.2.0/24' },
      ],
      SecurityGroups: [{ GroupId: 'sg-open', VpcId: 'vpc-a', OwnerId: '111111111111', IpPermissions: open, IpPermissionsEgress: open }],
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-1',
          SubnetId: 'subnet-a1',
          VpcId: 'vpc-a',
          PrivateIpAddress: '10.0.1.10',
          Groups: [{ GroupId: 'sg-open' }],
        },
        {
          NetworkInterfaceId: 'eni-3',
          SubnetId: 'subnet-a2',
          VpcId: 'vpc-a',
          PrivateIpAddress: '10.0.2.20',
          Groups: [{ GroupId: 'sg-open' }],
        },
      ],
      NetworkAcls: [
        {
          NetworkAclId: 'acl-a',
          VpcId: 'vpc-a',
          IsDefault: true,
          Associations: [{ SubnetId: 'subnet-a1' }, { SubnetId: 'subnet-a2' }],
          Entries: [
            { RuleNumber: 1, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
          ],
        },
      ],
    });
    const { analysis, fix } = fixFor(icmp('eni-1', 'eni-3', 8), on);
    expect(analysis.verdict).toBe('blocked');
    const entries = fix!.changes.map((c) => {
      const p = c.params as { Egress: boolean; IcmpTypeCode: { Type: number }; CidrBlock: string };
      return `${p.Egress ? 'out' : 'in'} ${p.IcmpTypeCode.Type} ${p.CidrBlock}`;
    });
    expect(entries).toEqual(['out 8 10.0.2.20/32', 'out 0 10.0.1.10/32']);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
    expect(fix!.verified).toBe(true);
  });

  it('an interface asked at its own public address: request and reply cross its NACL both ways, each typed entry once', () => {
    // eni-web (203.0.113.10) pings itself through the internet gateway: the echo request leaves and
    // comes back in by acl-public, and so does the echo reply.
    const on = publicSubnetClosedToIcmp();
    const { analysis, fix } = fixFor(icmp('eni-web', '203.0.113.10', 8), on);
    expect(analysis.verdict).toBe('blocked');
    const entries = fix!.changes
      .filter((c) => c.action === 'CreateNetworkAclEntry')
      .map((c) => {
        const p = c.params as { Egress: boolean; IcmpTypeCode: { Type: number }; CidrBlock: string };
        return `${p.Egress ? 'out' : 'in'} ${p.IcmpTypeCode.Type} ${p.CidrBlock}`;
      });
    expect(entries.sort()).toEqual(['in 0 203.0.113.10/32', 'in 8 203.0.113.10/32', 'out 0 203.0.113.10/32', 'out 8 203.0.113.10/32']);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
    expect(fix!.verified).toBe(true);
    const fixed = after(on, fix!.changes);
    expect(analyzePath(fixed, analysis.query).verdict).toBe('allowed');
    expect(analyzePath(fixed, parsePathQuery(icmp('eni-web', '203.0.113.10', 13))).verdict).toBe('blocked');
  });

  it('opens the asked type for the request (FromPort = type, ToPort -1: every code) and its answer type for the reply', () => {
    // sg-db admits no ICMP and acl-db none either way.
    const { analysis, fix } = fixFor(icmp('eni-app', 'eni-db', 8));
    expect(analysis.verdict).toBe('blocked');
    expect(fix!.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({ NetworkAclId: 'acl-db', Egress: false, IcmpTypeCode: { Code: -1, Type: 8 } }),
      },
      {
        action: 'AuthorizeSecurityGroupIngress',
        params: {
          GroupId: 'sg-db',
          IpPermissions: [
            {
              IpProtocol: 'icmp',
              FromPort: 8,
              ToPort: -1,
              UserIdGroupPairs: [{ GroupId: 'sg-app', Description: 'sgdoctor: path from app' }],
            },
          ],
        },
      },
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({ NetworkAclId: 'acl-db', Egress: true, IcmpTypeCode: { Code: -1, Type: 0 } }),
      },
    ]);
    expect(fix!.awsCli.split('\n')).toEqual([
      expect.stringContaining('--ingress --rule-number 110 --protocol icmp --icmp-type-code Code=-1,Type=8 '),
      "aws ec2 authorize-security-group-ingress --group-id sg-db --ip-permissions 'IpProtocol=icmp,FromPort=8,ToPort=-1,UserIdGroupPairs=[{GroupId=sg-app}]' &&",
      expect.stringContaining('--egress --rule-number 120 --protocol icmp --icmp-type-code Code=-1,Type=0 '),
    ]);
    expect(fix!.terraform).toContain(
      'ip_protocol                  = "icmp"\n  from_port                    = 8\n  to_port                      = -1\n}',
    );
    expect(fix!.cloudFormation).toContain('"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1');
    expect(fix!.verified).toBe(true);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
    const fixed = after(snapshot, fix!.changes);
    expect(analyzePath(fixed, analysis.query).verdict).toBe('allowed');
    expect(analyzePath(fixed, parsePathQuery(icmp('eni-app', 'eni-db', 13))).verdict).toBe('blocked');
  });

  it('ICMPv6: echo request 128 out and in, echo reply 129 back', () => {
    const { analysis, fix } = fixFor(icmp('eni-web', 'eni-app', 128, 'icmpv6'));
    expect(analysis.verdict).toBe('blocked');
    expect(fix).not.toBeNull();
    const entries = fix!.changes.filter((c) => c.action === 'CreateNetworkAclEntry').map((c) => c.params);
    expect(entries.map((p) => [p.NetworkAclId, p.Egress, p.Protocol, p.IcmpTypeCode])).toEqual(
      expect.arrayContaining([
        ['acl-public', true, '58', { Code: -1, Type: 128 }],
        ['acl-app', false, '58', { Code: -1, Type: 128 }],
        ['acl-public', false, '58', { Code: -1, Type: 129 }],
      ]),
    );
    expect(entries.every((p) => (p.IcmpTypeCode as { Type: number }).Type !== -1)).toBe(true);
    const group = fix!.changes.find((c) => c.action === 'AuthorizeSecurityGroupIngress');
    expect(group!.params).toMatchObject({ GroupId: 'sg-app', IpPermissions: [{ IpProtocol: 'icmpv6', FromPort: 128, ToPort: -1 }] });
    expect(fix!.verified).toBe(true);
    expect(analyzePath(after(snapshot, fix!.changes), analysis.query).verdict).toBe('allowed');
    // What the rules open elsewhere is told for their type, not for all of ICMPv6.
    const messages = fix!.risks.map((r) => r.message);
    expect(messages).toContain('every interface carrying sg-web gets icmpv6 type 128, including 1 not seen in the flows (eni-web2)');
    expect(messages.filter((m) => /icmpv6(?! type 12[89])/.test(m))).toEqual([]);
  });

  it('proposes the rule for the asked type when a group admits other ICMP types only', () => {
    // sg-app sends echo requests only (icmp FromPort 8, ToPort -1): a timestamp request is refused.
    const { analysis, fix } = fixFor(icmp('eni-app', 'eni-web', 13));
    expect(analysis.verdict).toBe('blocked');
    expect(analysis.blockedBy).toEqual([{ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] }]);
    expect(fix).not.toBeNull();
    expect(fix!.changes).toEqual([
      {
        action: 'AuthorizeSecurityGroupEgress',
        params: {
          GroupId: 'sg-app',
          IpPermissions: [
            {
              IpProtocol: 'icmp',
              FromPort: 13,
              ToPort: -1,
              UserIdGroupPairs: [{ GroupId: 'sg-web', Description: 'sgdoctor: path to web' }],
            },
          ],
        },
      },
    ]);
    expect(fix!.verified).toBe(true);
    expect(analyzePath(after(snapshot, fix!.changes), analysis.query).verdict).toBe('allowed');
  });

  it('proposes the entry for the asked type when a NACL admits other ICMP types only', () => {
    const on = multiTierSnapshot();
    const app = on.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-app')!;
    // acl-app admits destination-unreachable (type 3) from the VPC, nothing else of ICMP.
    app.Entries = app.Entries!.map((e) => (!e.Egress && e.RuleNumber === 130 ? { ...e, IcmpTypeCode: { Type: 3, Code: -1 } } : e));
    const valid = validateSnapshot(on);
    const { analysis, fix } = fixFor(icmp('eni-web', 'eni-app', 8), valid);
    expect(analysis.verdict).toBe('blocked');
    expect(analysis.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-app', ruleNumber: 32767 }]);
    expect(fix).not.toBeNull();
    expect(fix!.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({ NetworkAclId: 'acl-app', Egress: false, Protocol: '1', IcmpTypeCode: { Code: -1, Type: 8 } }),
      },
    ]);
    expect(fix!.verified).toBe(true);
    expect(analyzePath(after(valid, fix!.changes), analysis.query).verdict).toBe('allowed');
  });

  it('an ICMP message no reply answers (destination unreachable, echo reply) has no way back to check', () => {
    // acl-public refuses every ICMP type coming in from inside the VPC: only the way back from eni-app crosses it.
    const on = publicSubnetClosedToIcmp();
    for (const type of [3, 11, 0]) {
      const analysis = analyzePath(NetworkModel.fromSnapshot(on), parsePathQuery(icmp('eni-web', 'eni-app', type)));
      expect(analysis.verdict, `type ${type}`).toBe('allowed');
      expect(analysis.reply.hops, `type ${type}`).toEqual([]);
      expect(analysis.reason).toMatch(/a message no reply answers$/);
    }
    // A request still needs its answer back, and an unnamed type may be one.
    expect(analyzePath(NetworkModel.fromSnapshot(on), parsePathQuery(icmp('eni-web', 'eni-app', 8))).verdict).toBe('blocked');
    expect(analyzePath(NetworkModel.fromSnapshot(on), parsePathQuery(icmp('eni-web', 'eni-app'))).verdict).toBe('blocked');
  });

  it('a refused message no reply answers is fixed one way: no entry for a reply', () => {
    // sg-db admits no ICMP and acl-db none either way.
    const { analysis, fix } = fixFor(icmp('eni-app', 'eni-db', 3));
    expect(analysis.verdict).toBe('blocked');
    // The request's way: acl-db in, sg-db in, and sg-app out (it lets out echo requests only); nothing for a way back.
    expect(fix!.changes.map((c) => [c.action, (c.params as { Egress?: boolean }).Egress])).toEqual([
      ['CreateNetworkAclEntry', false],
      ['AuthorizeSecurityGroupIngress', undefined],
      ['AuthorizeSecurityGroupEgress', undefined],
    ]);
    expect(fix!.changes[0]!.params).toMatchObject({ IcmpTypeCode: { Code: -1, Type: 3 } });
    expect(fix!.verified).toBe(true);
    expect(fix!.risks.map((r) => r.kind)).not.toContain('all-icmp-types');
  });

  it('without a type, opens every ICMP type as before, and says so', () => {
    const on = publicSubnetClosedToIcmp();
    const { analysis, fix } = fixFor(icmp('eni-web', 'eni-app'), on);
    expect(analysis.verdict).toBe('blocked');
    expect(fix!.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({ NetworkAclId: 'acl-public', IcmpTypeCode: { Code: -1, Type: -1 } }),
      },
    ]);
    expect(fix!.verified).toBe(true);
    const risk = fix!.risks.find((r) => r.kind === 'all-icmp-types');
    expect(risk?.message).toBe('acl-public opens every icmp type: the question names no ICMP type (give one as the port)');
  });
});
