import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNetworkAcl, networkAclBlockSegments } from '../../../../src/engine/evaluate/network-acl-evaluator';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import { cidrContains, parseCidr, parseIp } from '../../../../src/engine/ip/ip-address';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { whoCanReach } from '../../../../src/engine/path/who-can-reach';
import { ADDRESSES, snapshotArbitrary } from '../../../support/factories/snapshot-arbitraries';
import { multiTierSnapshot } from '../../../support/factories/multi-tier-snapshot';

const model = NetworkModel.fromSnapshot(validateSnapshot(multiTierSnapshot()));
const summary = (to: string, protocol: number, port: number | null) =>
  whoCanReach(model, { to, protocol, port }).sources.map((s) => `${s.kind} ${s.peer} ${s.verdict}`);

describe('who can reach a destination', () => {
  it.each([
    { to: 'eni-web', protocol: 6, port: 22, sources: ['prefix-list pl-office allowed', 'security-group sg-web allowed'] },
    { to: 'eni-web', protocol: 6, port: 443, sources: ['cidr 0.0.0.0/0 allowed', 'cidr ::/0 allowed', 'security-group sg-web allowed'] },
    // The web tier's IPv6 address is refused by the app subnet's IPv6 catch-all (32768).
    { to: 'i-app', protocol: 6, port: 8080, sources: ['security-group sg-web partly'] },
    { to: 'eni-app', protocol: 6, port: 9090, sources: ['security-group sg-peer allowed'] },
    // The db tier has no IPv6 address: only the app tier's IPv4 address can reach it.
    { to: 'eni-db', protocol: 6, port: 5432, sources: ['security-group sg-app allowed'] },
    // Given by address, the destination is reached in that address's family only.
    { to: '2600:1f00:a:1::10', protocol: 6, port: 443, sources: ['cidr ::/0 allowed', 'security-group sg-web allowed'] },
    { to: '10.0.1.10', protocol: 6, port: 443, sources: ['cidr 0.0.0.0/0 allowed', 'security-group sg-web allowed'] },
    { to: '2600:1f00:a:2::20', protocol: 6, port: 8080, sources: ['security-group sg-web refused'] },
    { to: '10.0.2.20', protocol: 6, port: 8080, sources: ['security-group sg-web allowed'] },
    // No IPv4 source of the app tier reaches it over ICMPv6.
    { to: 'eni-app', protocol: 58, port: null, sources: [] },
    { to: 'eni-db', protocol: 6, port: 22, sources: [] },
    { to: 'eni-app', protocol: 1, port: null, sources: ['cidr 10.0.0.0/16 allowed'] },
  ])('$to on $protocol/$port', ({ to, protocol, port, sources }) => {
    expect(summary(to, protocol, port)).toEqual(sources);
  });

  it('decides type-specific ICMP rules and NACL entries for the asked type (--port is the ICMP type)', () => {
    const snapshot = multiTierSnapshot();
    const web = snapshot.SecurityGroups!.find((g) => g.GroupId === 'sg-web')!;
    web.IpPermissions = web.IpPermissions!.map((p) => (p.IpProtocol === 'icmp' ? { ...p, FromPort: 8, ToPort: -1 } : p));
    const pub = snapshot.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-public')!;
    pub.Entries = [
      ...pub.Entries!,
      { RuleNumber: 80, Protocol: '1', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0.0/8', IcmpTypeCode: { Type: 8, Code: -1 } },
      { RuleNumber: 85, Protocol: '1', RuleAction: 'deny', Egress: false, CidrBlock: '10.0.0.0/8', IcmpTypeCode: { Type: 13, Code: -1 } },
    ];
    const typed = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    const who = (port: number | null) =>
      whoCanReach(typed, { to: 'eni-web', protocol: 1, port }).sources.map((s) => [
        s.peer,
        s.verdict,
        s.blocks.map((b) => b.nacl.segments.map((x) => x.ruleNumber)),
      ]);
    // sg-web also admits its own members on every protocol (inside the subnet: no NACL); ICMP
    // reaches only their IPv4 addresses.
    expect(who(8)).toEqual([
      ['10.0.0.0/16', 'allowed', [[80]]],
      ['sg-web', 'allowed', [[], []]],
    ]);
    expect(who(13)).toEqual([['sg-web', 'allowed', [[], []]]]);
    expect(who(null).map(([peer, verdict]) => [peer, verdict])).toEqual([
      ['10.0.0.0/16', 'unknown'],
      ['sg-web', 'allowed'],
    ]);
    expect(networkAclBlockSegments(typed, 'acl-public', 'ingress', 1, null, parseCidr('10.0.0.0/16')!, 13)).toEqual([
      { cidr: '10.0.0.0/16', ruleNumber: 85, action: 'deny', uncertain: false },
    ]);
  });

  it('lists the addresses a referenced group stands for, with the NACL entry deciding each', () => {
    const [source] = whoCanReach(model, { to: 'eni-app', protocol: 6, port: 8080 }).sources;
    expect(source.blocks.map((b) => [b.cidr, b.interfaceId, b.nacl.verdict, b.nacl.segments.map((s) => s.ruleNumber)])).toEqual([
      ['10.0.1.10/32', 'eni-web', 'allow', [100]],
      ['2600:1f00:a:1::10/128', 'eni-web', 'deny', [32768]],
      ['10.0.1.11/32', 'eni-web2', 'allow', [100]],
    ]);
  });

  it('lists only the addresses of the destination’s family: an IPv6 destination is reached from IPv6 addresses', () => {
    const blocks = (to: string, protocol = 6) =>
      whoCanReach(model, { to, protocol, port: protocol === 6 ? 8080 : null }).sources.flatMap((s) => s.blocks.map((b) => b.cidr));
    expect(blocks('2600:1f00:a:2::20')).toEqual(['2600:1f00:a:1::10/128']);
    expect(blocks('10.0.2.20')).toEqual(['10.0.1.10/32', '10.0.1.11/32']);
    expect(blocks('eni-web', 1)).toEqual(['10.0.0.0/16', '10.0.1.10/32', '10.0.1.11/32']);
    expect(blocks('eni-web', 58)).toEqual(['2600:1f00:a:1::10/128']);
    const [none] = whoCanReach(model, { to: '2600:1f00:a:1::10', protocol: 6, port: 22 }).sources.filter(
      (s) => s.kind === 'security-group',
    );
    expect(none).toMatchObject({ verdict: 'allowed', blocks: [{ cidr: '2600:1f00:a:1::10/128' }] });
    const [v4only] = whoCanReach(model, { to: '2600:1f00:a:2::20', protocol: 6, port: 9090 }).sources;
    expect(v4only).toMatchObject({
      verdict: 'refused',
      blocks: [],
      reason: 'no interface in reach that carries sg-peer has an IPv6 address',
    });
  });

  it('lists no block of another family than the address the destination is given by', () => {
    fc.assert(
      fc.property(snapshotArbitrary, fc.constantFrom(6, 17, 1, 58, -1), (snapshot, protocol) => {
        const m = NetworkModel.fromSnapshot(snapshot);
        for (const eni of snapshot.NetworkInterfaces ?? []) {
          const addresses = [eni.PrivateIpAddress, ...(eni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)];
          for (const to of addresses.filter((a): a is string => Boolean(a))) {
            const family = parseIp(to)!.family;
            for (const source of whoCanReach(m, { to, protocol, port: protocol === 6 || protocol === 17 ? 443 : null }).sources) {
              for (const block of source.blocks) expect(parseCidr(block.cidr)!.family, `${to} ← ${block.cidr}`).toBe(family);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  describe('a stale group reference admits no one, as the flow evaluator has it', () => {
    /** The multi-tier snapshot with sg-app's 9090 rule referencing sg-peer by `pair` (and `edit` applied). */
    const staleModel = (pair: Record<string, string>, edit: (s: ReturnType<typeof multiTierSnapshot>) => void = () => {}) => {
      const snapshot = multiTierSnapshot();
      const app = snapshot.SecurityGroups!.find((g) => g.GroupId === 'sg-app')!;
      app.IpPermissions = app.IpPermissions!.map((p) =>
        p.FromPort === 9090 ? { ...p, UserIdGroupPairs: [{ GroupId: 'sg-peer', UserId: '111111111111', ...pair }] } : p,
      );
      edit(snapshot);
      return NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    };
    const peerSource = (m: NetworkModel) => {
      const sources = whoCanReach(m, { to: 'eni-app', protocol: 6, port: 9090 }).sources;
      expect(sources.map((s) => s.peer)).toEqual(['sg-peer']);
      return sources[0];
    };

    it('EC2 lists the rule stale (DescribeStaleSecurityGroups), the peering still active: refused, no member listed, the stale rule named', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-1' }, (s) => {
        s.StaleSecurityGroupSet = [
          {
            GroupId: 'sg-app',
            VpcId: 'vpc-a',
            StaleIpPermissions: [{ IpProtocol: 'tcp', FromPort: 9090, ToPort: 9090, UserIdGroupPairs: [{ GroupId: 'sg-peer' }] }],
          },
        ];
      });
      const source = peerSource(m);
      expect(source).toMatchObject({ kind: 'security-group', verdict: 'refused', blocks: [] });
      expect(source.reason).toContain('DescribeStaleSecurityGroups');
      expect(source.reason).toContain('a stale rule allows nothing');
      // Another port's rule referencing the same group is not stale.
      expect(whoCanReach(m, { to: 'eni-app', protocol: 6, port: 8080 }).sources.map((s) => `${s.peer} ${s.verdict}`)).toEqual([
        'sg-web partly',
      ]);
    });

    it('a stale rule naming some ICMP types stays refused: no type would let anyone through it', () => {
      const snapshot = multiTierSnapshot();
      const app = snapshot.SecurityGroups!.find((g) => g.GroupId === 'sg-app')!;
      app.IpPermissions = [
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, UserIdGroupPairs: [{ GroupId: 'sg-peer', VpcPeeringConnectionId: 'pcx-1' }] },
      ];
      snapshot.StaleSecurityGroupSet = [
        {
          GroupId: 'sg-app',
          StaleIpPermissions: [{ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, UserIdGroupPairs: [{ GroupId: 'sg-peer' }] }],
        },
      ];
      const m = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
      for (const port of [null, 8]) {
        const sources = whoCanReach(m, { to: 'eni-app', protocol: 1, port }).sources;
        expect(sources.map((s) => `${s.peer} ${s.verdict}`)).toEqual(['sg-peer refused']);
        expect(sources[0].reason).toContain('a stale rule allows nothing');
      }
    });

    it('the peering the rule crosses deleted, no other way to the peer VPC: refused, the ended peering named', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-1', PeeringStatus: 'deleted' }, (s) => {
        s.VpcPeeringConnections![0].Status = { Code: 'deleted' };
      });
      const source = peerSource(m);
      expect(source).toMatchObject({ verdict: 'refused', blocks: [] });
      expect(source.reason).toContain('pcx-1, which is deleted');
      expect(source.reason).toContain('a stale rule allows nothing');
    });

    it('the peering the rule crosses deleted, a new active one joining the VPCs: each member the reference would match there is unknown, with why', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-old', PeeringStatus: 'deleted' }, (s) => {
        s.VpcPeeringConnections!.push({
          VpcPeeringConnectionId: 'pcx-old',
          Status: { Code: 'deleted' },
          RequesterVpcInfo: { VpcId: 'vpc-a' },
          AccepterVpcInfo: { VpcId: 'vpc-b' },
        });
      });
      const source = peerSource(m);
      expect(source.verdict).toBe('unknown');
      expect(source.blocks.map((b) => [b.cidr, b.interfaceId, b.nacl.verdict])).toEqual([['10.1.1.40/32', 'eni-peer', 'unknown']]);
      expect(source.reason).toContain('pcx-old, which is deleted');
      expect(source.reason).toContain('whether EC2 resolves the stale rule');
      expect(source.blocks[0].nacl.reason).toBe(source.reason);
    });

    it('a NACL that refuses the member refuses it whatever the stale reference would do', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-old', PeeringStatus: 'deleted' }, (s) => {
        s.VpcPeeringConnections!.push({ VpcPeeringConnectionId: 'pcx-old', Status: { Code: 'deleted' } });
        const app = s.NetworkAcls!.find((a) => a.Associations?.some((x) => x.SubnetId === 'subnet-app'))!;
        app.Entries = [
          {
            RuleNumber: 1,
            Protocol: '6',
            RuleAction: 'deny',
            Egress: false,
            CidrBlock: '10.1.1.40/32',
            PortRange: { From: 9090, To: 9090 },
          },
          ...app.Entries!,
        ];
      });
      const source = peerSource(m);
      expect(source.verdict).toBe('refused');
      expect(source.blocks.map((b) => [b.cidr, b.nacl.verdict, b.nacl.segments.map((x) => x.ruleNumber)])).toEqual([
        ['10.1.1.40/32', 'deny', [1]],
      ]);
    });

    it('agrees with the security-group evaluator on every member it lists and every interface it leaves out', () => {
      const pairs: Record<string, string>[] = [
        { VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-1', PeeringStatus: 'deleted' },
        { VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-old', PeeringStatus: 'expired' },
        { VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-1' },
      ];
      for (const pair of pairs) {
        const m = staleModel(pair, (s) => {
          if (pair.VpcPeeringConnectionId === 'pcx-1' && pair.PeeringStatus) s.VpcPeeringConnections![0].Status = { Code: 'deleted' };
        });
        const listed = new Map(peerSource(m).blocks.map((b) => [b.cidr, b.nacl.verdict]));
        const verdict = evaluateSecurityGroups(m, ['sg-app'], 'ingress', 6, 9090, '10.1.1.40', { vpcId: 'vpc-a', subnetId: 'subnet-app' });
        const expected = verdict.allowed === true ? 'allow' : verdict.allowed === 'uncertain' ? 'unknown' : undefined;
        expect(listed.get('10.1.1.40/32'), JSON.stringify(pair)).toBe(expected);
      }
    });
  });

  it('names the part of a block an explicit deny refuses', () => {
    const segments = networkAclBlockSegments(model, 'acl-public', 'ingress', 6, 22, parseCidr('0.0.0.0/0')!);
    expect(segments).toEqual([
      { cidr: '192.0.2.0/24', ruleNumber: 110, action: 'deny', uncertain: false },
      { cidr: '0.0.0.0/0', ruleNumber: 115, action: 'allow', uncertain: false },
    ]);
  });

  it('refuses a destination that is not an interface of the snapshot', () => {
    expect(() => whoCanReach(model, { to: '8.8.8.8', protocol: 6, port: 1 })).toThrow(/not|no interface/);
  });

  it('refuses a destination whose groups the snapshot does not list: who they admit is unknown, not nobody', () => {
    const snapshot = multiTierSnapshot();
    const app = snapshot.NetworkInterfaces!.find((e) => e.NetworkInterfaceId === 'eni-app')!;
    delete app.Groups;
    const unlisted = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    expect(() => whoCanReach(unlisted, { to: 'eni-app', protocol: 6, port: 8080 })).toThrow(
      'the snapshot lists no Groups for eni-app, so which sources its security groups admit is unknown',
    );
  });

  it('block segments agree with the NACL evaluator for every address of the block', () => {
    const blocks = ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.1.0/24', '203.0.113.0/24', '::/0', '2600:1f00:a::/56', '10.0.2.20/32'];
    fc.assert(
      fc.property(
        snapshotArbitrary,
        fc.constantFrom('acl-a', 'acl-a2', 'acl-b'),
        fc.constantFrom('ingress', 'egress') as fc.Arbitrary<'ingress' | 'egress'>,
        fc.constantFrom(6, 17, 1, 58, 50),
        fc.constantFrom(22, 80, 443, 8080, 50000),
        fc.constantFrom(...blocks),
        (snapshot, aclId, direction, protocol, port, blockText) => {
          const m = NetworkModel.fromSnapshot(snapshot);
          const block = parseCidr(blockText)!;
          const ported = protocol === 6 || protocol === 17 ? port : null;
          const segments = networkAclBlockSegments(m, aclId, direction, protocol, ported, block)!;
          for (const text of ADDRESSES) {
            const address = parseIp(text)!;
            if (!cidrContains(block, address)) continue;
            const decided = segments.find((s) => cidrContains(parseCidr(s.cidr)!, address))!;
            const direct = evaluateNetworkAcl(m, aclId, direction, protocol, ported, address);
            if (decided.uncertain || direct.allowed === 'uncertain') continue;
            expect([decided.ruleNumber, decided.action]).toEqual([direct.ruleNumber, direct.action]);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
